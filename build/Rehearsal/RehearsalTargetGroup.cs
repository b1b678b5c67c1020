using System.Collections.Concurrent;
using Cake.Core.Diagnostics;
using TableOrder.Build.Aws.StandIn;
using TableOrder.Build.Local;

namespace TableOrder.Build.Rehearsal;

/// <summary>
/// The stand-in's target group moves the local HAProxy, which plays the ALB: a registered target is
/// set ready (HAProxy's own checks on /api/health then call it UP: healthy), a deregistered one
/// drains, and once its open requests are done, or the target group's deregistration delay has passed
/// (the ALB then closes what is still open), it goes to maintenance with its sessions shut.
/// </summary>
public sealed class RehearsalTargetGroup(LocalLoadBalancer balancer, Func<string, LocalAppServer?> serverOf, TimeSpan deregistrationDelay, ICakeLog log) : ITargetGroupListener
{
    /// <summary>Deregistered targets whose drain is over (in maintenance now).</summary>
    private readonly ConcurrentDictionary<string, byte> _drained = new(StringComparer.Ordinal);

    /// <summary>A machine HAProxy does not list yet takes its state from the registrations when HAProxy (re)starts (LocalFleet.TakesTraffic).</summary>
    public void Registered(string targetGroupArn, string instanceId)
    {
        _drained.TryRemove(instanceId, out _);
        if (Server(instanceId)?.Name is { } name)
        {
            Wait(balancer.ReadyAsync(name));
            log.Verbose("Rehearsal target group: {0} ({1}) registered: HAProxy sets it ready", instanceId, name);
        }
    }

    public void Deregistered(string targetGroupArn, string instanceId)
    {
        if (Server(instanceId)?.Name is { } name)
        {
            Wait(balancer.DrainAsync(name));
            log.Verbose("Rehearsal target group: {0} ({1}) deregistered: HAProxy drains it", instanceId, name);
        }
    }

    /// <summary>HAProxy's health check result: UP is healthy, DOWN unhealthy; anything else (starting, in maintenance) is initial.</summary>
    public string Health(string targetGroupArn, string instanceId) =>
        Server(instanceId)?.Status switch
        {
            { } status when status.StartsWith("UP", StringComparison.Ordinal) => "healthy",
            { } status when status.StartsWith("DOWN", StringComparison.Ordinal) => "unhealthy",
            _ => "initial",
        };

    public bool Draining(string targetGroupArn, string instanceId, TimeSpan sinceDeregistered)
    {
        if (_drained.ContainsKey(instanceId) || Name(instanceId) is not { } name)
        {
            return false;
        }

        if (Server(instanceId) is { Sessions: > 0 } && sinceDeregistered < deregistrationDelay)
        {
            return true;
        }

        // the delay is over, or nothing is open: the ALB closes what is left and stops health-checking it
        Wait(balancer.MaintenanceAsync(name));
        _drained[instanceId] = 0;
        log.Verbose("Rehearsal target group: {0} ({1}) drained after {2:0}s: HAProxy puts it in maintenance", instanceId, name, sinceDeregistered.TotalSeconds);
        return false;
    }

    private string? Name(string instanceId) => balancer.RunningPid is null ? null : serverOf(instanceId)?.Name;

    private Environments.BalancedServer? Server(string instanceId) =>
        Name(instanceId) is { } name ? Wait(balancer.ServersAsync()).FirstOrDefault(s => s.Name == name) : null;

    // The stand-in answers each request on a thread of its own: waiting there is what the ALB's API does too.
    private static void Wait(Task task) => task.GetAwaiter().GetResult();

    private static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();
}
