using Cake.Core.Diagnostics;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Environments;
using TableOrder.Build.Release;

namespace TableOrder.Build.Recovery;

/// <summary>The tasks' one way to take a manual database snapshot (Snapshot, and Migrate before it migrates).</summary>
public static class DatabaseSnapshots
{
    /// <summary>
    /// A snapshot named &lt;db&gt;-manual-&lt;utc&gt;-&lt;release&gt; (the release: <paramref name="release"/>, else the
    /// one live on the first server), waited for; recorded as "snapshot" in the run summary.
    /// </summary>
    public static async Task<DatabaseSnapshot> TakeSnapshotAsync(this BuildContext context, string? release = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var recovery = context.Deployment.Recovery();
        release ??= await new ServerReleases(await context.Deployment.AppServers()[0].Connect(TimeSpan.FromSeconds(30)), context.Log).CurrentAsync(cancellationToken);
        var name = SnapshotNames.For(recovery.DatabaseName, DateTimeOffset.UtcNow, release);
        DatabaseSnapshot snapshot;
        using (var step = context.Log.Step($"Snapshot: {name}"))
        {
            snapshot = await recovery.SnapshotAsync(name, context.Summary, cancellationToken);
            step.Done();
        }

        context.Summary.Record("snapshot", snapshot.Name);
        context.Log.Information("Snapshot {0} is {1}; undo to it with --target=Restore --snapshot={0}", snapshot.Name, snapshot.Status);
        return snapshot;
    }

    /// <summary>Status: the restorable window and the snapshots, printed and recorded (nothing where the environment has no recovery yet).</summary>
    public static async Task ShowBackupsAsync(this BuildContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Deployment is not IDatabaseRecovery recovery)
        {
            return;
        }

        BackupState backups;
        try
        {
            backups = await recovery.BackupsAsync(cancellationToken);
        }
        catch (NotInThisEnvironmentException unavailable)
        {
            context.Log.Information("Backups:          {0}", unavailable.Message);
            return;
        }

        static string Time(DateTimeOffset? time) => time is { } t ? RestoreTarget.Format(t) : "none";
        context.Log.Information("Restorable:       {0} to {1} (latest restorable time)", Time(backups.EarliestRestorableTime), Time(backups.LatestRestorableTime));
        context.Log.Information("Snapshots:        {0}", backups.Snapshots.Count == 0 ? "none" : string.Join(", ", backups.Snapshots.Select(s => $"{s.Name} ({s.Status})")));
        context.Summary.Record("earliestRestorableTime", backups.EarliestRestorableTime is { } earliest ? RestoreTarget.Format(earliest) : null);
        context.Summary.Record("latestRestorableTime", backups.LatestRestorableTime is { } latest ? RestoreTarget.Format(latest) : null);
        context.Summary.Record("snapshots", backups.Snapshots.Select(s => new { name = s.Name, created = s.Created is { } c ? RestoreTarget.Format(c) : null, status = s.Status }).ToList());
    }
}
