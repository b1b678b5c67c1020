using Cake.Core.Diagnostics;
using TableOrder.Build.Configuration;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Local;
using TableOrder.Build.Release;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;
using TableOrder.Build.Terraform;

namespace TableOrder.Build.Environments;

/// <summary>
/// Local: the stack is this machine's (PostgreSQL, Redis, the app-server machine), reached over
/// SSH with the host key read from the machine's disk; settings are written from the local secrets.
/// </summary>
public sealed class LocalDeployment(BuildOptions options, LocalEnvironment stack, ICakeLog log, SecretMasker masker) : IDeploymentEnvironment, ILocalStackHolder, IServerFleet, IDatabaseRecovery, IServerReboots
{
    private readonly Dictionary<int, IRemoteShell> _others = [];
    private IRemoteShell? _server;
    private LocalLock? _lock;

    public string Name => "local";

    /// <summary>
    /// Debian's packages only (no package index here), no CloudWatch (no AWS); the database verified against
    /// the stack's CA; with the stack's domain (--domain, or the one it kept), HTTPS with a certificate from
    /// the stack's Pebble. With several machines HAProxy is in front, on loopback: the servers trust its
    /// forwarded headers.
    /// </summary>
    public ServerPolicy Policy
    {
        get
        {
            var recorded = SiteDomain.Recorded(options.StateDirectory);
            var domain = SiteDomain.Resolve(options.Domain, options.HttpOnly, recorded);
            return new(CloudWatchAgent: false, PythonPackages.Distro, domain is null ? null : stack.Pebble.Tls with { Domain = domain }, DatabaseCa.FromFile(stack.Postgres.CaCertificateFile))
            {
                HttpsOff = options.HttpOnly,
                DroppedDomain = options.HttpOnly ? recorded : null,
                LoadBalancerCidrs = stack.Fleet.Count > 1 ? LocalLoadBalancer.SourceCidrs : [],
            };
        }
    }

    public ServerPorts Ports => new(stack.Layout.Ports.Http, stack.Layout.Ports.Api, stack.Layout.Ports.ApiGreen) { Tls = Policy.Tls };

    public bool PlansInfrastructure => false;

    public TimeSpan? RecoveryTimeObjective => null;

    public LocalEnvironment Stack => stack;

    public LocalEnvironment? LocalStack => stack;

    public Task<PlanResult> PlanAsync(RunSummary summary) =>
        throw new NotInThisEnvironmentException("The local stack has no plan: --target=Provision starts it.");

    public async Task ProvisionAsync(PlanResult? plan, RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        HoldStack();
        stack.Up();
        stack.Postgres.EnsureAppRole(stack.Secrets.AppDatabasePassword!);
        stack.Fleet.ScaleTo(options.Scale.Servers ?? stack.Fleet.Count);
        var joined = await JoinAsync(summary);
        summary.Record("machine", stack.Layout.MachineName);
        summary.Record("ports", stack.Layout.Ports);
        if (stack.Fleet.Count > 1)
        {
            summary.Record("servers", stack.Fleet.Servers.Select(s => new { name = s.Name, machine = s.Layout.MachineName, http = s.Layout.Ports.Http, ssh = s.Layout.Ports.Ssh }).ToList());
            summary.Record("loadBalancer", stack.Fleet.LoadBalancer.PublicUrl.ToString());
        }

        if (joined.Count > 0)
        {
            summary.Record("joined", joined);
        }
    }

    /// <summary>
    /// Machines added to a running stack come up on its current release (the bucket's stand-in),
    /// as a new AWS server does from its user data, and only then enter HAProxy, which must call
    /// each UP. A crash leaves the joining mark: the next Provision joins the machine again.
    /// </summary>
    private async Task<IReadOnlyList<object>> JoinAsync(RunSummary summary)
    {
        var joining = stack.Fleet.Joining;
        if (joining.Count == 0)
        {
            return [];
        }

        var bucket = stack.Fleet.Bucket;
        var release = bucket.Current
            ?? throw new LocalEnvironmentException($"{string.Join(", ", joining.Select(s => s.Name))} must join the stack but the release store ({bucket.Releases}) has no current release. Run --target=Deploy.");
        var joined = new List<object>();
        foreach (var server in joining)
        {
            using (var step = log.Step($"Join {server.Name}: bootstrap and release {release} from the release store, as a new server's user data does"))
            {
                var shell = await ConnectAsync(server, TimeSpan.FromMinutes(3));
                await ServerJoin.RunAsync(
                    shell,
                    new ServerPorts(server.Layout.Ports.Http, server.Layout.Ports.Api, server.Layout.Ports.ApiGreen),
                    Policy,
                    Path.Combine(options.RootDirectory, "app-deploy"),
                    s => WriteAppSettingsAsync(s, summary),
                    release,
                    () => File.OpenRead(bucket.ArchiveFile(release)),
                    log,
                    options.Release.HealthTimeout);
                step.Done();
            }

            stack.Fleet.Joined(server);
            var deadline = DateTime.UtcNow.AddMinutes(1);
            while (!(await stack.Fleet.LoadBalancer.ServersAsync()).Any(b => b.Name == server.Name && b.IsUp))
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new LocalEnvironmentException($"HAProxy did not call {server.Name} UP within a minute; see --target=Status.");
                }

                await Task.Delay(500, Signals.Interruption.Process.Token);
            }

