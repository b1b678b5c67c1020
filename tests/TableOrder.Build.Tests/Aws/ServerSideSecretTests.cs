using System.Diagnostics;
using TableOrder.Build.Aws;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Aws;

[Trait("Category", "Unit")]
public sealed class ServerSideSecretTests : IDisposable
{
    private const string Arn = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:rds!db-3f1e2d-AbCdEf";
    private const string Password = "p@ss:w/rd?#%&'\"$`\\ space";
    private const string TokenArn = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:table-order-redis-auth-token-AbCdEf";
    private const string Token = "Zx9rT4kq+/=Wm2pL8vN0bC7dF5gH1jK3";
    private const string RedisHost = "master.table-order-redis.abc123.apn2.cache.amazonaws.com";
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static ServerSideSecretSettings Settings => new()
    {
        SecretArn = Arn,
        Region = "ap-northeast-2",
        DbHost = "tableorder-production.c9akciq32.ap-northeast-2.rds.amazonaws.com",
        DbPort = 5432,
        DbName = "tableorder",
        RedisHost = RedisHost,
        RedisPort = 6379,
        RedisTls = true,
        RedisAuthSecretArn = TokenArn,
        Settings = new Dictionary<string, string> { ["S3_BUCKET"] = "tableorder-assets", ["AWS_REGION"] = "ap-northeast-2" },
    };

    [Fact]
    public void TheScriptHoldsTheArnButNoPasswordAndQuotesEveryValue()
    {
        var script = ServerSideSecret.EnvFileScript(Settings);

        Assert.Contains($"--secret-id '{Arn}' --query SecretString --output text", script, StringComparison.Ordinal);
        Assert.Contains($"--secret-id '{TokenArn}' --query SecretString --output text", script, StringComparison.Ordinal);
        Assert.Contains($"TO_REDIS_HOST='{RedisHost}' TO_REDIS_PORT=6379 TO_REDIS_TLS=1 TO_REDIS_AUTH=1", script, StringComparison.Ordinal);
        Assert.DoesNotContain("rediss://", script, StringComparison.Ordinal);
        Assert.Contains("--region 'ap-northeast-2'", script, StringComparison.Ordinal);
        Assert.Contains("install -m 0600 -o 'tableorder' -g 'tableorder' \"$tmp\" '/etc/tableorder/app.env'", script, StringComparison.Ordinal);
        Assert.Contains("set -euo pipefail", script, StringComparison.Ordinal);
        Assert.DoesNotContain("password=", script, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, RunBash("-n", script).Code);
    }

    [Fact]
    public void TheScriptIsShellcheckClean()
    {
        var (code, stdout, _) = Run("shellcheck", ["-s", "bash", "-"], ServerSideSecret.EnvFileScript(Settings), []);

        Assert.True(code == 0, stdout);
    }

    [Fact]
    public void RejectsValuesThatWouldBreakOutOfTheScript()
    {
        Assert.Throws<ArgumentException>(() => ServerSideSecret.EnvFileScript(Settings with { DbHost = "db; rm -rf /" }));
        Assert.Throws<ArgumentException>(() => ServerSideSecret.EnvFileScript(Settings with { SecretArn = "arn:aws:secretsmanager:x' ; id ; '" }));
        Assert.Throws<ArgumentException>(() => ServerSideSecret.EnvFileScript(Settings with { RedisHost = ":token@cache" }));
        Assert.Throws<ArgumentException>(() => ServerSideSecret.EnvFileScript(Settings with { RedisAuthSecretArn = "arn:aws:secretsmanager:x' ; id ; '" }));
        Assert.Throws<ArgumentException>(() => ServerSideSecret.EnvFileScript(Settings with { RedisPort = 0 }));
        Assert.Throws<ArgumentException>(() => ServerSideSecret.EnvFileScript(Settings with { Settings = new Dictionary<string, string> { ["DATABASE_URL"] = "x" } }));
    }

