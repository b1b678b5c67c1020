using System.Diagnostics;
using System.Globalization;
using Cake.Core.Diagnostics;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Environments;
using TableOrder.Build.Release;
using TableOrder.Build.Server;
using TableOrder.Build.Smoke;

namespace TableOrder.Build.Recovery;

/// <summary>
/// The design's "database failure" recovery, one command: under the deploy lock, with the site in
/// maintenance for writes, the environment restores the database into a new one and makes it the
/// stack's; the app's settings are written for it, migrations bring it to the live release's head,
/// the API is restarted through the slot switch where its settings changed, the smoke checks run,
/// and maintenance ends. What it reached is recorded: the restore point, the data window lost (RPO)
/// and the wall time (RTO).
/// </summary>
public static class DatabaseRestoring
{
    public static async Task RestoreDatabaseAsync(this BuildContext context, RestoreTarget target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(target);
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var recovery = context.Deployment.Recovery();
        // before anything changes: the snapshot exists, the time is in the window
        await recovery.CheckTargetAsync(target, cancellationToken);
        await context.HoldAsync();
        context.ServerState = null;
        var servers = context.Deployment.AppServers();
        var maintenance = new MaintenanceWindow(servers, context.Log, context.Masker);
        await maintenance.BeginAsync(cancellationToken);
        RestoredDatabase restored;
        try
        {
            context.Log.Information("Restore: {0} of {1} into a new database", target, recovery.DatabaseName);
            restored = await recovery.RestoreAsync(target, context.Summary, cancellationToken);
            var settingsChanged = false;
            foreach (var server in servers)
            {
                settingsChanged |= await context.Deployment.WriteAppSettingsAsync(await server.Connect(TimeSpan.FromSeconds(30)), context.Summary);
            }

            var first = await servers[0].Connect(TimeSpan.FromSeconds(30));
            var live = await new ServerReleases(first, context.Log).CurrentAsync(cancellationToken);
            var release = live is null || live == ServerMap.Placeholder ? null : live;
            IReadOnlyList<string> migrated = [];
            if (release is not null)
            {
                using var step = context.Log.Step($"Migrate: the restored database to release {release}'s head");
                try
                {
                    migrated = await Migrations.UpgradeAsync(first, release, cancellationToken);
                    step.Done();
                }
                catch (ReleaseException ahead) when (ahead.Message.Contains("Can't locate revision", StringComparison.Ordinal))
                {
                    // a later release migrated it, then the app went back (Rollback): the live release runs
                    // on it as it did before the restore; nothing to upgrade, and nothing to undo here
                    step.Done();
                    context.Log.Warning("Migrate: the restored database is at a revision release {0} does not have (a later release migrated it); it is left as it is.", release);
                    context.Summary.Record("databaseAhead", true);
                }
            }

            context.Summary.Record("migrated", migrated);
            if (settingsChanged && release is not null)
            {
                // the app reads its settings at start: the zero-downtime switch restarts it
                await context.RollOutAsync(release, "restore", force: true);
            }

            context.Summary.Record("restarted", settingsChanged && release is not null);
            context.Summary.Record("checks", await SmokeAsync(context, release, maintenance.Pass, cancellationToken));
        }
        finally
        {
            // also after a failure: the site serves what it can, the error says what is left
            await maintenance.EndAsync(cancellationToken);
        }

        var rto = clock.Elapsed;
        var requested = target.Time ?? started;
        var rpo = requested > restored.RestorePoint ? requested - restored.RestorePoint : TimeSpan.Zero;
        context.Summary.Record("target", target.ToString());
        context.Summary.Record("restorePoint", RestoreTarget.Format(restored.RestorePoint));
        context.Summary.Record("requestedPoint", RestoreTarget.Format(requested));
        context.Summary.Record("rpoSeconds", Math.Round(rpo.TotalSeconds, 3));
        context.Summary.Record("rtoSeconds", Math.Round(rto.TotalSeconds, 3));
        context.Summary.Record("archiveWindowSeconds", recovery.ArchiveWindow.TotalSeconds);
        context.Summary.Record("restored", restored.Restored);
        context.Summary.Record("kept", restored.Kept);
        context.Summary.Record("steps", restored.Steps);
        context.Log.Information("Restore point: {0} (asked for {1})", RestoreTarget.Format(restored.RestorePoint), target);
        context.Log.Information(
            "Data window lost (RPO): {0} s (up to {1}); recovery time (RTO): {2} s",
            rpo.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture),
            RestoreTarget.Format(requested),
            rto.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture));
        if (restored.Kept is { } kept)
        {
            context.Log.Information("The replaced database is kept: {0}. Delete it when you no longer need it (README, When something breaks).", kept);
        }
    }

    /// <summary>The smoke checks through the public URL, passing maintenance with the window's pass.</summary>
    private static async Task<IReadOnlyList<string>> SmokeAsync(BuildContext context, string? release, string pass, CancellationToken cancellationToken)
    {
        var tls = context.Deployment.Policy.Tls;
        using var http = SmokeClient.Create(tls);
        http.DefaultRequestHeaders.Add(ServerMap.MaintenancePassHeader, pass);
        return await new SmokeChecks(http, context.Deployment.PublicUrl(), context.Log)
        {
            StaffToken = await context.Deployment.StaffTokenAsync(),
            HttpRedirectFrom = tls is null ? null : new UriBuilder("http", tls.Domain, context.Deployment.Ports.Http).Uri,
        }.RunAllAsync(release, cancellationToken);
    }
}
