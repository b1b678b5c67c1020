using Cake.Frosting;
using TableOrder.Build.Environments;
using TableOrder.Build.Release;

namespace TableOrder.Build.Tasks;

[TaskName("Activate")]
[TaskDescription("Starts the new release on the idle API slot, health-gated there, switches Nginx to it (graceful reload) and drains the old slot: no request fails. With several servers, one batch at a time, drained in the load balancer first. Keeps the last 5 releases.")]
[IsDependentOn(typeof(MigrateTask))]
public sealed class ActivateTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var release = context.Release ?? throw new ReleaseException("Activate switches to the release that Release uploaded; run --target=Deploy.");
        await context.HoldAsync(release.Id);
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
