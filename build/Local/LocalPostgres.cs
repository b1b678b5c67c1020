using Cake.Core.Diagnostics;
using Npgsql;

namespace TableOrder.Build.Local;

/// <summary>
/// A private PostgreSQL 15 cluster for the local environment (plays RDS): its own data folder,
/// loopback only, its own port. Never the machine's own clusters. It archives its WAL and is
/// backed up daily by <see cref="LocalBackups"/> (pgBackRest), as RDS does.
/// </summary>
public sealed class LocalPostgres(LocalLayout layout, LocalProcess process, ICakeLog log, LocalBackups backups)
{
    private const string BinDirectory = "/usr/lib/postgresql/15/bin";
    private const string ServiceUser = "postgres";

    private static string? RunAs => LocalProcess.IsRoot ? ServiceUser : null;

    /// <summary>The postmaster of this data folder runs: its pid file's first line is a live postgres process (what pg_ctl status checks, without starting it).</summary>
    public bool IsRunning
    {
        get
        {
            var pidFile = Path.Combine(layout.PostgresData, "postmaster.pid");
            var first = File.Exists(pidFile) ? File.ReadLines(pidFile).FirstOrDefault() : null;
            return int.TryParse(first, out var pid) && File.Exists($"/proc/{pid}/comm") && File.ReadAllText($"/proc/{pid}/comm").Trim() == "postgres";
        }
    }

    /// <summary>Written when the role, its password and the database were made or checked for this cluster run.</summary>
    private string EnsuredFile => Path.Combine(layout.PostgresDirectory, "ensured");

    public void Start(LocalSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        // the archive_command names pgBackRest's config: it exists before PostgreSQL starts
        backups.Prepare();
        FinishSwap();
        var ensured = Ensured(secrets.DatabasePassword);
        if (!IsRunning)
        {
            if (File.Exists(EnsuredFile))
            {
                File.Delete(EnsuredFile);
            }

            PortCheck.EnsureFree(layout.Ports.Postgres, "PostgreSQL");
            Initialize();
            IncludeArchiving();
            log.Information("PostgreSQL: starting on 127.0.0.1:{0}", layout.Ports.Postgres);
            StartServer();
        }
        else
        {
            log.Information("PostgreSQL: already running on 127.0.0.1:{0}", layout.Ports.Postgres);

            // The role, its password and the database were made for this very postmaster: a no-op run
            // need not connect again (a restarted or new cluster, or a new password, is checked again).
            if (File.Exists(EnsuredFile) && File.ReadAllText(EnsuredFile) == ensured)
            {
                EnsureBackups();
                return;
            }

            // a cluster started before it archived: archive_mode takes a restart
            if (IncludeArchiving() | Scalar("SHOW archive_mode") != "on")
            {
                log.Information("PostgreSQL: restarting once to archive its WAL (pgBackRest)");
                process.Run(Path.Combine(BinDirectory, "pg_ctl"), ["stop", "-D", layout.PostgresData, "-m", "fast", "-w"], RunAs);
                StartServer();
            }
            else
            {
                // archive_command and archive_timeout are read on a reload
                Scalar("SELECT pg_reload_conf()::text");
            }
        }

        WaitUntilPromoted(TimeSpan.FromMinutes(30));
        EnsureDatabase(secrets.DatabasePassword);
        File.WriteAllText(EnsuredFile, Ensured(secrets.DatabasePassword));
        EnsureBackups();
    }

    private void StartServer() =>
        process.Run(
            Path.Combine(BinDirectory, "pg_ctl"),
            ["start", "-D", layout.PostgresData, "-l", layout.PostgresLog, "-w", "-t", "60",
             "-o", $"-p {layout.Ports.Postgres} -c listen_addresses=127.0.0.1 -k {layout.PostgresSocketDirectory}"],
            RunAs);

    /// <summary>The stanza (once) and the daily base backup (when the newest is older than a day).</summary>
    private void EnsureBackups()
    {
        backups.EnsureStanza();
        backups.EnsureDaily();
    }

    /// <summary>This cluster run (the postmaster's pid file, start time included), the password and the archiving settings, hashed.</summary>
    private string Ensured(string password)
    {
        var pidFile = Path.Combine(layout.PostgresData, "postmaster.pid");
        var run = File.Exists(pidFile) ? string.Join('|', File.ReadLines(pidFile).Take(3)) : string.Empty;
        var archiving = File.Exists(backups.ServerSettingsFile) ? File.ReadAllText(backups.ServerSettingsFile) : string.Empty;
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{run}|{layout.Ports.Postgres}|{password}|{archiving}")));
    }

