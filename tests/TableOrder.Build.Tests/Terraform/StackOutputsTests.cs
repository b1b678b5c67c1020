using TableOrder.Build.Terraform;
using Xunit;

namespace TableOrder.Build.Tests.Terraform;

[Trait("Category", "Unit")]
public sealed class StackOutputsTests
{
    private static readonly TerraformOutputs Complete = new()
    {
        InstanceId = "i-0123456789abcdef0",
        PublicIp = "203.0.113.10",
        SshUser = "admin",
        SshPort = 22,
        Region = "ap-northeast-2",
        DbEndpoint = "db.example",
        DbPort = 5432,
        DbName = "tableorder",
        DbSecretArn = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:rds!db-x",
        RedisEndpoint = "redis.example",
        RedisPort = 6379,
        RedisTls = true,
        RedisAuthSecretArn = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:redis-auth-AbCdEf",
        BucketName = "bucket",
    };

    [Fact]
    public void Complete_outputs_become_the_record_as_they_are()
    {
        var record = StackOutputs.From(Complete);

        Assert.Equal("admin", record.SshUser);
        Assert.Equal(22, record.SshPort);
        Assert.Equal("203.0.113.10", record.Host);
    }

    [Fact]
    public void Every_missing_output_is_named_in_one_error_and_nothing_is_invented()
    {
        var ex = Assert.Throws<TerraformException>(() => StackOutputs.From(Complete with { SshUser = null, Region = null, SshPort = null, DbSecretArn = "" }));

        Assert.Contains("ssh_user", ex.Message, StringComparison.Ordinal);
        Assert.Contains("region", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ssh_port", ex.Message, StringComparison.Ordinal);
        Assert.Contains("db_secret_arn", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--target=Provision", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_scaled_out_stack_is_refused_with_what_to_do_not_as_missing_outputs()
    {
        var outputs = TerraformOutputs.Parse("""{"scaled_out": {"value": true}, "app_server_count": {"value": 3}, "instance_id": {"value": null}}""");
        Assert.True(outputs.ScaledOut);

        var ex = Assert.Throws<TerraformException>(() => StackOutputs.From(outputs));

        Assert.Contains("scaled out (3 servers", ex.Message, StringComparison.Ordinal);
        Assert.Contains("app_server_count = 1", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("instance_id", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Outputs_json_carries_ssh_port()
    {
        var outputs = TerraformOutputs.Parse("""{"ssh_port": {"value": 22, "type": "number", "sensitive": false}}""");

        Assert.Equal(22, outputs.SshPort);
    }
}
