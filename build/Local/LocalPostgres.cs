using Cake.Core.Diagnostics;
using Npgsql;

namespace TableOrder.Build.Local;

/// <summary>
/// A private PostgreSQL 15 cluster for the local environment (plays RDS): its own data folder,
/// loopback only, its own port. Never the machine's own clusters.
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

    /// <summary>Written when the role, its password and the database were made or checked for this cluster run.</summary>
    private string EnsuredFile => Path.Combine(layout.PostgresDirectory, "ensured");

    public void Start(LocalSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        var ensured = Ensured(secrets.DatabasePassword);
        if (!IsRunning)
        {
            if (File.Exists(EnsuredFile))
            {
                File.Delete(EnsuredFile);
            }

            PortCheck.EnsureFree(layout.Ports.Postgres, "PostgreSQL");
            Initialize();
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

            // The role, its password and the database were made for this very postmaster: a no-op run
            // need not connect again (a restarted or new cluster, or a new password, is checked again).
            if (File.Exists(EnsuredFile) && File.ReadAllText(EnsuredFile) == ensured)
            {
                return;
            }
        }

        EnsureDatabase(secrets.DatabasePassword);
        File.WriteAllText(EnsuredFile, Ensured(secrets.DatabasePassword));
    }

    /// <summary>This cluster run (the postmaster's pid file, start time included) and the password, hashed.</summary>
    private string Ensured(string password)
    {
        var pidFile = Path.Combine(layout.PostgresData, "postmaster.pid");
        var run = File.Exists(pidFile) ? string.Join('|', File.ReadLines(pidFile).Take(3)) : string.Empty;
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{run}|{layout.Ports.Postgres}|{password}")));
    }

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
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = layout.PostgresSocketDirectory,
            Port = layout.Ports.Postgres,
            Username = "postgres",
            Database = "postgres",
            Pooling = false,
        };
        using var connection = new NpgsqlConnection(builder.ConnectionString);
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