    [Fact]
    public void ThePythonPartUrlEncodesTheSecretFromStdin()
    {
        var secret = System.Text.Json.JsonSerializer.Serialize(new { username = "table order", password = Password, engine = "postgres" });
        var (code, stdout, _) = Run(
            "python3",
            ["-c", ServerSideSecret.PythonProgram],
            secret + "\n" + Token + "\n",
            new() { ["TO_DB_HOST"] = "db.internal", ["TO_DB_PORT"] = "5432", ["TO_DB_NAME"] = "tableorder", ["TO_DB_CA"] = "/var/lib/tableorder/db-ca.pem", ["TO_REDIS_HOST"] = "cache", ["TO_REDIS_PORT"] = "6379", ["TO_REDIS_TLS"] = "1", ["TO_REDIS_AUTH"] = "1", ["TO_SETTINGS"] = "S3_BUCKET=b\n" });

        Assert.Equal(0, code);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var url = lines[0]["DATABASE_URL=".Length..];
        Assert.StartsWith("postgresql://table%20order:", url, StringComparison.Ordinal);
        Assert.EndsWith("@db.internal:5432/tableorder?sslmode=verify-full&sslrootcert=/var/lib/tableorder/db-ca.pem", url, StringComparison.Ordinal);
        var encoded = url["postgresql://table%20order:".Length..url.IndexOf("@db.internal", StringComparison.Ordinal)];
        Assert.Equal(Password, Uri.UnescapeDataString(encoded));
        Assert.Matches("^[A-Za-z0-9%._~-]+$", encoded);
        Assert.Equal(["REDIS_URL=rediss://:Zx9rT4kq%2B%2F%3DWm2pL8vN0bC7dF5gH1jK3@cache:6379/0", "S3_BUCKET=b"], lines[1..^1]);
        Assert.Matches("^STAFF_TOKEN=[A-Za-z0-9_-]{43}$", lines[^1]);
    }

    [Fact]
    public void The_staff_token_is_made_once_and_then_kept_from_the_existing_env_file()
    {
        var envFile = _temp.WriteFile("app.env", "DATABASE_URL=x\nSTAFF_TOKEN=kept-token-0123456789abcdefghijklmnopqrstuv\n");
        var secret = System.Text.Json.JsonSerializer.Serialize(new { username = "u", password = "p" });
        var environment = new Dictionary<string, string> { ["TO_DB_HOST"] = "h", ["TO_DB_PORT"] = "1", ["TO_DB_NAME"] = "d", ["TO_DB_CA"] = "/var/lib/tableorder/db-ca.pem", ["TO_REDIS_HOST"] = "r", ["TO_REDIS_PORT"] = "6379", ["TO_REDIS_TLS"] = "0", ["TO_REDIS_AUTH"] = "0" };

        var kept = Run("python3", ["-c", ServerSideSecret.PythonProgram], secret, new(environment) { ["TO_ENV_FILE"] = envFile });
        var made = Run("python3", ["-c", ServerSideSecret.PythonProgram], secret, new(environment) { ["TO_ENV_FILE"] = _temp.Combine("absent.env") });

        Assert.EndsWith("\nSTAFF_TOKEN=kept-token-0123456789abcdefghijklmnopqrstuv\n", kept.Stdout, StringComparison.Ordinal);
        Assert.Matches("\nSTAFF_TOKEN=[A-Za-z0-9_-]{43}\n$", made.Stdout);
        Assert.DoesNotContain("kept-token", made.Stdout, StringComparison.Ordinal);

    }

