using System.Text.Json.Nodes;
using TableOrder.Build.Aws;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Testing;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Aws;

/// <summary>
/// The Redis AUTH token the build makes after the apply (never terraform), against the rehearsal's moto:
/// set on the replication group with ModifyReplicationGroup, then kept in its secret, once.
/// </summary>
[Trait("Category", "Unit")]
[Collection(SharedMoto.Name)]
public sealed class RedisAuthTokenTests : IDisposable
{
    private readonly AwsJsonApi _secrets;
    private readonly AwsQueryApi _elastiCache;
    private readonly RecordingLog _log = new();
    private readonly SecretMasker _masker = new();

    public RedisAuthTokenTests(MotoAws moto)
    {
        ArgumentNullException.ThrowIfNull(moto);
        moto.Reset();
        _secrets = moto.SecretsManager();
        _elastiCache = moto.ElastiCache();
    }

    public void Dispose()
    {
        _secrets.Dispose();
        _elastiCache.Dispose();
    }

    private RedisAuthToken Token() => new(_secrets, _elastiCache, _log, _masker, MotoAws.Fast);

    private async Task<string> SecretAsync() =>
        (await _secrets.CallAsync("CreateSecret", new JsonObject { ["Name"] = "table-order-redis-auth-token" }))["ARN"]!.GetValue<string>();

    private Task GroupAsync(bool transit = true, string? token = null)
    {
        List<KeyValuePair<string, string>> parameters = [
            new("ReplicationGroupId", "table-order-redis"), new("ReplicationGroupDescription", "Pub/Sub"), new("Engine", "redis"),
            new("CacheNodeType", "cache.t3.micro"), new("NumCacheClusters", "1"), new("TransitEncryptionEnabled", transit ? "true" : "false")];
        if (token is not null)
        {
            parameters.Add(new("AuthToken", token));
        }

        return _elastiCache.CallAsync("CreateReplicationGroup", parameters);
    }

    private async Task<string?> AuthTokenEnabledAsync() =>
        (await _elastiCache.CallAsync("DescribeReplicationGroups", [new("ReplicationGroupId", "table-order-redis")])).Child("ReplicationGroups")?.Elements().Single().Text("AuthTokenEnabled");

    private async Task<string?> ValueAsync(string secret)
    {
        try
        {
            return (await _secrets.CallAsync("GetSecretValue", new JsonObject { ["SecretId"] = secret }))["SecretString"]?.GetValue<string>();
        }
        catch (AwsJsonException ex) when (ex.ErrorCode == "ResourceNotFoundException")
        {
            return null;
        }
    }

    [Fact]
    public async Task A_new_token_turns_auth_on_and_goes_into_the_secret_once_never_into_the_log()
    {
        var secret = await SecretAsync();
        await GroupAsync();

        Assert.Equal(RedisAuthTokenOutcome.Set, await Token().EnsureAsync(secret, "table-order-redis"));

        var token = await ValueAsync(secret);
        Assert.Matches("^[A-Za-z0-9]{64}$", token!);
        Assert.Equal("true", await AuthTokenEnabledAsync());
        Assert.DoesNotContain(token!, _log.Text, StringComparison.Ordinal);
        Assert.Equal(SecretMasker.Mask, _masker.Apply(token!));

        Assert.Equal(RedisAuthTokenOutcome.Kept, await Token().EnsureAsync(secret, "table-order-redis"));
        Assert.Equal(token, await ValueAsync(secret));
    }

    [Fact]
    public async Task A_token_a_cut_short_run_set_on_the_group_but_never_kept_is_replaced()
    {
        var secret = await SecretAsync();
        await GroupAsync(token: "lost-token-0123456789abcdef");

        Assert.Equal(RedisAuthTokenOutcome.Replaced, await Token().EnsureAsync(secret, "table-order-redis"));

        Assert.Matches("^[A-Za-z0-9]{64}$", (await ValueAsync(secret))!);
        Assert.Equal("true", await AuthTokenEnabledAsync());
    }

    [Fact]
    public async Task A_group_without_in_transit_encryption_takes_no_token_and_says_why()
    {
        var secret = await SecretAsync();
        await GroupAsync(transit: false);

        var error = await Assert.ThrowsAsync<AwsException>(() => Token().EnsureAsync(secret, "table-order-redis"));

        Assert.Contains("no in-transit encryption", error.Message, StringComparison.Ordinal);
        Assert.Null(await ValueAsync(secret));
    }

    [Fact]
    public void A_token_is_64_letters_and_digits_and_each_is_new()
    {
        Assert.Matches("^[A-Za-z0-9]{64}$", RedisAuthToken.NewToken());
        Assert.NotEqual(RedisAuthToken.NewToken(), RedisAuthToken.NewToken());
    }
}
