using Cake.Core.Diagnostics;
using Npgsql;

namespace TableOrder.Build.Local;

/// <summary>
/// A private PostgreSQL 15 cluster for the local environment (plays RDS): its own data folder,
/// loopback only, its own port, TLS with a certificate from the stack's own CA (clients verify it,
/// sslmode=verify-full). Never the machine's own clusters. The database's owner runs the migrations;
/// locally, the app logs in as a role of its own (<see cref="LocalLayout.AppDatabaseUser"/>), as in production.
/// </summary>
public sealed class LocalPostgres(LocalLayout layout, LocalProcess process, ICakeLog log)
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
            log.Information("PostgreSQL: starting on 127.0.0.1:{0}", layout.Ports.Postgres);
            process.Run(
                Path.Combine(BinDirectory, "pg_ctl"),
                ["start", "-D", layout.PostgresData, "-l", layout.PostgresLog, "-w", "-t", "60",
                 "-o", $"-p {layout.Ports.Postgres} -c listen_addresses=127.0.0.1 -k {layout.PostgresSocketDirectory}"],
                RunAs);
        }
        else
        {
            log.Information("PostgreSQL: already running on 127.0.0.1:{0}", layout.Ports.Postgres);

            // The role, its password, the database and TLS were made for this very postmaster: a no-op run
            // need not connect again (a restarted or new cluster, a new password or certificate is checked again).
            Tls.Ensure();
            if (File.Exists(EnsuredFile) && File.ReadAllText(EnsuredFile) == Ensured(secrets.DatabasePassword))
            {
                return;
            }

            InstallCertificate();
        }

        EnsureDatabase(secrets.DatabasePassword);
        File.WriteAllText(EnsuredFile, Ensured(secrets.DatabasePassword));
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

    /// <summary>This cluster run (the postmaster's pid file, start time included), the server certificate and the password, hashed.</summary>
    private string Ensured(string password)
    {
        var pidFile = Path.Combine(layout.PostgresData, "postmaster.pid");
        var run = File.Exists(pidFile) ? string.Join('|', File.ReadLines(pidFile).Take(3)) : string.Empty;
        var certificate = File.Exists(Tls.CertificateFile) ? File.ReadAllText(Tls.CertificateFile) : string.Empty;
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{run}|{layout.Ports.Postgres}|{password}|{certificate}")));
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
