using Cake.Frosting;
using TableOrder.Build.Release;

namespace TableOrder.Build.Tasks;

[TaskName("Activate")]
[TaskDescription("Switches `current` to the new release and restarts the API, gated on /api/health; rolls back on failure. Keeps the last 5 releases.")]
[IsDependentOn(typeof(MigrateTask))]
public sealed class ActivateTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var release = context.Release ?? throw new ReleaseException("Activate switches to the release that Release uploaded; run --target=Deploy.");
        await context.HoldAsync(release.Id);
        var server = await context.Deployment.ServerAsync();
        var releases = new ServerReleases(server, context.Log);
        var activation = new ReleaseActivation(server, releases, AuditLog.For(server), context.Log, context.Deployment.Ports.Http, context.Options.Release.HealthTimeout);
        context.Summary.Record("switched", await activation.ActivateAsync(release.Id, "activate"));
        await releases.PruneAsync();
    }
}
