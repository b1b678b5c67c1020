using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Cake.Core.Diagnostics;
using TableOrder.Build.Diagnostics;

namespace TableOrder.Build.Aws;

/// <summary>What <see cref="RedisAuthToken.EnsureAsync"/> did.</summary>
public enum RedisAuthTokenOutcome
{
    /// <summary>The secret holds a token already: nothing was done (the token was not read).</summary>
    Kept,

    /// <summary>A new token turned AUTH on for the group and went into the secret.</summary>
    Set,

    /// <summary>A token of a run cut short (set on the group, never kept) was replaced by a new one, kept now.</summary>
    Replaced,
}

/// <summary>
/// The Redis AUTH token, made by the build after terraform applied the stack, so that it is in no
/// terraform state, plan or output (terraform creates the secret without a value and the replication
/// group with TLS required and no token). Made once, when the secret has no value yet: 64 random
/// letters and digits in this process's memory only (masked in every log line), set on the group with
/// ModifyReplicationGroup (AuthTokenUpdateStrategy ROTATE, which turns AUTH on for a group with
/// in-transit encryption), then kept as the secret's value, which the servers read with their role.
/// In that order, a run cut short never leaves a secret the group does not accept; a token the group
/// took and the secret never kept is replaced (ROTATE to a new one, then SET it alone) by the next run.
/// Rotation: terraform/README.md.
/// </summary>
public sealed class RedisAuthToken(AwsJsonApi secretsManager, AwsQueryApi elastiCache, ICakeLog log, SecretMasker masker, Polling? polling = null)
{
    public const int Length = 64;

    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private readonly Polling _polling = polling ?? new Polling(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(20));

    /// <summary>How long ElastiCache may take to apply a token change (modifying, then available again).</summary>
    public TimeSpan ModifyTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>A new token: letters and digits only (AUTH allows 16-128 printable characters, without / " @ %).</summary>
    public static string NewToken() => RandomNumberGenerator.GetString(Alphabet, Length);

    public async Task<RedisAuthTokenOutcome> EnsureAsync(string secretArn, string replicationGroupId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(secretArn);
        ArgumentException.ThrowIfNullOrWhiteSpace(replicationGroupId);
        if (await HasValueAsync(secretArn, cancellationToken))
        {
            log.Verbose("Redis AUTH token: kept in {0}", secretArn);
            return RedisAuthTokenOutcome.Kept;
        }

        var group = await DescribeAsync(replicationGroupId, cancellationToken);
        if (group.Text("TransitEncryptionEnabled") != "true")
        {
            throw new AwsException($"Redis replication group {replicationGroupId} has no in-transit encryption: ElastiCache takes an AUTH token only with TLS (terraform/modules/cache sets transit_encryption_enabled).");
        }

        var lost = group.Text("AuthTokenEnabled") == "true";
        var token = NewToken();
        masker.Add(token);
        await ModifyAsync(replicationGroupId, token, "ROTATE", cancellationToken);
        if (lost)
        {
            // the group accepts a token no secret holds (a run cut short after setting it): only the new one from now on
            await ModifyAsync(replicationGroupId, token, "SET", cancellationToken);
        }

        await secretsManager.CallAsync(
            "PutSecretValue",
            new JsonObject { ["SecretId"] = secretArn, ["SecretString"] = token, ["ClientRequestToken"] = Guid.NewGuid().ToString() },
            cancellationToken);
        log.Information(
            "Redis AUTH token: {0} on {1}, kept in Secrets Manager {2} (made here, never printed, in no terraform state or plan).",
            lost ? "a new one replaces one a cut-short run left" : "made and set",
            replicationGroupId,
            secretArn.Split(':').Last());
        return lost ? RedisAuthTokenOutcome.Replaced : RedisAuthTokenOutcome.Set;
    }

    /// <summary>The secret has a current version (DescribeSecret: a version with AWSCURRENT); its value is not read.</summary>
    private async Task<bool> HasValueAsync(string secretArn, CancellationToken cancellationToken)
    {
        var secret = await secretsManager.CallAsync("DescribeSecret", new JsonObject { ["SecretId"] = secretArn }, cancellationToken);
        return secret["VersionIdsToStages"] is JsonObject versions &&
            versions.Any(v => v.Value is JsonArray stages && stages.Any(s => s?.GetValue<string>() == "AWSCURRENT"));
    }

    private async Task<System.Xml.Linq.XElement> DescribeAsync(string replicationGroupId, CancellationToken cancellationToken)
    {
        var result = await elastiCache.CallAsync("DescribeReplicationGroups", [new("ReplicationGroupId", replicationGroupId)], cancellationToken);
        return result.Child("ReplicationGroups")?.Elements().FirstOrDefault()
            ?? throw new AwsException($"ElastiCache does not know the replication group {replicationGroupId}: run --target=Provision.");
    }

    /// <summary>ModifyReplicationGroup with the token, applied at once; waits until the group is available again.</summary>
    private async Task ModifyAsync(string replicationGroupId, string token, string strategy, CancellationToken cancellationToken)
    {
        await elastiCache.CallAsync(
            "ModifyReplicationGroup",
            [new("ReplicationGroupId", replicationGroupId), new("AuthToken", token), new("AuthTokenUpdateStrategy", strategy), new("ApplyImmediately", "true")],
            cancellationToken);
        var clock = Stopwatch.StartNew();
        var delay = _polling.Initial;
        while ((await DescribeAsync(replicationGroupId, cancellationToken)).Text("Status") is { } status && status != "available")
        {
            if (clock.Elapsed > ModifyTimeout)
            {
                throw new AwsException($"Redis replication group {replicationGroupId} is still {status} {ModifyTimeout.TotalMinutes:0} minutes after its AUTH token changed; see it in the ElastiCache console and run --target=Provision again.");
            }

            log.Information("Redis replication group {0}: {1} (AUTH token {2}, {3:0}s)", replicationGroupId, status, strategy, clock.Elapsed.TotalSeconds);
            await Task.Delay(delay, cancellationToken);
            delay = _polling.Next(delay);
        }
    }
}
