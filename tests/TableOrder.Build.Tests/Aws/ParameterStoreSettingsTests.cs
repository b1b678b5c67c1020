using TableOrder.Build.Aws;
using TableOrder.Build.Terraform;
using Xunit;

namespace TableOrder.Build.Tests.Aws;

[Trait("Category", "Unit")]
public sealed class ParameterStoreSettingsTests : IDisposable
{
    private readonly SsmApiStandIn _ssm = new();
    private readonly RecordingLog _log = new();

    public void Dispose() => _ssm.Dispose();

    private static TerraformOutputs Outputs => new()
    {
        InstanceId = "i-0abc1234def567890",
        DbEndpoint = "tableorder-production.c9akciq32.ap-northeast-2.rds.amazonaws.com",
        DbPort = 5432,
        DbName = "tableorder",
        DbUsername = "tableorder_admin",
        DbSecretArn = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:rds!db-3f1e2d-AbCdEf",
        RedisEndpoint = "tableorder-production.abc123.0001.apn2.cache.amazonaws.com",
        RedisPort = 6379,
        RedisTls = true,
        RedisAuthSecretArn = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:table-order-redis-auth-token-AbCdEf",
        BucketName = "tableorder-production-assets-123456789012",
        LogGroupFastApi = "/tableorder/production/fastapi",
        LogGroupNginx = "/tableorder/production/nginx",
        Region = "ap-northeast-2",
    };

    [Fact]
    public async Task WritesEverySettingOnceThenNothingWhenNothingChanged()
    {
        using var client = AwsClients.Ssm(StandInClients.Region, StandInClients.Credentials, _ssm.Url);
        var store = new ParameterStoreSettings(client, _log);
        var settings = ParameterStoreSettings.FromOutputs(Outputs);

        var first = await store.SyncAsync(settings);
        var putsAfterFirst = _ssm.Puts.Count;
        var second = await store.SyncAsync(settings);

        Assert.Equal(13, first.Count);
        Assert.Equal(13, putsAfterFirst);
        Assert.Empty(second);
        Assert.Equal(13, _ssm.Puts.Count);
        Assert.Equal("5432", _ssm.Store["/tableorder/production/db_port"]);
        Assert.Equal("true", _ssm.Store["/tableorder/production/redis_tls"]);
        Assert.Equal(Outputs.RedisAuthSecretArn, _ssm.Store["/tableorder/production/redis_auth_secret_arn"]);
        Assert.Equal(Outputs.DbEndpoint, _ssm.Store["/tableorder/production/db_host"]);
        // 13 parameters come back in two pages of 10: both were read.
        Assert.True(_ssm.CountOf("GetParametersByPath") >= 3);
        Assert.Contains("are up to date", _log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WritesOnlyTheValueThatChanged()
    {
        foreach (var (name, value) in ParameterStoreSettings.FromOutputs(Outputs))
        {
            _ssm.Store[$"/tableorder/production/{name}"] = value;
        }

        _ssm.Store["/tableorder/production/redis_host"] = "old.cache.amazonaws.com";
        _ssm.Store["/tableorder/other/ignored"] = "x";
        using var client = AwsClients.Ssm(StandInClients.Region, StandInClients.Credentials, _ssm.Url);

        var written = await new ParameterStoreSettings(client, _log).SyncAsync(ParameterStoreSettings.FromOutputs(Outputs));

        Assert.Equal(["redis_host"], written);
        Assert.Equal(["/tableorder/production/redis_host"], _ssm.Puts);
        Assert.Contains("updated /tableorder/production/redis_host", _log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void LeavesOutMissingOutputsAndHoldsNoSecret()
    {
        var settings = ParameterStoreSettings.FromOutputs(new TerraformOutputs { Region = "ap-northeast-2", DbEndpoint = "db.example:5432" });

        Assert.Equal(["db_host", "region"], settings.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("db.example", settings["db_host"]);
    }

    [Fact]
    public async Task RefusesANameThatLooksLikeASecret()
    {
        using var client = AwsClients.Ssm(StandInClients.Region, StandInClients.Credentials, _ssm.Url);

        await Assert.ThrowsAsync<ArgumentException>(() =>
            new ParameterStoreSettings(client, _log).SyncAsync(new Dictionary<string, string> { ["db_password"] = "hunter22" }));

        Assert.Empty(_ssm.Calls);
    }
}
