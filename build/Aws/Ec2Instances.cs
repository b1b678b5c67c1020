using System.Diagnostics;
using Amazon.EC2;
using Amazon.EC2.Model;
using Cake.Core.Diagnostics;

namespace TableOrder.Build.Aws;

/// <summary>
/// Waits for the app server's EC2 instance: state running, and both status checks (instance and
/// system) "ok". Progress is logged on every poll; the wait ends with a clear error on timeout, on a
/// missing instance, or on an instance that is stopped or going away (waiting would never help).
/// </summary>
public sealed class Ec2Instances(IAmazonEC2 ec2, ICakeLog log, Polling? polling = null)
{
    private readonly Polling _polling = polling ?? Polling.Ec2Default;

    /// <summary>Returns once the instance is running with both status checks ok.</summary>
    public async Task<Ec2InstanceStatus> WaitUntilReadyAsync(string instanceId, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        var clock = Stopwatch.StartNew();
        var delay = _polling.Initial;
        while (true)
        {
            var status = await DescribeAsync(instanceId, cancellationToken);
            log.Information("{0}: {1} ({2:0}s)", instanceId, status, clock.Elapsed.TotalSeconds);
            if (status.IsReady)
            {
                return status;
            }

            if (status.State is "stopping" or "stopped" or "shutting-down" or "terminated")
            {
                throw new AwsException(
                    $"EC2 instance {instanceId} is {status.State}: it will not become ready by waiting. " +
                    (status.State is "stopping" or "stopped"
                        ? "Start it (aws ec2 start-instances --instance-ids " + instanceId + ") and run again."
                        : "Run --target=Provision --environment=production to create it again."));
            }

            if (clock.Elapsed + delay > timeout)
            {
                throw new AwsException(
                    $"EC2 instance {instanceId} was not ready within {Seconds(timeout)}: last seen {status}. " +
                    "A status check that stays 'impaired' or 'initializing' usually means the instance failed to boot: " +
                    $"look at its console (aws ec2 get-console-output --latest --instance-id {instanceId}) or the EC2 console's status checks tab.");
            }

            await Task.Delay(delay, cancellationToken);
            delay = _polling.Next(delay);
        }
    }

    /// <summary>One DescribeInstanceStatus call (IncludeAllInstances, so a pending or stopped instance is listed too).</summary>
    public async Task<Ec2InstanceStatus> DescribeAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        DescribeInstanceStatusResponse response;
        try
        {
            response = await ec2.DescribeInstanceStatusAsync(
                new DescribeInstanceStatusRequest { InstanceIds = [instanceId], IncludeAllInstances = true },
                cancellationToken);
        }
        catch (AmazonEC2Exception ex) when (ex.ErrorCode is "InvalidInstanceID.NotFound" or "InvalidInstanceID.Malformed")
        {
            throw NotFound(instanceId, ex);
        }

        var item = response.InstanceStatuses?.FirstOrDefault(s => s.InstanceId == instanceId) ?? throw NotFound(instanceId, null);
        return new Ec2InstanceStatus(
            instanceId,
            item.InstanceState?.Name?.Value ?? "unknown",
            item.Status?.Status?.Value ?? "unknown",
            item.SystemStatus?.Status?.Value ?? "unknown");
    }

    /// <summary>
    /// Each instance's public address (its IPv4, else its public DNS name), by one DescribeInstances call;
    /// an instance without one (not running yet, or no public IP) is an error that names it.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> PublicAddressesAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instanceIds);
        if (instanceIds.Count == 0)
        {
            return new Dictionary<string, string>();
        }

        DescribeInstancesResponse response;
        try
        {
            response = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [.. instanceIds] }, cancellationToken);
        }
        catch (AmazonEC2Exception ex) when (ex.ErrorCode is "InvalidInstanceID.NotFound" or "InvalidInstanceID.Malformed")
        {
            throw NotFound(string.Join(", ", instanceIds), ex);
        }

        var found = (response.Reservations ?? []).SelectMany(r => r.Instances ?? []).ToDictionary(i => i.InstanceId, StringComparer.Ordinal);
        var addresses = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var id in instanceIds)
        {
            var instance = found.GetValueOrDefault(id) ?? throw NotFound(id, null);
            addresses[id] = (string.IsNullOrEmpty(instance.PublicIpAddress) ? instance.PublicDnsName : instance.PublicIpAddress) is { Length: > 0 } address
                ? address
                : throw new AwsException($"EC2 instance {id} has no public address (state {instance.State?.Name?.Value ?? "unknown"}): the build reaches every app server over SSH or SSM by its public address. Wait until it is running, or use --transport=ssm.");
        }

        return addresses;
    }

    private static AwsException NotFound(string instanceId, Exception? inner) => new(
        $"EC2 instance {instanceId} does not exist in this account and region{(inner is null ? string.Empty : " (" + inner.Message + ")")}. " +
        "The saved terraform outputs may be stale: run --target=Provision --environment=production (or Outputs) and check the region and AWS account you are using.",
        inner);

    private static string Seconds(TimeSpan span) => span.TotalSeconds >= 120 ? $"{span.TotalMinutes:0.#} minutes" : $"{span.TotalSeconds:0.#}s";
}

/// <summary>What EC2 says about an instance: its state and its two status checks.</summary>
public sealed record Ec2InstanceStatus(string InstanceId, string State, string InstanceCheck, string SystemCheck)
{
    public bool IsReady => State == "running" && InstanceCheck == "ok" && SystemCheck == "ok";

    public override string ToString() => $"{State}, instance status {InstanceCheck}, system status {SystemCheck}";
}
