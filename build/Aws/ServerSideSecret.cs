using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using TableOrder.Build.Remote;

namespace TableOrder.Build.Aws;

/// <summary>What the server-side env file script needs; nothing here is secret.</summary>
public sealed record ServerSideSecretSettings
{
    /// <summary>The RDS-managed Secrets Manager secret (terraform output db_secret_arn): JSON with username and password.</summary>
    public required string SecretArn { get; init; }

    public required string Region { get; init; }

    public required string DbHost { get; init; }

    public int DbPort { get; init; } = 5432;

    public required string DbName { get; init; }

    /// <summary>Without credentials: if Redis ever needs an AUTH token, read it on the server like the password.</summary>
    public required string RedisUrl { get; init; }

    /// <summary>Other non-secret app settings (S3_BUCKET, AWS_REGION, LOG_LEVEL, ...), written after DATABASE_URL and REDIS_URL.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    public string EnvFilePath { get; init; } = "/etc/tableorder/app.env";

    /// <summary>
    /// A bash pipeline that prints the credentials as RDS-style JSON instead of reading <see cref="SecretArn"/>
    /// (the app's own role: <see cref="AppDatabaseRole.CredentialsJsonCommand"/>); null reads the secret.
    /// </summary>
    public string? SecretJsonCommand { get; init; }

    /// <summary>Owner (user and group) of the env file; the app's service user.</summary>
    public string Owner { get; init; } = "tableorder";
}

/// <summary>
/// The bash script that runs ON the server, as root, to write the app's env file with DATABASE_URL
/// built from the RDS-managed secret. The instance role reads the secret (aws secretsmanager
/// get-secret-value; the AWS CLI v2 is part of Amazon Linux 2023, boto3 is not, so no Python SDK
/// fallback); the secret JSON goes through a pipe into python3, which URL-encodes user and password,
/// and the file is written through a 0600 temp file and `install -m 0600`. The password is never in a
/// command line, an environment variable, a log, SSM parameters or this script: the script only
/// holds the secret's ARN. Run it with <c>Shell.Sudo(script)</c> over SSH or as is over SSM (root).
/// Prints "changed" or "unchanged".
/// </summary>
public static partial class ServerSideSecret
{
    /// <summary>
    /// Reads the secret JSON on stdin and TO_* variables; prints the env file. Exits non-zero with a
    /// message that never contains the secret when the JSON is not what RDS writes.
    /// </summary>
    public const string PythonProgram = """
        import json, os, re, sys
        from urllib.parse import quote
        try:
            secret = json.loads(sys.stdin.read())
        except ValueError:
            sys.exit("tableorder: the secret is not JSON (expected RDS's {\"username\": ..., \"password\": ...})")
        if not isinstance(secret, dict):
            sys.exit("tableorder: the secret is not a JSON object")
        user = secret.get("username")
        password = secret.get("password")
        if not isinstance(user, str) or not user or not isinstance(password, str) or not password:
            sys.exit("tableorder: the secret has no username and password")
        def q(value):
            return quote(value, safe="")
        url = "postgresql://%s:%s@%s:%s/%s?sslmode=require" % (
            q(user), q(password), os.environ["TO_DB_HOST"], os.environ["TO_DB_PORT"], q(os.environ["TO_DB_NAME"]))
        lines = ["DATABASE_URL=" + url, "REDIS_URL=" + os.environ["TO_REDIS_URL"]]
        for line in os.environ.get("TO_SETTINGS", "").splitlines():
            if line:
                lines.append(line)
        for line in lines:
            key, _, value = line.partition("=")
            if not re.fullmatch(r"[A-Z_][A-Z0-9_]*", key) or re.search(r"[\s\"'\\$`]", value):
                sys.exit("tableorder: setting %s cannot be written to an env file as is" % key)
        sys.stdout.write("\n".join(lines) + "\n")
        """;

