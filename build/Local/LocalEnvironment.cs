using Cake.Core.Diagnostics;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;

namespace TableOrder.Build.Local;

/// <summary>
/// The local stand-in of the AWS stack: PostgreSQL (RDS), Redis (ElastiCache) and the app-server
/// machine (EC2), all on this machine with their own folders and ports.
/// </summary>
public sealed class LocalEnvironment
{
    private readonly LocalLayout _layout;
    private readonly ICakeLog _log;
    private readonly LocalProcess _process;
    private readonly SecretMasker _masker;
    private LocalSecrets? _secrets;

    public LocalEnvironment(LocalLayout layout, ICakeLog log, SecretMasker masker)
    {
        _layout = layout;
        _log = log;
        _masker = masker;
        _process = new LocalProcess(log);
        Backups = new LocalBackups(layout, _process, log);
        Postgres = new LocalPostgres(layout, _process, log, Backups);
        Redis = new LocalRedis(layout, _process, log);
        Machine = new LocalMachine(layout, _process, log);
        Fleet = new LocalFleet(layout, Machine, _process, log);
        Pebble = new LocalPebble(layout, _process, log);
    }

    /// <summary>The stack's ACME test server (Let's Encrypt's stand-in) and its DNS.</summary>
    public LocalPebble Pebble { get; }

    public LocalPostgres Postgres { get; }

    /// <summary>pgBackRest: continuous WAL archiving, daily base backups kept 7 days, labelled snapshots.</summary>
    public LocalBackups Backups { get; }

    public LocalRedis Redis { get; }

    public LocalMachine Machine { get; }

    /// <summary>Every app-server machine (--servers=N; the first is <see cref="Machine"/>) and HAProxy in front of several.</summary>
    public LocalFleet Fleet { get; }

    /// <summary>More parts an environment runs in this stack (the rehearsal: its AWS, moto): stopped by <see cref="Down"/>, listed by <see cref="Status"/>.</summary>
    public IList<IStackPart> Parts { get; } = [];

    public LocalLayout Layout => _layout;

    /// <summary>Holds the environment for this build; a second build fails at once.</summary>
    public LocalLock Lock() => LocalLock.Acquire(_layout.LockFile);

    /// <summary>
    /// Installs what is missing, starts the data services and boots the machine. Idempotent. The
    /// machine (its image build, on a new host or recipe the longest step) goes first and at once; the
    /// rest of the host packages, PostgreSQL, Redis and Pebble start beside it.
    /// </summary>
    public void Up()
    {
        var packages = new HostPackages(_process, _log);
        packages.EnsureInstalled(HostPackages.ForTheMachine);
        var secrets = Secrets;
        var services = Task.Run(() =>
        {
            packages.EnsureInstalled();
            Postgres.Start(secrets);
            Redis.Start(secrets);
            Pebble.Start();
        });
        // The machine boots while the services start; what runs just before its boot (the rehearsal's
        // seed: the Redis CA, the database's certificate) reads what the services make, so it waits for them.
        var beforeBoot = Machine.BeforeBoot;
        Machine.BeforeBoot = beforeBoot is null ? null : () =>
        {
            services.GetAwaiter().GetResult();
            beforeBoot();
        };
        try
        {
            Machine.Start();
        }
        catch
        {
            // The machine's error is the one to report; the services' start still ends first.
            ((IAsyncResult)services).AsyncWaitHandle.WaitOne();
            throw;
        }
        finally
        {
            Machine.BeforeBoot = beforeBoot;
        }

        services.GetAwaiter().GetResult();
    }

