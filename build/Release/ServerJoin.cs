using Cake.Core.Diagnostics;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;

namespace TableOrder.Build.Release;

/// <summary>
/// A server that joins a running fleet comes up on the fleet's current release with the steps a
/// new AWS server's user data performs (terraform/modules/compute/templates/user-data-fleet.sh.tftpl):
/// the deploy scripts, bootstrap.sh with the stack's flags, the app's settings, the release unpacked
/// as ReleaseCommands.Unpack does and prepared, then started on the idle slot, switched and health-gated.
/// The load balancer sends it nothing before this returns.
/// </summary>
public static class ServerJoin
{
    /// <summary>Runs the steps; each is idempotent, so a join a crash cut short is simply run again.</summary>
    public static async Task RunAsync(
        IRemoteShell server,
        ServerPorts ports,
        ServerPolicy policy,
        string appDeployDirectory,
        Func<IRemoteShell, Task<bool>> writeSettings,
        string release,
        Func<Stream> archive,
        ICakeLog log,
        TimeSpan healthTimeout,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writeSettings);
        ArgumentNullException.ThrowIfNull(policy);
        await DeployScripts.UploadAsync(server, appDeployDirectory, policy.UploadFiles(), cancellationToken);
        await ServerBootstrap.RunAsync(server, ports, policy, cancellationToken: cancellationToken);
        var settingsChanged = await writeSettings(server);
        await new ServerReleases(server, log).EnsureAsync(release, archive, "the stored archive", policy, cancellationToken);

        // new settings or a changed unit must reach a release that was live already (a machine that joins again)
        var slots = new SlotSwitch(server, AuditLog.For(server), log, ports, healthTimeout);
        var refresh = settingsChanged || (await slots.StateAsync(cancellationToken)).Pending.Contains("api-refresh");
        await slots.ActivateAsync(release, "join", force: refresh, cancellationToken);
    }
}
