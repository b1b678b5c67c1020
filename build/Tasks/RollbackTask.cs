using Cake.Frosting;
using TableOrder.Build.Configuration;
using TableOrder.Build.Environments;
using TableOrder.Build.Release;
using TableOrder.Build.Server;

namespace TableOrder.Build.Tasks;

[TaskName("Rollback")]
[TaskDescription("Back to the previous release (or --release=<id>) through the same slot switch, health-gated, under the deploy lock: the old release runs with its own dependencies. With several servers, rolled like Activate.")]
[UsesArguments("ssh-key", "ssh-host-key", "transport", "release", "lock-wait", "health-timeout", "batch-size", "drain-timeout")]
public sealed class RollbackTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var servers = context.Deployment.AppServers();
        var target = context.Options.Release.RollbackTo
            ?? await PreviousAsync(servers, context)
            ?? throw new ReleaseException("There is no previous release to roll back to. Name one with --release=<id> (see --target=Status).");
        // A server that joined later has only the release it joined on: the release store keeps the others.
        var store = context.Deployment.ReleaseStore();
        var fromStore = new List<(AppServer Server, ServerReleases Releases, byte[] Archive)>();
        foreach (var server in servers)
        {
            var releases = new ServerReleases(await server.Connect(TimeSpan.FromSeconds(30)), context.Log);
            if (target == ServerMap.Placeholder || await releases.ExistsAsync(target))
            {
                continue;
            }

            if (store is not null && await store.ArchiveAsync(target) is { } archive)
            {
                fromStore.Add((server, releases, archive));
                continue;
            }

            var kept = await releases.ListAsync();
            var where = servers.Count > 1 ? $" on {server.Name}" : string.Empty;
            throw new ReleaseException($"Release {target} is not on the server{where}. Kept releases: {string.Join(", ", kept)}.");
        }

        await context.HoldAsync(target);
        foreach (var (server, releases, archive) in fromStore)
        {
            await releases.EnsureAsync(target, () => new MemoryStream(archive), "the release store's archive", context.Deployment.Policy);
        }

        if (fromStore.Count > 0)
        {
            context.Summary.Record("installedFromStore", fromStore.Select(s => s.Server.Name).ToList());
        }

        context.Summary.Record("release", target);
        context.Summary.Record("switched", (await context.RollOutAsync(target, "rollback")).Any(r => r.Switched));
    }

    /// <summary>
    /// The release before the current one: the first server's that has a real one (a server that joined
    /// later went from the placeholder straight to the current release); the placeholder only when that is all there is.
    /// </summary>
    private static async Task<string?> PreviousAsync(IReadOnlyList<AppServer> servers, BuildContext context)
    {
        string? placeholder = null;
        foreach (var server in servers)
        {
            switch (await new ServerReleases(await server.Connect(TimeSpan.FromSeconds(30)), context.Log).PreviousAsync())
            {
                case null:
                    break;
                case ServerMap.Placeholder:
                    placeholder = ServerMap.Placeholder;
                    break;
                case var release:
                    return release;
            }
        }

        return placeholder;
    }
}
