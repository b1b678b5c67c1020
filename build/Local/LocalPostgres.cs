using Cake.Core.Diagnostics;
using Npgsql;

namespace TableOrder.Build.Local;

/// <summary>
/// A private PostgreSQL 15 cluster for the local environment (plays RDS): its own data folder,
/// loopback only, its own port, TLS with a certificate from the stack's own CA (clients verify it,
/// sslmode=verify-full). Never the machine's own clusters. The database's owner runs the migrations;
/// locally, the app logs in as a role of its own (<see cref="LocalLayout.AppDatabaseUser"/>), as in production.
/// It archives its WAL and is backed up daily by <see cref="LocalBackups"/> (pgBackRest), as RDS does.
/// </summary>
public sealed class LocalPostgres(LocalLayout layout, LocalProcess process, ICakeLog log, LocalBackups backups)
{
    /// <summary>PostgreSQL 15's programs (Debian's postgresql-15): the server's, and the clients that must match its version.</summary>
    public const string BinDirectory = "/usr/lib/postgresql/15/bin";
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

    /// <summary>Written when the role, its password, the database and TLS were made or checked for this cluster run.</summary>
    private string EnsuredFile => Path.Combine(layout.PostgresDirectory, "ensured");

    /// <summary>Written when the app's own role was made or checked for this cluster run.</summary>
    private string AppRoleEnsuredFile => Path.Combine(layout.PostgresDirectory, "app-role-ensured");

    /// <summary>The stack's CA for PostgreSQL's server certificate (the CA's key stays in this folder, root's).</summary>
    private LocalCertificateAuthority Tls => new(Path.Combine(layout.PostgresDirectory, "tls"), "postgres", "TableOrder local PostgreSQL CA", process, log);

    /// <summary>The CA the app verifies the database against (the server's copy is <see cref="Server.ServerMap.DatabaseCaFile"/>).</summary>
    public string CaCertificateFile => Tls.CaCertificateFile;