            log.Information("{0}: UP in the load balancer on release {1}", server.Name, release);
            joined.Add(new { server = server.Name, machine = server.Layout.MachineName, release });
        }

        return joined;
    }

    public Task<TerraformOutputs> RefreshOutputsAsync() =>
        throw new NotInThisEnvironmentException("The local stack has no terraform outputs; --target=LocalStatus shows where its parts run.");

    public Task PrepareRebuildAsync(RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        HoldStack();
        _server?.Dispose();
        _server = null;
        stack.Down(purge: true);
        if (options.PurgeImage)
        {
            stack.PurgeImageCache();
        }

        summary.Record("purged", true);
        summary.Record("imagePurged", options.PurgeImage);
        return Task.CompletedTask;
    }

    public Task DestroyAsync() =>
        throw new NotInThisEnvironmentException("Destroy is for production; the local stack goes with --target=LocalDown --purge.");

    public async Task<IRemoteShell> WaitForServerAsync() => await ConnectAsync(TimeSpan.FromMinutes(3));

    public async Task<IRemoteShell> ServerAsync() => await ConnectAsync(TimeSpan.FromSeconds(30));

    public Uri PublicUrl() => LoadBalancer?.PublicUrl ?? Policy.SiteUrl("127.0.0.1", Ports);

    /// <summary>Machine 1 is the stack's own (the lock and the migrations run there); the others are reached the same way.</summary>
    public IReadOnlyList<AppServer> Servers =>
        [.. stack.Fleet.Servers.Select(s => new AppServer(
            s.Name,
            // HTTPS (--domain) is the stack's own machine's: Pebble validates on its HTTP port
            new ServerPorts(s.Layout.Ports.Http, s.Layout.Ports.Api, s.Layout.Ports.ApiGreen) { Tls = s.Index == 1 ? Policy.Tls : null },
            wait => s.Index == 1 ? ConnectAsync(wait) : ConnectAsync(s, wait)))];

    /// <summary>HAProxy, when the stack has several servers.</summary>
    public ILoadBalancer? LoadBalancer => stack.Fleet.Count > 1 ? stack.Fleet.LoadBalancer : null;

    public RemoteMeter Meter { get; } = new();

    /// <summary>The Redis CA, the env file and the migration env file, as <see cref="WriteAppSettingsAsync"/> writes them.</summary>
    public IReadOnlyDictionary<string, string>? SettingsChecksums() => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [ServerMap.RedisCaFile] = Checksum(File.ReadAllBytes(stack.Redis.CaCertificateFile)),
        [ServerMap.EnvFile] = Checksum(System.Text.Encoding.UTF8.GetBytes(AppEnvironmentFile.Render(stack.AppSettings()))),
        [ServerMap.MigrationEnvFile] = Checksum(System.Text.Encoding.UTF8.GetBytes(AppEnvironmentFile.Render(stack.MigrationSettings()))),
    };

    /// <summary>The release bucket's stand-in in the state folder, kept at every server count (a stack may grow later).</summary>
    public IReleaseStore ReleaseStore => stack.Fleet.Bucket;

    /// <summary>
    /// The local Redis's CA certificate (the app verifies Redis against it), the env file, and the root-only
    /// migration env file (the owner's URL; it changes nothing for the running app).
    /// </summary>
    public async Task<bool> WriteAppSettingsAsync(IRemoteShell server, RunSummary summary)
    {
        var ca = await AppEnvironmentFile.WriteFileAsync(server, await File.ReadAllBytesAsync(stack.Redis.CaCertificateFile), ServerMap.RedisCaFile, "0644", "root");
        var settings = await AppEnvironmentFile.WriteAsync(server, AppEnvironmentFile.Render(stack.AppSettings()));
        await AppEnvironmentFile.WriteFileAsync(server, System.Text.Encoding.UTF8.GetBytes(AppEnvironmentFile.Render(stack.MigrationSettings())), ServerMap.MigrationEnvFile, "0600", "root");
        return ca || settings;
    }

    /// <summary>The local secret (secrets.json in the state folder); the stack masks it when it loads it.</summary>
    public Task<string?> StaffTokenAsync() => Task.FromResult(stack.Secrets.StaffToken);

    /// <summary>Holds this state folder's stack for the rest of the build: a second build fails at once.</summary>
    public void HoldStack() => _lock ??= stack.Lock();

    /// <summary>The stack's database (snapshot names begin with it).</summary>
    public string DatabaseName => LocalLayout.DatabaseName;

    /// <summary>PostgreSQL's archive_timeout: what a cluster that is gone loses at most.</summary>
    public TimeSpan ArchiveWindow => LocalBackups.ArchiveTimeout;

    /// <summary>A full pgBackRest backup labelled with the snapshot's name.</summary>
    public Task<Recovery.DatabaseSnapshot> SnapshotAsync(string name, RunSummary summary, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(summary);
        RequireDatabase();
        var backup = stack.Backups.Backup(name);
        summary.Record("backup", backup.Label);
        return Task.FromResult(new Recovery.DatabaseSnapshot(name, backup.Finished, "available"));
    }

    /// <summary>From the oldest backup's end to the newest archived WAL segment; the labelled backups are the snapshots.</summary>
    public Task<Recovery.BackupState> BackupsAsync(CancellationToken cancellationToken = default)
    {
        var backups = stack.Backups.List();
        return Task.FromResult(new Recovery.BackupState(
            backups is [var oldest, ..] ? oldest.Finished : null,
            backups.Count > 0 ? stack.Backups.LatestRestorableTime() : null,
            [.. backups.Where(b => b.Snapshot is not null).Select(b => new Recovery.DatabaseSnapshot(b.Snapshot!, b.Finished, "available"))]));
    }

    /// <summary>Reads the repository only: a database that is gone (not running, its folder damaged) is what a restore is for.</summary>
    public Task CheckTargetAsync(Recovery.RestoreTarget target, CancellationToken cancellationToken = default)
    {
        HoldStack();
        stack.Backups.Check(target);
        return Task.CompletedTask;
    }

    /// <summary>pgBackRest restore into a fresh data folder, swapped in; see <see cref="LocalEnvironment.RestoreDatabase"/>.</summary>
    public Task<Recovery.RestoredDatabase> RestoreAsync(Recovery.RestoreTarget target, RunSummary summary, CancellationToken cancellationToken = default)
    {
        HoldStack();
        return Task.FromResult(stack.RestoreDatabase(target));
    }

    /// <summary>
    /// The machine's systemd reboots; systemd-nspawn ends with it (exit 133), and the stack boots the
    /// machine again from its copy, as EC2's host brings an instance back.
    /// </summary>
    public async Task<IRemoteShell> RebootAsync(AppServer server, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        HoldStack();
        var machine = stack.Fleet.Servers.FirstOrDefault(s => s.Name == server.Name)
            ?? throw new LocalEnvironmentException($"The local stack has no app server {server.Name}.");
        var shell = await server.Connect(TimeSpan.FromSeconds(30));
        await shell.RunAsync(Server.PackageUpdates.Reboot(), cancellationToken);
        Forget(machine.Index);
        Waiting.Until(() => machine.Machine.RunningPid is null, TimeSpan.FromMinutes(2), $"{machine.Layout.MachineName} did not go down within 2 minutes of its reboot.");
        log.Information("{0}: down; booting it again", server.Name);
        machine.Machine.Start();
        return await server.Connect(TimeSpan.FromMinutes(3));
    }

    /// <summary>Drops the build's connection to machine <paramref name="index"/> (it went down).</summary>
    private void Forget(int index)
    {
        if (index == 1)
        {
            _server?.Dispose();
            _server = null;
        }
        else if (_others.Remove(index, out var other))
        {
            other.Dispose();
        }
    }

    private void RequireDatabase()
    {
        HoldStack();
        if (!stack.Postgres.IsRunning)
        {
            throw new LocalEnvironmentException("The local PostgreSQL is not running. Start the stack with --target=Provision (or Deploy).");
        }
    }

    public void Dispose()
    {
        _server?.Dispose();
        _server = null;
        foreach (var other in _others.Values)
        {
            other.Dispose();
        }

        _others.Clear();
        _lock?.Dispose();
        _lock = null;
    }

    private static string Checksum(byte[] bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));

    private async Task<IRemoteShell> ConnectAsync(TimeSpan waitFor)
    {
        if (_server is not null)
        {
            return _server;
        }

        if (stack.Machine.RunningPid is null)
        {
            throw new LocalEnvironmentException("The local app-server machine is not running. Start it with --target=Provision (or Deploy).");
        }

        var target = stack.SshTarget;
        if (options.SshKeyPath is { } key)
        {
            target = target with { PrivateKeyPath = key };
        }

        _server = Meter.Wrap(await Meter.ConnectAsync(async () => (IRemoteShell)await SshSession.ConnectAsync(target, log, masker, waitFor)));
        return _server;
    }

    private async Task<IRemoteShell> ConnectAsync(LocalAppServer server, TimeSpan waitFor)
    {
        if (_others.TryGetValue(server.Index, out var open))
        {
            return open;
        }

        if (server.Machine.RunningPid is null)
        {
            throw new LocalEnvironmentException($"The local app-server machine {server.Name} ({server.Layout.MachineName}) is not running. Start it with --target=Provision (or Deploy).");
        }

        var target = server.Machine.SshTarget;
        if (options.SshKeyPath is { } key)
        {
            target = target with { PrivateKeyPath = key };
        }

        var session = await SshSession.ConnectAsync(target, log, masker, waitFor);
        _others[server.Index] = session;
        return session;
    }
}
