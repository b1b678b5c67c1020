using TableOrder.Build.Aws;
using Xunit;

namespace TableOrder.Build.Tests.Aws;

[Trait("Category", "Unit")]
public sealed class AppDatabaseRoleTests
{
    private static readonly AppDatabaseRoleSettings Settings = new()
    {
        MasterSecretArn = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:rds!db-abc",
        PasswordParameter = "/tableorder/production/db-app-password",
        Region = "ap-northeast-2",
        DbHost = "db.example",
        DbPort = 5432,
        DbName = "tableorder",
    };

    [Fact]
    public void The_role_script_makes_the_password_on_the_server_as_a_secure_string_and_reads_the_master_only_to_grant()
    {
        var script = AppDatabaseRole.Script(Settings);

        Assert.Contains("\"SecureString\"", script, StringComparison.Ordinal);
        Assert.Contains("--cli-input-json \"file://$tmp/put.json\"", script, StringComparison.Ordinal);
        Assert.DoesNotContain("--value", script, StringComparison.Ordinal);
        Assert.Contains("aws secretsmanager get-secret-value --region 'ap-northeast-2' --secret-id 'arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:rds!db-abc'", script, StringComparison.Ordinal);
        Assert.Contains("ALTER DEFAULT PRIVILEGES FOR ROLE", script, StringComparison.Ordinal);
        Assert.DoesNotContain("SUPERUSER", script, StringComparison.Ordinal);
        Assert.DoesNotContain("CREATEDB", script, StringComparison.Ordinal);

        // the master password goes only to a server whose certificate checks out against the database CA
        Assert.Contains("tls = {\"sslmode\": \"verify-full\", \"sslrootcert\": os.environ[\"TO_DB_CA\"]}", script, StringComparison.Ordinal);
        Assert.Contains("TO_DB_CA='/var/lib/tableorder/db-ca.pem'", script, StringComparison.Ordinal);
        Assert.DoesNotContain("sslmode=\"require\"", script, StringComparison.Ordinal);
    }

    [Fact]
    public void The_app_env_file_reads_the_app_role_not_the_master_secret()
    {
        var script = ServerSideSecret.EnvFileScript(new ServerSideSecretSettings
        {
            SecretArn = Settings.MasterSecretArn,
            SecretJsonCommand = AppDatabaseRole.CredentialsJsonCommand(Settings),
            Region = Settings.Region,
            DbHost = Settings.DbHost,
            DbName = Settings.DbName,
            RedisHost = "cache.example",
            RedisPort = 6379,
            RedisTls = true,
        });

        // the database's part reads the app role, not the master secret (no Redis token secret here either)
        Assert.DoesNotContain("secretsmanager", script, StringComparison.Ordinal);
        Assert.Contains("aws ssm get-parameter --region 'ap-northeast-2' --name '/tableorder/production/db-app-password' --with-decryption", script, StringComparison.Ordinal);
        Assert.Contains(AppDatabaseRole.DefaultRole, script, StringComparison.Ordinal);
    }
}
