using TableOrder.Build.Remote;
using TableOrder.Build.Server;

namespace TableOrder.Build.Environments;

/// <summary>One app server of the environment: its name (as the load balancer knows it), its ports, and how to reach it.</summary>
/// <param name="Name">app-1, app-2, ... (the load balancer's name for it).</param>
/// <param name="Ports">Nginx's and the API slots' ports on that server.</param>
/// <param name="Connect">The build's connection to it, waiting up to the given time for it to answer.</param>
public sealed record AppServer(string Name, ServerPorts Ports, Func<TimeSpan, Task<IRemoteShell>> Connect);

/// <summary>What the load balancer says of one server: its state (UP, DOWN, DRAIN, MAINT, ...) and its open sessions.</summary>
public sealed record BalancedServer(string Name, string Status, int Sessions)
{
    public bool IsUp => Status.StartsWith("UP", StringComparison.Ordinal);
}

/// <summary>
/// The load balancer in front of several app servers (locally HAProxy through its runtime API; in
/// AWS an ALB target group). A rolling roll-out drains a server, switches it, and puts it back.
/// </summary>
public interface ILoadBalancer
{
    /// <summary>Where users reach the service through it.</summary>
    Uri PublicUrl { get; }

    /// <summary>No new requests for the server; the open ones finish.</summary>
    Task DrainAsync(string server, CancellationToken cancellationToken = default);

    /// <summary>The server takes requests again once its health checks pass.</summary>
    Task ReadyAsync(string server, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<BalancedServer>> ServersAsync(CancellationToken cancellationToken = default);
}

/// <summary>An environment with several app servers behind a load balancer (local --servers=N; production's scaled-out stack).</summary>
public interface IServerFleet
{
    /// <summary>Every app server (none: the environment's single server); the first holds the deploy lock and runs the migrations.</summary>
    IReadOnlyList<AppServer> Servers { get; }

    /// <summary>The load balancer in front of them; null with one server (users reach it directly).</summary>
    ILoadBalancer? LoadBalancer { get; }

    /// <summary>Where a server that joins later finds the current release (locally the bucket's stand-in in the state folder; in AWS the S3 release bucket).</summary>
    Release.IReleaseStore? ReleaseStore { get; }
}

public static class ServerFleet
{
    /// <summary>The environment's app servers: its fleet, or its one server.</summary>
    public static IReadOnlyList<AppServer> AppServers(this IDeploymentEnvironment deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        return deployment is IServerFleet { Servers.Count: > 0 } fleet
            ? fleet.Servers
            : [new AppServer("app-1", deployment.Ports, _ => deployment.ServerAsync())];
    }

    public static ILoadBalancer? LoadBalancer(this IDeploymentEnvironment deployment) =>
        (deployment as IServerFleet)?.LoadBalancer;

    public static Release.IReleaseStore? ReleaseStore(this IDeploymentEnvironment deployment) =>
        (deployment as IServerFleet)?.ReleaseStore;
}