    public static string EnvFileScript(ServerSideSecretSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Require(settings.SecretArn, "the database secret's ARN (terraform output db_secret_arn)", ArnPattern());
        Require(settings.Region, "the AWS region", RegionPattern());
        Require(settings.DbHost, "the database host (terraform output db_endpoint)", HostPattern());
        Require(settings.DbName, "the database name", NamePattern());
        Require(settings.Owner, "the env file's owner", NamePattern());
        if (settings.DbPort is < 1 or > 65535)
        {
            throw new ArgumentException($"The database port {settings.DbPort} is not a TCP port.", nameof(settings));
        }

        if (settings.RedisUrl.Contains('@', StringComparison.Ordinal))
        {
            throw new ArgumentException("The Redis URL must not carry credentials: this script would put them in its own text.", nameof(settings));
        }

        var extra = new StringBuilder();
        foreach (var (key, value) in settings.Settings)
        {
            if (!SettingKey().IsMatch(key) || key is "DATABASE_URL" or "REDIS_URL" || value.IndexOfAny(['\n', '\r']) >= 0)
            {
                throw new ArgumentException($"'{key}' cannot be written as an env file setting.", nameof(settings));
            }

            extra.Append(key).Append('=').Append(value).Append('\n');
        }

        var file = Shell.Quote(settings.EnvFilePath);
        var owner = Shell.Quote(settings.Owner);
        var directory = Shell.Quote(Path.GetDirectoryName(settings.EnvFilePath) ?? "/");
        return string.Join(
            '\n',
            "set -euo pipefail",
            "umask 077",
            "export AWS_PAGER=''",
            "command -v aws >/dev/null 2>&1 || { echo 'tableorder: the AWS CLI v2 (aws) is not on this server; Amazon Linux 2023 ships it (dnf install awscli-2).' >&2; exit 3; }",
            "command -v python3 >/dev/null 2>&1 || { echo 'tableorder: python3 is not on this server.' >&2; exit 3; }",
            $"tmp=$(mktemp {directory}/.app.env.XXXXXX)",
            "trap 'rm -f \"$tmp\"' EXIT",
            (settings.SecretJsonCommand ?? $"aws secretsmanager get-secret-value --region {Shell.Quote(settings.Region)} --secret-id {Shell.Quote(settings.SecretArn)} --query SecretString --output text") + " \\",
            $"  | TO_DB_HOST={Shell.Quote(settings.DbHost)} TO_DB_PORT={settings.DbPort.ToString(CultureInfo.InvariantCulture)} TO_DB_NAME={Shell.Quote(settings.DbName)} \\",
            $"    TO_REDIS_URL={Shell.Quote(settings.RedisUrl)} TO_SETTINGS={Shell.Quote(extra.ToString())} \\",
            $"    python3 -c {Shell.Quote(PythonProgram)} > \"$tmp\"",
            $"if [ -f {file} ] && cmp -s \"$tmp\" {file}; then",
            $"  chown {owner}:{owner} {file} && chmod 0600 {file}",
            "  echo unchanged",
            "else",
            $"  install -m 0600 -o {owner} -g {owner} \"$tmp\" {file}",
            "  echo changed",
            "fi") + "\n";
    }

    private static void Require(string value, string what, Regex pattern)
    {
        if (string.IsNullOrWhiteSpace(value) || !pattern.IsMatch(value))
        {
            throw new ArgumentException($"'{value}' is not a valid value for {what}.");
        }
    }

    [GeneratedRegex(@"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@!-]+$")]
    private static partial Regex ArnPattern();

    [GeneratedRegex(@"^[a-z]{2}(-[a-z]+)+-\d$")]
    private static partial Regex RegionPattern();

    [GeneratedRegex(@"^[A-Za-z0-9.-]+$")]
    private static partial Regex HostPattern();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_-]*$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^[A-Z_][A-Z0-9_]*$")]
    private static partial Regex SettingKey();
}
