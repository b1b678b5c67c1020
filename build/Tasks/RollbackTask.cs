using Cake.Frosting;
using TableOrder.Build.Release;
using TableOrder.Build.Server;

namespace TableOrder.Build.Tasks;

[TaskName("Rollback")]
[TaskDescription("Back to the previous release (or --release=<id>) through the same slot switch, health-gated, under the deploy lock: the old release runs with its own dependencies.")]
public sealed class RollbackTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var server = await context.Deployment.ServerAsync();
        var releases = new ServerReleases(server, context.Log);
        var target = context.Options.Release.RollbackTo
            ?? await releases.PreviousAsync()
            ?? throw new ReleaseException("There is no previous release to roll back to. Name one with --release=<id> (see --target=Status).");
        if (target != ServerMap.Placeholder && !await releases.ExistsAsync(target))
        {
            var kept = await releases.ListAsync();
            throw new ReleaseException($"Release {target} is not on the server. Kept releases: {string.Join(", ", kept)}.");
        }

        await context.HoldAsync(target);
        var slots = new SlotSwitch(server, AuditLog.For(server), context.Log, context.Deployment.Ports, context.Options.Release.HealthTimeout);
        context.Summary.Record("release", target);
        context.Summary.Record("switched", await slots.ActivateAsync(target, "rollback"));
    }
}
