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

    /// <summary>The Redis primary endpoint host name (terraform output redis_endpoint), no port.</summary>
    public required string RedisHost { get; init; }

    public int RedisPort { get; init; } = 6379;

    /// <summary>True (terraform output redis_tls): rediss://, the certificate checked against the system's CA store.</summary>
    public bool RedisTls { get; init; } = true;

    /// <summary>
    /// The Secrets Manager secret whose whole string is the Redis AUTH token (terraform output
    /// redis_auth_secret_arn); read on the server like the database password. Null: no AUTH.
    /// </summary>
    public string? RedisAuthSecretArn { get; init; }

    /// <summary>Other non-secret app settings (S3_BUCKET, AWS_REGION, LOG_LEVEL, ...), written after DATABASE_URL and REDIS_URL.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    public string EnvFilePath { get; init; } = "/etc/tableorder/app.env";

    /// <summary>Owner (user and group) of the env file; the app's service user.</summary>
    public string Owner { get; init; } = "tableorder";
}

/// <summary>
/// The bash script that runs ON the server, as root, to write the app's env file with DATABASE_URL
/// built from the RDS-managed secret and REDIS_URL (rediss://, with the AUTH token) built from the
/// cache's token secret. The instance role reads both secrets (aws secretsmanager get-secret-value
/// with the AWS CLI v2); their strings go through one pipe into python3, which URL-encodes user,
/// password and token, and the file is written through a 0600 temp file and `install -m 0600`. No
/// credential is ever in a command line, an environment variable, a log, SSM parameters or this
/// script: the script only holds the secrets' ARNs. Run it with <c>Shell.Sudo(script)</c> over SSH
/// or as is over SSM (root). Prints "changed" or "unchanged".
/// </summary>
public static partial class ServerSideSecret
{
    /// <summary>
    /// Reads the database secret JSON on stdin (then, with TO_REDIS_AUTH=1, the Redis AUTH token
    /// after it) and TO_* variables; prints the env file. Exits non-zero with a message that never
    /// contains a secret when the input is not what RDS and the cache module write.
    /// </summary>
    public const string PythonProgram = """
        import json, os, re, sys
        from urllib.parse import quote
        text = sys.stdin.read()
        try:
            secret, end = json.JSONDecoder().raw_decode(text.lstrip())
        except ValueError:
            sys.exit("tableorder: the secret is not JSON (expected RDS's {\"username\": ..., \"password\": ...})")
        rest = text.lstrip()[end:].strip()
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
        auth = ""
        if os.environ.get("TO_REDIS_AUTH") == "1":
            if not rest or re.search(r"\s", rest):
                sys.exit("tableorder: the Redis AUTH secret is not one token (expected the whole secret string to be the token)")
            auth = ":%s@" % q(rest)
        elif rest:
            sys.exit("tableorder: unexpected input after the database secret")
        scheme = "rediss" if os.environ.get("TO_REDIS_TLS") == "1" else "redis"
        redis_url = "%s://%s%s:%s/0" % (scheme, auth, os.environ["TO_REDIS_HOST"], os.environ["TO_REDIS_PORT"])
        lines = ["DATABASE_URL=" + url, "REDIS_URL=" + redis_url]
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

        Require(settings.RedisHost, "the Redis host (terraform output redis_endpoint)", HostPattern());
        if (settings.RedisPort is < 1 or > 65535)
        {
            throw new ArgumentException($"The Redis port {settings.RedisPort} is not a TCP port.", nameof(settings));
        }

        if (settings.RedisAuthSecretArn is { } redisArn)
        {
            Require(redisArn, "the Redis AUTH token secret's ARN (terraform output redis_auth_secret_arn)", ArnPattern());
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
            "command -v aws >/dev/null 2>&1 || { echo 'tableorder: the AWS CLI v2 (aws) is not on this server; Debian 13 ships it (apt-get install awscli).' >&2; exit 3; }",
            "command -v python3 >/dev/null 2>&1 || { echo 'tableorder: python3 is not on this server.' >&2; exit 3; }",
            $"tmp=$(mktemp {directory}/.app.env.XXXXXX)",
            "trap 'rm -f \"$tmp\"' EXIT",
            "{",
            $"  {ReadSecret(settings.Region, settings.SecretArn)}",
            settings.RedisAuthSecretArn is { } tokenArn ? $"  {ReadSecret(settings.Region, tokenArn)}" : "  :",
            "} \\",
            $"  | TO_DB_HOST={Shell.Quote(settings.DbHost)} TO_DB_PORT={settings.DbPort.ToString(CultureInfo.InvariantCulture)} TO_DB_NAME={Shell.Quote(settings.DbName)} \\",
            $"    TO_REDIS_HOST={Shell.Quote(settings.RedisHost)} TO_REDIS_PORT={settings.RedisPort.ToString(CultureInfo.InvariantCulture)} TO_REDIS_TLS={(settings.RedisTls ? "1" : "0")} TO_REDIS_AUTH={(settings.RedisAuthSecretArn is null ? "0" : "1")} \\",
            $"    TO_SETTINGS={Shell.Quote(extra.ToString())} \\",
            $"    python3 -c {Shell.Quote(PythonProgram)} > \"$tmp\"",
            $"if [ -f {file} ] && cmp -s \"$tmp\" {file}; then",
            $"  chown {owner}:{owner} {file} && chmod 0600 {file}",
            "  echo unchanged",
            "else",
            $"  install -m 0600 -o {owner} -g {owner} \"$tmp\" {file}",
            "  echo changed",
            "fi") + "\n";
    }

    /// <summary>Prints a secret's string on stdout (into the pipe, never a variable or an argument).</summary>
    private static string ReadSecret(string region, string arn) =>
        $"aws secretsmanager get-secret-value --region {Shell.Quote(region)} --secret-id {Shell.Quote(arn)} --query SecretString --output text";

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
