using System.Globalization;
using TableOrder.Build.Remote;

namespace TableOrder.Build.Aws;

/// <summary>What the app-role script needs; nothing here is secret.</summary>
public sealed record AppDatabaseRoleSettings
{
    /// <summary>The RDS-managed master secret: used here only to create and grant the app's role.</summary>
    public required string MasterSecretArn { get; init; }

    /// <summary>The SecureString parameter that keeps the app role's password (created on the server on first run).</summary>
    public required string PasswordParameter { get; init; }

    public required string Region { get; init; }

    public required string DbHost { get; init; }

    public required int DbPort { get; init; }

    public required string DbName { get; init; }

    public string AppRole { get; init; } = AppDatabaseRole.DefaultRole;
}

/// <summary>
/// The app's own least-privilege database role, made on the server (the database is private), as root:
/// reads the master secret with the instance role, makes the role's password once (random, kept in a
/// SecureString parameter, never in a command line or on this machine), creates or updates the role
/// (LOGIN, no other attributes), and grants it CONNECT, USAGE on schema public and SELECT/INSERT/UPDATE/
/// DELETE on the tables and USAGE/SELECT on the sequences, now and (default privileges) for the tables the
/// owner's migrations create later. The app then logs in as this role, so a rotation of the master
/// password changes nothing for it. Prints "changed" or "unchanged".
/// </summary>
public static class AppDatabaseRole
{
    public const string DefaultRole = "tableorder_app";

    /// <summary>Reads master JSON and the app password from stdin (two lines), the rest from TO_* variables.</summary>
    public const string PythonProgram = """
        import json, os, sys
        import psycopg2
        from psycopg2 import sql
        master = json.loads(sys.stdin.readline())
        password = sys.stdin.readline().strip()
        role = os.environ["TO_APP_ROLE"]
        tls = {"sslmode": "verify-full", "sslrootcert": os.environ["TO_DB_CA"]}
        conn = psycopg2.connect(host=os.environ["TO_DB_HOST"], port=int(os.environ["TO_DB_PORT"]), dbname=os.environ["TO_DB_NAME"],
                                user=master["username"], password=master["password"], connect_timeout=15, **tls)
        conn.autocommit = True
        cur = conn.cursor()
        changed = False
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
        if cur.fetchone() is None:
            cur.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(role)), (password,))
            changed = True
        else:
            try:
                psycopg2.connect(host=os.environ["TO_DB_HOST"], port=int(os.environ["TO_DB_PORT"]), dbname=os.environ["TO_DB_NAME"],
                                 user=role, password=password, connect_timeout=15, **tls).close()
            except psycopg2.OperationalError:
                cur.execute(sql.SQL("ALTER ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(role)), (password,))
                changed = True
        r = sql.Identifier(role)
        owner = sql.Identifier(master["username"])
        for statement in [
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(os.environ["TO_DB_NAME"]), r),
            sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(r),
            sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(r),
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(r),
            sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}").format(owner, r),
            sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {}").format(owner, r),
        ]:
            cur.execute(statement)
        conn.close()
        print("changed" if changed else "unchanged")
        """;

    public static string Script(AppDatabaseRoleSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var region = Shell.Quote(settings.Region);
        var parameter = Shell.Quote(settings.PasswordParameter);
        return string.Join(
            '\n',
            "set -euo pipefail",
            "umask 077",
            "export AWS_PAGER=''",
            "tmp=$(mktemp -d)",
            "trap 'rm -rf \"$tmp\"' EXIT",
            // The password is made once, on the server, and kept as a SecureString; it goes to the CLI in a 0600 file, never as an argument.
            $"if ! aws ssm get-parameter --region {region} --name {parameter} --query Parameter.Name --output text >/dev/null 2>&1; then",
            "  python3 -c 'import json, secrets, sys; print(json.dumps({\"Name\": sys.argv[1], \"Type\": \"SecureString\", \"Value\": secrets.token_urlsafe(32), \"Description\": \"Password of the app database role\"}))' " + parameter + " > \"$tmp/put.json\"",
            $"  aws ssm put-parameter --region {region} --cli-input-json \"file://$tmp/put.json\" >/dev/null",
            "fi",
            $"{{ aws secretsmanager get-secret-value --region {region} --secret-id {Shell.Quote(settings.MasterSecretArn)} --query SecretString --output text | tr -d '\\n'; echo;",
            $"  aws ssm get-parameter --region {region} --name {parameter} --with-decryption --query Parameter.Value --output text; }} \\",
            $"  | TO_DB_HOST={Shell.Quote(settings.DbHost)} TO_DB_PORT={settings.DbPort.ToString(CultureInfo.InvariantCulture)} TO_DB_NAME={Shell.Quote(settings.DbName)} TO_DB_CA={Shell.Quote(Server.ServerMap.DatabaseCaFile)} TO_APP_ROLE={Shell.Quote(settings.AppRole)} \\",
            $"    python3 -c {Shell.Quote(PythonProgram)}") + "\n";
    }

    /// <summary>The bash pipeline that prints the app role's credentials as RDS-style JSON (for the env file script).</summary>
    public static string CredentialsJsonCommand(AppDatabaseRoleSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return $"aws ssm get-parameter --region {Shell.Quote(settings.Region)} --name {Shell.Quote(settings.PasswordParameter)} --with-decryption --query Parameter.Value --output text" +
            $" | python3 -c {Shell.Quote("import json, sys; print(json.dumps({'username': sys.argv[1], 'password': sys.stdin.read().strip()}))")} {Shell.Quote(settings.AppRole)}";
    }
}