    /// <summary>postgresql.conf includes the archiving settings (<see cref="LocalBackups.ServerSettingsFile"/>); true when the line was added.</summary>
    private bool IncludeArchiving()
    {
        var config = Path.Combine(layout.PostgresData, "postgresql.conf");
        var line = $"include_if_exists = '{backups.ServerSettingsFile}'";
        if (!File.Exists(config) || File.ReadLines(config).Contains(line, StringComparer.Ordinal))
        {
            return false;
        }

        File.AppendAllText(config, $"\n# continuous archiving with pgBackRest (build/Local/LocalBackups.cs)\n{line}\n");
        return true;
    }

    /// <summary>Where a restore puts the restored cluster before it is swapped in.</summary>
    public string RestoreFolder => layout.PostgresData + ".restore";

    /// <summary>The cluster the last restore replaced (data.replaced-&lt;utc&gt;), kept until the user deletes it or LocalDown --purge; null before any.</summary>
    public string? ReplacedFolder =>
        Directory.Exists(layout.PostgresDirectory)
            ? Directory.GetDirectories(layout.PostgresDirectory, "data.replaced-*").Order(StringComparer.Ordinal).LastOrDefault()
            : null;

    /// <summary>Written once the restored cluster is whole (it names the folder the old one goes to): from then on the swap is finished by whoever comes next.</summary>
    private string SwapMarker => Path.Combine(layout.PostgresDirectory, "swap-pending");

    /// <summary>
    /// Stops the cluster and puts the restored one (<see cref="RestoreFolder"/>, whole) in its place; the
    /// old one is kept as data.replaced-&lt;utc&gt; (every restore keeps its own). Recorded first, so a kill
    /// in between is finished by the next start, never leaving no cluster (which a start would initialize anew).
    /// </summary>
    public void SwapInRestored()
    {
        if (!File.Exists(Path.Combine(RestoreFolder, "PG_VERSION")))
        {
            throw new LocalEnvironmentException($"{RestoreFolder} holds no restored cluster: nothing to swap in.");
        }

        File.WriteAllText(SwapMarker, layout.PostgresData + ".replaced-" + DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        Stop();
        FinishSwap();
    }

    private void FinishSwap()
    {
        if (!File.Exists(SwapMarker))
        {
            return;
        }

        var replaced = File.ReadAllText(SwapMarker).Trim();
        if (Directory.Exists(RestoreFolder))
        {
            if (Directory.Exists(layout.PostgresData))
            {
                Directory.Move(layout.PostgresData, replaced);
            }

            Directory.Move(RestoreFolder, layout.PostgresData);
            log.Information("PostgreSQL: the restored cluster is in place; the one it replaced is kept in {0}", replaced);
        }

        File.Delete(SwapMarker);
    }

    /// <summary>
    /// A restored cluster that did not come up (its recovery failed) is replaced by <see cref="RestoreFolder"/>,
    /// restored again: unlike <see cref="SwapInRestored"/> the cluster it replaced first stays where it is kept.
    /// </summary>
    public void ReplaceFailedRestore()
    {
        Stop();
        if (Directory.Exists(layout.PostgresData))
        {
            process.Run("rm", ["-rf", "--one-file-system", layout.PostgresData]);
        }

        Directory.Move(RestoreFolder, layout.PostgresData);
    }

    /// <summary>PostgreSQL's log says its recovery reached the end of the archive before the target time.</summary>
    public bool RecoveryEndedBeforeTarget() =>
        File.Exists(layout.PostgresLog) &&
        File.ReadLines(layout.PostgresLog).TakeLast(30).Any(l => l.Contains("recovery ended before configured recovery target was reached", StringComparison.Ordinal));

    /// <summary>
    /// Asks the running cluster to close its WAL segment and waits until the archive has it, so a
    /// restore of a database that still runs loses nothing written before its target. False when it could not.
    /// </summary>
    public bool ArchiveCurrentWal(TimeSpan wait)
    {
        if (!IsRunning)
        {
            return false;
        }

        try
        {
            // a commit now: recovery to a time up to now finds a transaction past its target and stops
            // there (an idle cluster's WAL has none, and recovery would end before reaching the target)
            Scalar("SELECT txid_current()::text");
            var segment = Scalar("SELECT pg_walfile_name(pg_switch_wal())");
            var deadline = DateTime.UtcNow + wait;
            while (DateTime.UtcNow < deadline)
            {
                var archived = Scalar("SELECT last_archived_wal FROM pg_stat_archiver");
                if (archived is not null && segment is not null && string.CompareOrdinal(archived, segment) >= 0)
                {
                    return true;
                }

                Thread.Sleep(200);
            }
        }
        catch (NpgsqlException ex)
        {
            log.Warning("PostgreSQL: could not archive the current WAL segment ({0}); the restore uses what the archive has.", ex.Message);
        }

        return false;
    }

    /// <summary>The commit time of the last transaction the cluster replayed in its recovery: the point a restore reached.</summary>
    public DateTimeOffset? LastReplayed()
    {
        var text = Scalar("SELECT to_char(pg_last_xact_replay_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')");
        return string.IsNullOrEmpty(text) ? null : DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal);
    }