    /// <summary>
    /// Restores the database to <paramref name="target"/> into a fresh data folder, swapped in for the
    /// running one (kept as data.replaced-&lt;utc&gt;, <see cref="LocalPostgres.ReplacedFolder"/>): a running cluster first archives
    /// its current WAL segment, so nothing written before the target is lost; PostgreSQL then replays the
    /// archive up to the target and promotes itself.
    /// </summary>
    public Recovery.RestoredDatabase RestoreDatabase(Recovery.RestoreTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var steps = new List<string>();
        if (target.Snapshot is null && Postgres.ArchiveCurrentWal(TimeSpan.FromSeconds(60)))
        {
            steps.Add("archived the current WAL segment");
        }

        using (var step = _log.Step($"PostgreSQL: pgBackRest restore of {target} into {Postgres.RestoreFolder}"))
        {
            Backups.RestoreInto(Postgres.RestoreFolder, target);
            step.Done();
        }

        steps.Add("restored into " + Postgres.RestoreFolder);
        Postgres.SwapInRestored();
        var replaced = Postgres.ReplacedFolder;
        steps.Add("swapped in; the replaced cluster is kept in " + replaced);
        try
        {
            using var step = _log.Step("PostgreSQL: replaying the archive up to the target, then promoting");
            Postgres.Start(Secrets);
            step.Done();
        }
        catch (Exception failed) when (failed is LocalEnvironmentException or Npgsql.NpgsqlException && target.Time is not null && Postgres.RecoveryEndedBeforeTarget())
        {
            // the archive holds nothing written after the target (a database that was gone before it):
            // its end is the point the target asks for
            _log.Warning("PostgreSQL: the archive ends before {0}; restoring to its end, the latest restorable time.", target);
            Backups.RestoreInto(Postgres.RestoreFolder, Recovery.RestoreTarget.Latest);
            Postgres.ReplaceFailedRestore();
            Postgres.Start(Secrets);
            steps.Add("the archive ended before the target: restored to its end");
        }

        steps.Add("replayed and promoted");
        // no transaction replayed after the backup: the data is as of the backup's end (a snapshot), or of the
        // archive's end, which had nothing newer to replay (a time up to then)
        var point = Postgres.LastReplayed()
            ?? (target.Snapshot is { } snapshot
                ? Backups.List().LastOrDefault(b => b.Snapshot == snapshot)?.Finished
                : Min(target.Time ?? DateTimeOffset.UtcNow, Backups.LatestRestorableTime() ?? DateTimeOffset.UtcNow))
            ?? throw new LocalEnvironmentException("The restored cluster replayed no transaction and its backup has no end time: the restore point is unknown.");
        return new Recovery.RestoredDatabase(point, _layout.PostgresData, replaced, steps);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
    /// <summary>Installs what is missing (the machine image's tools included).</summary>
    public void EnsureHostPackages() => new HostPackages(_process, _log).EnsureInstalled();

    /// <summary>Read (or made) once per build, and masked in every log line from then on.</summary>
    public LocalSecrets Secrets
    {
        get
        {
            if (_secrets is null)
            {
                _secrets = LocalSecrets.LoadOrCreate(_layout.SecretsFile);
                _masker.Add(_secrets.DatabasePassword);
                _masker.Add(_secrets.RedisPassword);
                _masker.Add(_secrets.StaffToken);
                _masker.Add(_secrets.AppDatabasePassword);
            }

            return _secrets;
        }
    }

    /// <summary>The settings the app reads from its env file on the local server: it logs in as its own role.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> AppSettings()
    {
        var secrets = Secrets;
        return
        [
            new("TABLEORDER_ENVIRONMENT", "local"),
            new("DATABASE_URL", Postgres.DatabaseUrl(LocalLayout.AppDatabaseUser, secrets.AppDatabasePassword!)),
            new("REDIS_URL", Redis.RedisUrl(secrets.RedisPassword)),
            new("STAFF_TOKEN", secrets.StaffToken!),
            new("REDIS_CA_FILE", ServerMap.RedisCaFile),
        ];
    }

    /// <summary>The migrations' settings (the server's root-only migration env file): the database owner's URL, nothing else.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> MigrationSettings() =>
        [new("DATABASE_URL", Postgres.DatabaseUrl(LocalLayout.DatabaseUser, Secrets.DatabasePassword))];

    /// <summary>
    /// Stops this stack's parts (whatever of them runs: a half-made stack too). Purging deletes its
    /// state (database, passwords, machine copy, ports) but keeps its lock and the run logs; its ports
    /// are chosen again on the next start (the old ones may be taken by then).
    /// </summary>
    public void Down(bool purge)
    {
        foreach (var part in Parts)
        {
            part.Shutdown();
        }

        Fleet.StopExtra();
        Machine.Stop();
        if (purge)
        {
            Machine.KeepDownloads();
        }

        Pebble.Stop();
        Redis.Stop();
        Postgres.Stop();
        if (purge && Directory.Exists(_layout.StateDirectory))
        {
            _log.Information("Purging local state: {0} (the machine image cache in {1} is kept)", _layout.StateDirectory, _layout.CacheDirectory);
            var kept = new[] { _layout.LockFile, Path.Combine(_layout.StateDirectory, Diagnostics.RunLog.FolderName) };
            var doomed = Directory.GetFileSystemEntries(_layout.StateDirectory).Where(e => !kept.Contains(e, StringComparer.Ordinal)).ToList();
            if (doomed.Count > 0)
            {
                _process.Run("rm", ["-rf", "--one-file-system", "--", .. doomed]);
            }

            _secrets = null;
            _layout.ForgetPorts();
        }
    }

    /// <summary>Deletes the cached machine images (and their downloaded packages; the next start builds one with mmdebstrap); the login key stays, other stacks use it.</summary>
    public void PurgeImageCache() => Machine.DeleteImages();

    public IReadOnlyList<(string Part, string State, string Where)> Status() =>
    [
        .. Parts.Select(p => p.Status()),
        .. Fleet.Count > 1
            ? new[] { ("HAProxy (load balancer)", Fleet.LoadBalancer.RunningPid is { } h ? $"running (pid {h})" : "stopped", $"{Fleet.LoadBalancer.PublicUrl}, runtime API {Fleet.LoadBalancer.Socket}") }
            : [],
        .. Fleet.Servers.Skip(1).Select(s => ("App server " + s.Layout.MachineName, s.Machine.RunningPid is { } p ? $"running (pid {p})" : "stopped", $"ssh {LocalLayout.LoginUser}@127.0.0.1 -p {s.Layout.Ports.Ssh}, http://127.0.0.1:{s.Layout.Ports.Http}/")),
        ("PostgreSQL 15", Postgres.IsRunning ? "running" : "stopped", $"127.0.0.1:{_layout.Ports.Postgres}, data {_layout.PostgresData}"),
        ("Redis 7", Redis.RunningPid is { } r ? $"running (pid {r})" : "stopped", $"127.0.0.1:{_layout.Ports.Redis} (TLS only, password; CA {Redis.CaCertificateFile})"),
        ("Pebble (ACME test CA)", Pebble.RunningPid is { } p ? $"running (pid {p})" : "stopped", $"{Pebble.DirectoryUrl}, DNS 127.0.0.1:{_layout.Ports.Dns}, HTTPS site port {_layout.Ports.Https}"),
        ("App server " + _layout.MachineName, Machine.RunningPid is { } m ? $"running (pid {m})" : "stopped", $"ssh {LocalLayout.LoginUser}@127.0.0.1 -p {_layout.Ports.Ssh}, http://127.0.0.1:{_layout.Ports.Http}/, api 127.0.0.1:{_layout.Ports.Api}"),
    ];

    public SshTarget SshTarget => Machine.SshTarget;

    /// <summary>The other stacks under the same state root that have chosen ports: they live side by side with this one.</summary>
    public static IReadOnlyList<(string Folder, LocalPorts Ports)> OtherStacks(string stateRoot, string stateDirectory) =>
        !Directory.Exists(stateRoot)
            ? []
            : [.. Directory.GetDirectories(stateRoot)
                .Where(d => Path.GetFullPath(d) != Path.GetFullPath(stateDirectory))
                .Select(d => (Folder: d, Ports: LocalPorts.Load(d)))
                .Where(s => s.Ports is not null)
                .Select(s => (s.Folder, s.Ports!))];
}

/// <summary>A part of a local stack that an environment adds (the rehearsal's AWS): it says where it runs, and stops with the stack.</summary>
public interface IStackPart
{
    (string Part, string State, string Where) Status();

    /// <summary>Stops it (whatever of it runs).</summary>
    void Shutdown();
}
