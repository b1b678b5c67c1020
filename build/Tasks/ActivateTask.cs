using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Configuration;
using TableOrder.Build.Environments;
using TableOrder.Build.Release;
using TableOrder.Build.Server;

namespace TableOrder.Build.Tasks;

[TaskName("Activate")]
[TaskDescription("Starts the new release on the idle API slot, health-gated there, switches Nginx to it (graceful reload) and drains the old slot: no request fails. With several servers, one batch at a time, drained in the load balancer first. Keeps the last 5 releases.")]
[IsDependentOn(typeof(MigrateTask))]
[UsesArguments("ssh-key", "ssh-host-key", "transport", "lock-wait", "health-timeout", "batch-size", "drain-timeout")]
public sealed class ActivateTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var release = context.Release ?? throw new ReleaseException("Activate switches to the release that Release uploaded; run --target=Deploy.");
        // One server (the probe's), the release live on one slot, the other stopped, healthy through
        // Nginx, nothing pending, nothing to prune.
        if (context.ServerState is { Locked: false } state && state.Slots.LiveRelease == release.Id && !state.Slots.Running.GetValueOrDefault(state.Slots.Idle) &&
            state.Slots.Pending.Count == 0 && state.HealthyFor(release.Id) && state.Releases.Count(r => r != ServerMap.Placeholder) <= ServerReleases.Kept)
        {
            context.Summary.Record("skipped", ServerState.UpToDate);
            context.Summary.Record("switched", false);
            context.Summary.Record("slot", state.Slots.Live);
            context.Log.Information("Activate: release {0} is live on slot {1} and healthy; nothing switched.", release.Id, state.Slots.Live);
            return;
        }

        await context.HoldAsync(release.Id);
        context.ServerState = null;
        var rollout = await context.RollOutAsync(release.Id, "activate");
        context.Summary.Record("switched", rollout.Any(r => r.Switched));
        var servers = context.Deployment.AppServers();
        var first = await servers[0].Connect(TimeSpan.FromSeconds(30));
        context.Summary.Record("slot", (await new SlotSwitch(first, AuditLog.For(first), context.Log, servers[0].Ports, context.Options.Release.HealthTimeout).StateAsync()).Live);
        foreach (var server in servers)
        {
            await new ServerReleases(await server.Connect(TimeSpan.FromSeconds(30)), context.Log).PruneAsync();
        }
    }
}
