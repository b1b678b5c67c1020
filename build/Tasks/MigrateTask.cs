using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Configuration;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Environments;
using TableOrder.Build.Recovery;
using TableOrder.Build.Release;
using TableOrder.Build.Server;

namespace TableOrder.Build.Tasks;

[TaskName("Migrate")]
[TaskDescription("Runs `alembic upgrade head` of the new release on the server, with the database URL from the server's env file; a database snapshot first when a migration is pending.")]
[IsDependentOn(typeof(ReleaseTask))]
[UsesArguments("ssh-key", "ssh-host-key", "transport", "lock-wait")]
public sealed class MigrateTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var release = context.Release ?? throw new ReleaseException("Migrate runs the migrations of the release that Release uploaded; run --target=Deploy.");
        // The database's revision (read by the probe) is the release's head already: Alembic need not start.
        if (context.ServerState is { Locked: false, DatabaseRevisions: { } revisions } && MigrationHeads.Of(release) is { } heads && revisions.SetEquals(heads))
        {
            context.Summary.Record("skipped", ServerState.UpToDate);
            context.Summary.Record("migrated", Array.Empty<string>());
            context.Log.Information("Migrate: the database is at head ({0}) already.", string.Join(", ", heads));
            return;
        }

        await context.HoldAsync(release.Id);
        var server = await context.Deployment.ServerAsync();
        // A migration may change data for good: a snapshot first, to go back to (Restore --snapshot).
        if (await Migrations.PendingAsync(server, release))
        {
            try
            {
                await context.TakeSnapshotAsync();
            }
            catch (NotInThisEnvironmentException unavailable)
            {
                // an environment that takes no snapshot only loses the undo point: the migration still runs
                context.Log.Warning("Migrate: no snapshot before the migration: {0}", unavailable.Message);
                context.Summary.Record<string?>("snapshot", null);
            }
        }

        IReadOnlyList<string> applied;
        using (var step = context.Log.Step("Migrate: alembic upgrade head"))
        {
            applied = await Migrations.UpgradeAsync(server, release.Id);
            step.Done();
        }

        if (applied.Count > 0)
        {
            context.ServerState = null;
        }

        context.Summary.Record("migrated", applied);
        context.Log.Information(applied.Count == 0 ? "Migrate: the database is at head already." : $"Migrate: applied {string.Join(", ", applied)}.");
    }
}