    /// <summary>A restored cluster replays the archive, then promotes itself: wait until it takes writes.</summary>
    private void WaitUntilPromoted(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Scalar("SELECT pg_is_in_recovery()::text") == "true")
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new LocalEnvironmentException($"PostgreSQL is still replaying the archive after {timeout.TotalMinutes:0} minutes; see {layout.PostgresLog}.");
            }

            Thread.Sleep(200);
        }
    }

    private string? Scalar(string sql)
    {
        using var connection = Superuser();
        connection.Open();
#pragma warning disable CA2100 // our own constant queries
        using var command = new NpgsqlCommand(sql, connection);
#pragma warning restore CA2100
        return command.ExecuteScalar()?.ToString();
    }

    private NpgsqlConnection Superuser() => new(new NpgsqlConnectionStringBuilder
    {
        Host = layout.PostgresSocketDirectory,
        Port = layout.Ports.Postgres,
        Username = "postgres",
        Database = "postgres",
        Pooling = false,
    }.ConnectionString);

    public void Stop()
    {
        if (IsRunning)
        {
            log.Information("PostgreSQL: stopping");
            process.Run(Path.Combine(BinDirectory, "pg_ctl"), ["stop", "-D", layout.PostgresData, "-m", "fast", "-w"], RunAs);
        }
    }

    /// <summary>The app's connection string, as the server's env file carries it.</summary>
    public string DatabaseUrl(string password) =>
        $"postgresql://{LocalLayout.DatabaseUser}:{password}@127.0.0.1:{layout.Ports.Postgres}/{LocalLayout.DatabaseName}";

    private void Initialize()
    {
        if (File.Exists(Path.Combine(layout.PostgresData, "PG_VERSION")))
        {
            return;
        }

        Directory.CreateDirectory(layout.PostgresData);
        Directory.CreateDirectory(layout.PostgresSocketDirectory);
        GiveToServiceUser(layout.PostgresDirectory);
        log.Information("PostgreSQL: new cluster in {0}", layout.PostgresData);

        // Superuser over the private socket only (its folder is 0700); the app logs in with a password.
        process.Run(
            Path.Combine(BinDirectory, "initdb"),
            ["-D", layout.PostgresData, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"],
            RunAs);
    }

    private void EnsureDatabase(string password)
    {
        using var connection = Superuser();
        connection.Open();

        var roleExists = Scalar(connection, "SELECT 1 FROM pg_roles WHERE rolname = @name", LocalLayout.DatabaseUser) is not null;
        // Role passwords cannot be bound parameters; this one is our own [A-Za-z0-9] string.
        var passwordLiteral = "'" + password.Replace("'", "''", StringComparison.Ordinal) + "'";
        Execute(connection, roleExists
            ? $"ALTER ROLE {LocalLayout.DatabaseUser} WITH LOGIN PASSWORD {passwordLiteral}"
            : $"CREATE ROLE {LocalLayout.DatabaseUser} WITH LOGIN PASSWORD {passwordLiteral}");

        if (Scalar(connection, "SELECT 1 FROM pg_database WHERE datname = @name", LocalLayout.DatabaseName) is null)
        {
            log.Information("PostgreSQL: creating database {0} owned by {1}", LocalLayout.DatabaseName, LocalLayout.DatabaseUser);
            Execute(connection, $"CREATE DATABASE {LocalLayout.DatabaseName} OWNER {LocalLayout.DatabaseUser}");
        }
    }

    private static object? Scalar(NpgsqlConnection connection, string sql, string name)
    {
        using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("name", name);
        return command.ExecuteScalar();
    }

    private static void Execute(NpgsqlConnection connection, string sql)
    {
#pragma warning disable CA2100 // identifiers are constants; the password is our own generated literal
        using var command = new NpgsqlCommand(sql, connection);
#pragma warning restore CA2100
        command.ExecuteNonQuery();
    }

    private void GiveToServiceUser(string directory)
    {
        if (LocalProcess.IsRoot)
        {
            process.Run("chown", ["-R", $"{ServiceUser}:{ServiceUser}", directory]);
            process.Run("chmod", ["0700", layout.PostgresData, layout.PostgresSocketDirectory]);
        }
    }
}
