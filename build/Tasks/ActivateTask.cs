using Cake.Frosting;
using TableOrder.Build.Release;

namespace TableOrder.Build.Tasks;

[TaskName("Activate")]
[TaskDescription("Starts the new release on the idle API slot, health-gated there, switches Nginx to it (graceful reload) and drains the old slot: no request fails. Keeps the last 5 releases.")]
[IsDependentOn(typeof(MigrateTask))]
public sealed class ActivateTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var release = context.Release ?? throw new ReleaseException("Activate switches to the release that Release uploaded; run --target=Deploy.");
        await context.HoldAsync(release.Id);
        var server = await context.Deployment.ServerAsync();
        var slots = new SlotSwitch(server, AuditLog.For(server), context.Log, context.Deployment.Ports, context.Options.Release.HealthTimeout);
        context.Summary.Record("switched", await slots.ActivateAsync(release.Id, "activate"));
        context.Summary.Record("slot", (await slots.StateAsync()).Live);
        await new ServerReleases(server, context.Log).PruneAsync();
    }
}
