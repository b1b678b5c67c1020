using System.Diagnostics;
using Cake.Core.Diagnostics;
using TableOrder.Build.Environments;

namespace TableOrder.Build.Aws;

/// <summary>How long the target group may take: to drain a deregistered server, and to call a registered one healthy.</summary>
/// <param name="Drain">Above the target group's deregistration delay (30 s in terraform/modules/load_balancer).</param>
/// <param name="Healthy">Above the health check's interval × healthy threshold (10 s × 2) plus the server's start.</param>
public sealed record TargetGroupTimeouts(TimeSpan Drain, TimeSpan Healthy)
{
    public static TargetGroupTimeouts Default { get; } = new(TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(5));
}

/// <summary>
/// The ALB's target group as the rolling roll-out's load balancer (ELBv2 over <see cref="AwsQueryApi"/>).
/// Servers are named by their instance id. A drain is a deregistration: the ALB stops sending new
/// requests at once and ends the open ones after its deregistration delay, so the drain waits until
/// the target is unused (gone from the group). Ready registers it and waits until the ALB's own
/// health checks call it healthy. The ALB does not tell open connections per target: sessions are 0.
/// </summary>
public sealed class TargetGroupLoadBalancer(AwsQueryApi elb, string targetGroupArn, Uri publicUrl, ICakeLog log, TargetGroupTimeouts? timeouts = null, Polling? polling = null) : ILoadBalancer
{
    private readonly TargetGroupTimeouts _timeouts = timeouts ?? TargetGroupTimeouts.Default;
    private readonly Polling _polling = polling ?? TargetGroupPolling;

    /// <summary>The ALB's health checks run every 10 s; a few seconds between looks is enough.</summary>
    public static Polling TargetGroupPolling { get; } = new(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5));

    public Uri PublicUrl => publicUrl;

    public string TargetGroupArn => targetGroupArn;

    /// <summary>arn:aws:elasticloadbalancing:...:targetgroup/&lt;name&gt;/&lt;id&gt; names the group in messages.</summary>
    public string TargetGroupName => targetGroupArn.Split('/') is [_, var name, _] ? name : targetGroupArn;

    public async Task DrainAsync(string server, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(server);
        await elb.CallAsync("DeregisterTargets", Targets(server), cancellationToken);
        await WaitAsync(server, "deregistered (drained)", _timeouts.Drain, health => health is null or { State: "unused" }, cancellationToken);
    }

    public async Task ReadyAsync(string server, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(server);
        await elb.CallAsync("RegisterTargets", Targets(server), cancellationToken);
        await WaitAsync(server, "healthy", _timeouts.Healthy, health => health is { State: "healthy" }, cancellationToken);
    }

    public async Task<IReadOnlyList<BalancedServer>> ServersAsync(CancellationToken cancellationToken = default) =>
        [.. (await DescribeAsync(null, cancellationToken)).Select(h => new BalancedServer(h.InstanceId, h.Status, 0))];

    /// <summary>What the target group says of <paramref name="server"/>; null when it does not know the instance.</summary>
    public async Task<TargetHealth?> HealthAsync(string server, CancellationToken cancellationToken = default)
    {
        try
        {
            return (await DescribeAsync(server, cancellationToken)).FirstOrDefault(h => h.InstanceId == server);
        }
        catch (AwsQueryException ex) when (ex.ErrorCode == "InvalidTarget")
        {
            // a terminated instance is no target any more: as good as deregistered
            return null;
        }
    }

    private async Task WaitAsync(string server, string goal, TimeSpan timeout, Func<TargetHealth?, bool> reached, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var delay = _polling.Initial;
        while (true)
        {
            var health = await HealthAsync(server, cancellationToken);
            if (reached(health))
            {
                log.Information("{0}: {1} in target group {2} ({3:0}s)", server, goal, TargetGroupName, clock.Elapsed.TotalSeconds);
                return;
            }

            log.Information("{0}: {1} in target group {2}, waiting until {3} ({4:0}s)", server, health?.Describe() ?? "not registered", TargetGroupName, goal, clock.Elapsed.TotalSeconds);
            if (clock.Elapsed + delay > timeout)
            {
                throw new AwsException(
                    $"{server} was not {goal} in target group {TargetGroupName} within {timeout.TotalSeconds:0}s: last seen {health?.Describe() ?? "not registered"}. " +
                    $"Look at the target group's targets (aws elbv2 describe-target-health --target-group-arn {targetGroupArn}) and the server's Nginx and app logs (--target=Logs).");
            }

            await Task.Delay(delay, cancellationToken);
            delay = _polling.Next(delay);
        }
    }

    private async Task<IReadOnlyList<TargetHealth>> DescribeAsync(string? server, CancellationToken cancellationToken)
    {
        var parameters = new List<KeyValuePair<string, string>> { new("TargetGroupArn", targetGroupArn) };
        if (server is not null)
        {
            parameters.Add(new("Targets.member.1.Id", server));
        }

        var result = await elb.CallAsync("DescribeTargetHealth", parameters, cancellationToken);
        return [.. result.Members("TargetHealthDescriptions").Select(d => new TargetHealth(
            d.Child("Target").Text("Id") ?? string.Empty,
            d.Child("TargetHealth").Text("State") ?? "unavailable",
            d.Child("TargetHealth").Text("Reason"),
            d.Child("TargetHealth").Text("Description")))];
    }

    private IEnumerable<KeyValuePair<string, string>> Targets(string server) =>
        [new("TargetGroupArn", targetGroupArn), new("Targets.member.1.Id", server)];
}

/// <summary>One target's health as ELBv2 says it: initial, healthy, unhealthy, unused, draining, unavailable.</summary>
public sealed record TargetHealth(string InstanceId, string State, string? Reason, string? Description)
{
    /// <summary>In the load balancer's words the roll-out reads: UP, DRAIN, or DOWN with ELBv2's state and reason.</summary>
    public string Status => State switch
    {
        "healthy" => "UP",
        "draining" => "DRAIN",
        _ => $"DOWN {State}" + (Reason is null ? string.Empty : $" ({Reason})"),
    };

    public string Describe() => State + (Reason is null ? string.Empty : $" ({Reason}{(Description is null ? string.Empty : ": " + Description)})");
}
