using Cake.Core.Diagnostics;
using TableOrder.Build.Environments;

namespace TableOrder.Build.Release;

/// <summary>The tasks' one way to put a release live on every app server (Activate, Rollback, Smoke's way back).</summary>
public static class RollingDeploys
{
    /// <summary>Rolls <paramref name="release"/> out and records each server's result (with several servers) in the run summary.</summary>
    public static async Task<IReadOnlyList<ServerRollout>> RollOutAsync(this BuildContext context, string release, string action, bool force = false)
    {
        ArgumentNullException.ThrowIfNull(context);
        var servers = context.Deployment.AppServers();
        // the bucket's contract: the archive is kept before the release goes live, current moves after
        var store = context.Deployment.ReleaseStore();
        if (store is not null && context.Release is { } archive && archive.Id == release)
        {
            await store.KeepAsync(archive);
        }

        var rolling = new RollingActivation(servers, context.Deployment.LoadBalancer(), context.Log, context.Options.Release.HealthTimeout, context.Options.Scale.BatchSize, context.Options.Scale.DrainTimeout);
        try
        {
            var results = await rolling.ActivateAsync(release, action, force);
            Record(context, servers, results);
            if (store is not null && !await store.SetCurrentAsync(release))
            {
                // one server: said only in the verbose log, so its output stays as it was
                const string Missing = "Release {0} has no archive in the release store: a server added later waits for the next Deploy.";
                if (servers.Count > 1)
                {
                    context.Log.Warning(Missing, release);
                }
                else
                {
                    context.Log.Verbose(Missing, release);
                }
            }

            return results;
        }
        catch (RolloutException stopped)
        {
            Record(context, servers, stopped.Servers);
            throw;
        }
    }

    private static void Record(BuildContext context, IReadOnlyList<AppServer> servers, IReadOnlyList<ServerRollout> results)
    {
        if (servers.Count > 1)
        {
            context.Summary.Record("servers", results.Select(r => new { server = r.Server, from = r.From, release = r.Release, switched = r.Switched, result = r.Result }).ToList());
        }
    }
}