    [Fact]
    public void ThePythonPartWritesAPlainRedisUrlWithoutTlsOrAuth()
    {
        var secret = System.Text.Json.JsonSerializer.Serialize(new { username = "u", password = "p" });
        var (code, stdout, stderr) = Run("python3", ["-c", ServerSideSecret.PythonProgram], secret, new() { ["TO_DB_HOST"] = "h", ["TO_DB_PORT"] = "1", ["TO_DB_NAME"] = "d", ["TO_DB_CA"] = "/var/lib/tableorder/db-ca.pem", ["TO_REDIS_HOST"] = "cache", ["TO_REDIS_PORT"] = "6380", ["TO_REDIS_TLS"] = "0", ["TO_REDIS_AUTH"] = "0" });

        Assert.True(code == 0, stderr);
        Assert.Contains("\nREDIS_URL=redis://cache:6380/0\n", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void The_migration_file_holds_the_owners_url_only_verified_against_the_database_ca()
    {
        var script = ServerSideSecret.EnvFileScript(Settings with { EnvFilePath = "/etc/tableorder/migrate.env", Owner = "root", DatabaseOnly = true, RedisAuthSecretArn = null });
        var secret = System.Text.Json.JsonSerializer.Serialize(new { username = "owner", password = "p" });
        var (code, stdout, stderr) = Run("python3", ["-c", ServerSideSecret.PythonProgram], secret, new() { ["TO_DB_HOST"] = "db", ["TO_DB_PORT"] = "5432", ["TO_DB_NAME"] = "d", ["TO_DB_CA"] = "/var/lib/tableorder/db-ca.pem", ["TO_REDIS_HOST"] = "cache", ["TO_REDIS_PORT"] = "6379", ["TO_DATABASE_ONLY"] = "1" });

        Assert.Contains("TO_DB_CA='/var/lib/tableorder/db-ca.pem' TO_DATABASE_ONLY=1", script, StringComparison.Ordinal);
        Assert.Contains("install -m 0600 -o 'root' -g 'root' \"$tmp\" '/etc/tableorder/migrate.env'", script, StringComparison.Ordinal);
        Assert.True(code == 0, stderr);
        Assert.Equal("DATABASE_URL=postgresql://owner:p@db:5432/d?sslmode=verify-full&sslrootcert=/var/lib/tableorder/db-ca.pem\n", stdout);
        Assert.Throws<ArgumentException>(() => ServerSideSecret.EnvFileScript(Settings with { DbCaFile = "ca.pem; id" }));
    }

    [Theory]
    [InlineData("")]
    [InlineData("two words")]
    public void ThePythonPartRefusesAMissingOrBrokenTokenWithoutEchoingIt(string token)
    {
        var secret = System.Text.Json.JsonSerializer.Serialize(new { username = "u", password = Password });
        var (code, stdout, stderr) = Run("python3", ["-c", ServerSideSecret.PythonProgram], secret + "\n" + token + "\n", new() { ["TO_DB_HOST"] = "h", ["TO_DB_PORT"] = "1", ["TO_DB_NAME"] = "d", ["TO_DB_CA"] = "/var/lib/tableorder/db-ca.pem", ["TO_REDIS_HOST"] = "cache", ["TO_REDIS_PORT"] = "6379", ["TO_REDIS_TLS"] = "1", ["TO_REDIS_AUTH"] = "1" });

        Assert.NotEqual(0, code);
        Assert.Empty(stdout);
        Assert.Contains("the Redis AUTH secret is not one token", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("words", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("p@ss", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void ThePythonPartFailsWithoutEchoingABrokenSecret()
    {
        var (code, stdout, stderr) = Run("python3", ["-c", ServerSideSecret.PythonProgram], "not-json " + Password, new() { ["TO_DB_HOST"] = "h", ["TO_DB_PORT"] = "1", ["TO_DB_NAME"] = "d", ["TO_DB_CA"] = "/var/lib/tableorder/db-ca.pem", ["TO_REDIS_HOST"] = "r", ["TO_REDIS_PORT"] = "6379" });

        Assert.NotEqual(0, code);
        Assert.Empty(stdout);
        Assert.Contains("the secret is not JSON", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("p@ss", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void TheWholeScriptWritesA0600EnvFileWithAFakeAwsCli()
    {
        // A stand-in `aws` that checks its arguments and prints the secret as the real CLI would.
        var bin = _temp.Combine("bin");
        Directory.CreateDirectory(bin);
        var secret = System.Text.Json.JsonSerializer.Serialize(new { username = "tableorder_admin", password = Password });
        var aws = Path.Combine(bin, "aws");
        File.WriteAllText(aws, $$"""
            #!/bin/bash
            case "$*" in
              "secretsmanager get-secret-value --region ap-northeast-2 --secret-id {{Arn}} --query SecretString --output text")
                cat <<'JSON'
            {{secret}}
            JSON
                ;;
              "secretsmanager get-secret-value --region ap-northeast-2 --secret-id {{TokenArn}} --query SecretString --output text")
                echo '{{Token}}' ;;
              *) echo "unexpected: $*" >&2; exit 2 ;;
            esac

            """);
        File.SetUnixFileMode(aws, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var user = Environment.UserName;
        var envFile = _temp.Combine("etc", "app.env");
        Directory.CreateDirectory(Path.GetDirectoryName(envFile)!);
        var script = ServerSideSecret.EnvFileScript(Settings with { EnvFilePath = envFile, Owner = user });
        var path = $"{bin}:{Environment.GetEnvironmentVariable("PATH")}";

        var first = RunBash("-c", script, path);
        var second = RunBash("-c", script, path);

        Assert.True(first.Code == 0, first.Stderr);
        Assert.Equal("changed", first.Stdout.Trim());
        Assert.Equal("unchanged", second.Stdout.Trim());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(envFile));
        var text = File.ReadAllText(envFile);
        Assert.StartsWith("DATABASE_URL=postgresql://tableorder_admin:p%40ss%3Aw%2Frd%3F%23%25%26%27%22%24%60%5C%20space@", text, StringComparison.Ordinal);
        Assert.Contains($"\nREDIS_URL=rediss://:Zx9rT4kq%2B%2F%3DWm2pL8vN0bC7dF5gH1jK3@{RedisHost}:6379/0\n", text, StringComparison.Ordinal);
        Assert.Contains("\nS3_BUCKET=tableorder-assets\n", text, StringComparison.Ordinal);
        Assert.Matches("\nSTAFF_TOKEN=[A-Za-z0-9_-]{43}\n", text);
        Assert.DoesNotContain(Token, script, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(envFile)!));
    }

    [Fact]
    public void The_staff_token_comes_from_its_parameter_through_a_file_and_a_parameter_that_cannot_be_read_stops_the_script()
    {
        const string Parameter = "/tableorder/production/staff-token";
        const string Shared = "shared-token-0123456789abcdefghijklmnopqrstuvwxyz";
        var bin = _temp.Combine("bin");
        Directory.CreateDirectory(bin);
        var sharedFile = _temp.Combine("shared-parameter");
        var aws = Path.Combine(bin, "aws");
        File.WriteAllText(aws, $$"""
            #!/bin/bash
            case "$*" in
              "secretsmanager get-secret-value --region ap-northeast-2 --secret-id {{Arn}} --query SecretString --output text")
                echo '{"username": "u", "password": "p"}' ;;
              "secretsmanager get-secret-value --region ap-northeast-2 --secret-id {{TokenArn}} --query SecretString --output text")
                echo '{{Token}}' ;;
              "ssm get-parameter --region ap-northeast-2 --name {{Parameter}} --with-decryption --query Parameter.Value --output text")
                if [ -f '{{sharedFile}}' ]; then cat '{{sharedFile}}'; else echo 'An error occurred (ParameterNotFound)' >&2; exit 254; fi ;;
              *) echo "unexpected: $*" >&2; exit 2 ;;
            esac

            """);
        File.SetUnixFileMode(aws, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var envFile = _temp.Combine("etc", "app.env");
        Directory.CreateDirectory(Path.GetDirectoryName(envFile)!);
        var script = ServerSideSecret.EnvFileScript(Settings with { EnvFilePath = envFile, Owner = Environment.UserName, StaffTokenParameter = Parameter });
        var path = $"{bin}:{Environment.GetEnvironmentVariable("PATH")}";

        // no parameter (the build makes it before any env file is written): no token of the server's own
        var missing = RunBash("-c", script, path);
        Assert.Equal(3, missing.Code);
        Assert.Contains($"the staff token parameter {Parameter} cannot be read with this server's role", missing.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(envFile));

        File.WriteAllText(sharedFile, Shared + "\n");
        var shared = RunBash("-c", script, path);
        var again = RunBash("-c", script, path);

        Assert.True(shared.Code == 0, shared.Stderr);
        Assert.Equal("changed", shared.Stdout.Trim());
        Assert.Contains($"\nSTAFF_TOKEN={Shared}\n", File.ReadAllText(envFile), StringComparison.Ordinal);
        Assert.Equal("unchanged", again.Stdout.Trim());
        // what SSM would keep of the command (its text, its output) never has the token
        Assert.DoesNotContain(Shared, script, StringComparison.Ordinal);
        Assert.DoesNotContain(Shared, shared.Stdout + shared.Stderr + again.Stdout + again.Stderr, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(envFile)!));
        Assert.Equal(0, Run("shellcheck", ["-s", "bash", "-"], script, []).Code);

        File.WriteAllText(sharedFile, "not a token\n");
        var broken = RunBash("-c", script, path);
        Assert.NotEqual(0, broken.Code);
        Assert.Contains("the staff token parameter does not hold a token", broken.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("not a token", broken.Stderr, StringComparison.Ordinal);
    }

    private static (int Code, string Stdout, string Stderr) RunBash(string mode, string script, string? path = null) =>
        Run("bash", [mode == "-n" ? "-n" : "-c", .. (mode == "-n" ? new[] { "/dev/stdin" } : [script])], mode == "-n" ? script : string.Empty, path is null ? [] : new() { ["PATH"] = path });

    private static (int Code, string Stdout, string Stderr) Run(string file, string[] arguments, string stdin, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr);
    }
}