    public void Start(LocalSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        // the archive_command names pgBackRest's config: it exists before PostgreSQL starts
        backups.Prepare();
        FinishSwap();
        if (!IsRunning)
        {
            if (File.Exists(EnsuredFile))
            {
                File.Delete(EnsuredFile);
            }

            PortCheck.EnsureFree(layout.Ports.Postgres, "PostgreSQL");
            Initialize();
            Tls.Ensure();
            InstallCertificate();
            IncludeArchiving();
            log.Information("PostgreSQL: starting on 127.0.0.1:{0}", layout.Ports.Postgres);
            StartServer();
        }
        else
        {
            log.Information("PostgreSQL: already running on 127.0.0.1:{0}", layout.Ports.Postgres);

            // The role, its password, the database and TLS were made for this very postmaster: a no-op run
            // need not connect again (a restarted or new cluster, a new password or certificate is checked again).
            Tls.Ensure();
            if (File.Exists(EnsuredFile) && File.ReadAllText(EnsuredFile) == Ensured(secrets.DatabasePassword))
            {
                EnsureBackups();
                return;
            }

            InstallCertificate();
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

    /// <summary>
    /// The app's own role (LOGIN, no other attribute): data rights on the owner's tables and sequences, now
    /// and for those later migrations make, no DDL. The local environment's; the rehearsal's app role is made
    /// by production's code on the server (build/Aws/AppDatabaseRole.cs). Checked once per cluster run.
    /// </summary>
    public void EnsureAppRole(string password)
    {
        var ensured = Ensured(password);
        if (File.Exists(AppRoleEnsuredFile) && File.ReadAllText(AppRoleEnsuredFile) == ensured)
        {
            return;
        }

        using (var connection = SuperuserConnection("postgres"))
        {
            connection.Open();
            var exists = Scalar(connection, "SELECT 1 FROM pg_roles WHERE rolname = @name", LocalLayout.AppDatabaseUser) is not null;
            Execute(connection, $"{(exists ? "ALTER" : "CREATE")} ROLE {LocalLayout.AppDatabaseUser} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {Literal(password)}");
            Execute(connection, $"GRANT CONNECT ON DATABASE {LocalLayout.DatabaseName} TO {LocalLayout.AppDatabaseUser}");
        }

        using (var database = SuperuserConnection(LocalLayout.DatabaseName))
        {
            database.Open();
            foreach (var grant in AppRoleGrants)
            {
                Execute(database, grant);
            }
        }

        File.WriteAllText(AppRoleEnsuredFile, ensured);
    }

    /// <summary>What the app's role may do in the database's public schema: the owner's data, no DDL.</summary>
    public static readonly IReadOnlyList<string> AppRoleGrants =
    [
        $"GRANT USAGE ON SCHEMA public TO {LocalLayout.AppDatabaseUser}",
        $"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {LocalLayout.AppDatabaseUser}",
        $"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {LocalLayout.AppDatabaseUser}",
        $"ALTER DEFAULT PRIVILEGES FOR ROLE {LocalLayout.DatabaseUser} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {LocalLayout.AppDatabaseUser}",
        $"ALTER DEFAULT PRIVILEGES FOR ROLE {LocalLayout.DatabaseUser} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {LocalLayout.AppDatabaseUser}",
    ];

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

    /// <summary>This cluster run (the postmaster's pid file, start time included), the password, the server certificate and the archiving settings, hashed.</summary>
    private string Ensured(string password)
    {
        var pidFile = Path.Combine(layout.PostgresData, "postmaster.pid");
        var run = File.Exists(pidFile) ? string.Join('|', File.ReadLines(pidFile).Take(3)) : string.Empty;
        var certificate = File.Exists(Tls.CertificateFile) ? File.ReadAllText(Tls.CertificateFile) : string.Empty;
        var archiving = File.Exists(backups.ServerSettingsFile) ? File.ReadAllText(backups.ServerSettingsFile) : string.Empty;
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{run}|{layout.Ports.Postgres}|{password}|{certificate}|{archiving}")));
    }

    /// <summary>
    /// The server certificate and key in the data folder (PostgreSQL's default names, the key 0600 and the
    /// service user's): a certificate that is not the stack CA's (an older self-signed one) is replaced.
    /// </summary>
    private void InstallCertificate()
    {
        foreach (var (from, name, mode) in new[] { (Tls.CertificateFile, "server.crt", "0644"), (Tls.KeyFile, "server.key", "0600") })
        {
            var target = Path.Combine(layout.PostgresData, name);
            if (File.Exists(target) && File.ReadAllBytes(target).AsSpan().SequenceEqual(File.ReadAllBytes(from)))
            {
                continue;
            }

            // a 0600 copy beside it, then a rename: the key is never readable by others
            var temporary = target + ".tmp";
            File.Delete(temporary);
            LocalRedis.CreateOwnerOnly(temporary, string.Empty);
            File.WriteAllBytes(temporary, File.ReadAllBytes(from));
            if (LocalProcess.IsRoot)
            {
                process.Run("chown", [$"{ServiceUser}:{ServiceUser}", temporary]);
            }

            process.Run("chmod", [mode, temporary]);
            File.Move(temporary, target, overwrite: true);
        }
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

    private NpgsqlConnection Superuser() => SuperuserConnection("postgres");

    public void Stop()
    {
        if (IsRunning)
        {
            log.Information("PostgreSQL: stopping");
            process.Run(Path.Combine(BinDirectory, "pg_ctl"), ["stop", "-D", layout.PostgresData, "-m", "fast", "-w"], RunAs);
        }
    }

    /// <summary>
    /// A connection string as the server's env files carry it (the app's role, or the owner's for
    /// migrations): TLS, the certificate verified against the stack's CA on the server, name included.
    /// </summary>
    public string DatabaseUrl(string user, string password) =>
        $"postgresql://{user}:{password}@127.0.0.1:{layout.Ports.Postgres}/{LocalLayout.DatabaseName}?sslmode=verify-full&sslrootcert={Server.ServerMap.DatabaseCaFile}";

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

    private NpgsqlConnection SuperuserConnection(string database) => new(new NpgsqlConnectionStringBuilder
    {
        Host = layout.PostgresSocketDirectory,
        Port = layout.Ports.Postgres,
        Username = "postgres",
        Database = database,
        Pooling = false,
    }.ConnectionString);

    private void EnsureDatabase(string password)
    {
        using var connection = SuperuserConnection("postgres");
        connection.Open();

        var roleExists = Scalar(connection, "SELECT 1 FROM pg_roles WHERE rolname = @name", LocalLayout.DatabaseUser) is not null;
        Execute(connection, roleExists
            ? $"ALTER ROLE {LocalLayout.DatabaseUser} WITH LOGIN PASSWORD {Literal(password)}"
            : $"CREATE ROLE {LocalLayout.DatabaseUser} WITH LOGIN PASSWORD {Literal(password)}");

        if (Scalar(connection, "SELECT 1 FROM pg_database WHERE datname = @name", LocalLayout.DatabaseName) is null)
        {
            log.Information("PostgreSQL: creating database {0} owned by {1}", LocalLayout.DatabaseName, LocalLayout.DatabaseUser);
            Execute(connection, $"CREATE DATABASE {LocalLayout.DatabaseName} OWNER {LocalLayout.DatabaseUser}");
        }

        // TLS with the certificate in the data folder (kept in postgresql.auto.conf); a reload takes a new certificate too
        Execute(connection, "ALTER SYSTEM SET ssl = on");
        using var reload = new NpgsqlCommand("SELECT pg_reload_conf()", connection);
        reload.ExecuteNonQuery();
    }

    /// <summary>Role passwords cannot be bound parameters; ours are [A-Za-z0-9] strings, quoted all the same.</summary>
    private static string Literal(string password) => "'" + password.Replace("'", "''", StringComparison.Ordinal) + "'";

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
