using Cake.Frosting;
using TableOrder.Build.Environments;
using TableOrder.Build.Release;
using TableOrder.Build.Server;

namespace TableOrder.Build.Tasks;

[TaskName("Rollback")]
[TaskDescription("Back to the previous release (or --release=<id>) through the same slot switch, health-gated, under the deploy lock: the old release runs with its own dependencies. With several servers, rolled like Activate.")]
public sealed class RollbackTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var servers = context.Deployment.AppServers();
        var first = new ServerReleases(await servers[0].Connect(TimeSpan.FromSeconds(30)), context.Log);
        var target = context.Options.Release.RollbackTo
            ?? await first.PreviousAsync()
            ?? throw new ReleaseException("There is no previous release to roll back to. Name one with --release=<id> (see --target=Status).");
        foreach (var server in servers)
        {
            var releases = new ServerReleases(await server.Connect(TimeSpan.FromSeconds(30)), context.Log);
            if (target != ServerMap.Placeholder && !await releases.ExistsAsync(target))
            {
                var kept = await releases.ListAsync();
                var where = servers.Count > 1 ? $" on {server.Name}" : string.Empty;
                throw new ReleaseException($"Release {target} is not on the server{where}. Kept releases: {string.Join(", ", kept)}.");
            }
        }

        await context.HoldAsync(target);
        context.Summary.Record("release", target);
        context.Summary.Record("switched", (await context.RollOutAsync(target, "rollback")).Any(r => r.Switched));
    }
}
