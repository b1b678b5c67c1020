using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Release;

namespace TableOrder.Build.Tasks;

[TaskName("Migrate")]
[TaskDescription("Runs `alembic upgrade head` of the new release on the server, with the database URL from the server's env file.")]
[IsDependentOn(typeof(ReleaseTask))]
public sealed class MigrateTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var release = context.Release ?? throw new ReleaseException("Migrate runs the migrations of the release that Release uploaded; run --target=Deploy.");
        await context.HoldAsync(release.Id);
        IReadOnlyList<string> applied;
        using (var step = context.Log.Step("Migrate: alembic upgrade head"))
        {
            applied = await Migrations.UpgradeAsync(await context.Deployment.ServerAsync(), release.Id);
            step.Done();
        }

        context.Summary.Record("migrated", applied);
        context.Log.Information(applied.Count == 0 ? "Migrate: the database is at head already." : $"Migrate: applied {string.Join(", ", applied)}.");
    }
}
