using Cake.Core.Diagnostics;
using TableOrder.Build.Environments;

namespace TableOrder.Build.Release;

/// <summary>What a roll-out did on one server.</summary>
/// <param name="Server">app-1, app-2, ...</param>
/// <param name="From">The release that was live before.</param>
/// <param name="Release">The release live on it at the end.</param>
/// <param name="Switched">Whether its slot switched in this roll-out.</param>
/// <param name="Result">switched, unchanged, failed, rolled-back, not-reached.</param>
public sealed record ServerRollout(string Server, string? From, string? Release, bool Switched, string Result);

/// <summary>
/// A release goes live server by server (or in batches): the load balancer drains the server and
/// its open sessions finish (bounded: an SSE stream is ended by the switch and reconnects
/// elsewhere), the server's own zero-downtime slot switch runs with its health gate, the server is
/// put back and must be UP in the load balancer before the next batch. A failure stops the
/// roll-out and switches the servers already done back to the release they had. Without a load
/// balancer (one server) it is exactly the single server's switch.
/// </summary>
public sealed class RollingActivation(IReadOnlyList<AppServer> servers, ILoadBalancer? balancer, ICakeLog log, TimeSpan healthTimeout, int batchSize, TimeSpan drainTimeout)
{
    public async Task<IReadOnlyList<ServerRollout>> ActivateAsync(string id, string action, bool force = false, CancellationToken cancellationToken = default)
    {
        var results = new List<ServerRollout>();
        foreach (var batch in servers.Chunk(Math.Max(1, batchSize)))
        {
            var outcomes = await Task.WhenAll(batch.Select(server => OneAsync(server, id, action, force, cancellationToken)));
            results.AddRange(outcomes.Select(o => o.Rollout));
            if (outcomes.FirstOrDefault(o => o.Error is not null) is { Error: { } error })
            {
                if (servers.Count == 1)
                {
                    // one server: its own switch already said everything (and kept the old release serving)
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
                }

                results.AddRange(servers.Skip(results.Count).Select(s => new ServerRollout(s.Name, null, null, false, "not-reached")));
                var undone = await UndoAsync(results, action, cancellationToken);
                throw new RolloutException(
                    $"{error.Message} The roll-out stopped there" + (undone.Count == 0 ? "." : $"; switched back: {string.Join(", ", undone)}."),
                    [.. results.Select(r => undone.Contains(r.Server) ? r with { Release = r.From, Result = "rolled-back" } : r)]);
            }
        }

        return results;
    }

    /// <summary>
    /// Upkeep that takes a server out (a reboot): for each server, one batch at a time, the load balancer
    /// drains it first, <paramref name="work"/> runs, and it is put back and must be UP before the next
    /// batch. Without a load balancer (one server) it is just the work. A failure stops there.
    /// </summary>
    public async Task EachDrainedAsync(Func<AppServer, Task> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        foreach (var batch in servers.Chunk(Math.Max(1, batchSize)))
        {
            await Task.WhenAll(batch.Select(async server =>
            {
                if (balancer is not null)
                {
                    await DrainAsync(server.Name, cancellationToken);
                }

                try
                {
                    await work(server);
                }
                finally
                {
                    if (balancer is not null)
                    {
                        await balancer.ReadyAsync(server.Name, cancellationToken);
                    }
                }

                if (balancer is not null)
                {
                    await WaitUpAsync(server.Name, cancellationToken);
                }
            }));
        }
    }

    private async Task<(ServerRollout Rollout, Exception? Error)> OneAsync(AppServer server, string id, string action, bool force, CancellationToken cancellationToken)
    {
        ServerRollout rollout;
        ReleaseException? error = null;
        string? before = null;
        try
        {
            var shell = await server.Connect(TimeSpan.FromSeconds(30));
            var slots = new SlotSwitch(shell, AuditLog.For(shell), log, server.Ports, healthTimeout);
            before = (await slots.StateAsync(cancellationToken)).LiveRelease;
            if (balancer is not null && (force || before != id))
            {
                await DrainAsync(server.Name, cancellationToken);
            }

            var switched = await slots.ActivateAsync(id, action, force, cancellationToken);
            rollout = new ServerRollout(server.Name, before, id, switched, switched ? "switched" : "unchanged");
        }
        catch (Exception failed) when (failed is not OperationCanceledException)
        {
            // A failed switch leaves the old release serving; a machine that died or dropped its
            // connection is out of the pool by the load balancer's own health checks.
            log.Error("{0}: {1}", server.Name, failed.Message);
            rollout = new ServerRollout(server.Name, before, before, false, "failed");
            error = failed as ReleaseException ?? new ReleaseException($"{server.Name}: {failed.Message}");
        }

        // Also after a failure and after a killed run left it drained: the server goes back into
        // the pool, and the roll-out goes on only once the load balancer calls it UP.
        if (balancer is not null)
        {
            try
            {
                await balancer.ReadyAsync(server.Name, cancellationToken);
                if (error is null)
                {
                    await WaitUpAsync(server.Name, cancellationToken);
                }
            }
            catch (Exception notUp) when (notUp is not OperationCanceledException)
            {
                if (error is null)
                {
                    rollout = rollout with { Result = "failed" };
                    error = notUp as ReleaseException ?? new ReleaseException($"{server.Name}: {notUp.Message}");
                }
                else
                {
                    // the server's own failure is what the roll-out reports (and undoes); an ALB target
                    // group's ready waits for healthy, which a failed server may never be
                    log.Warning("{0}: not back in the load balancer: {1}", server.Name, notUp.Message);
                }
            }
        }

        return (rollout, error);
    }

    /// <summary>Switches the servers this roll-out changed back to the release each had, newest first.</summary>
    private async Task<List<string>> UndoAsync(IReadOnlyList<ServerRollout> results, string action, CancellationToken cancellationToken)
    {
        var undone = new List<string>();
        foreach (var done in results.Where(r => r.Switched && r.From is not null).Reverse())
        {
            var server = servers.First(s => s.Name == done.Server);
            log.Warning("{0}: switching back to release {1}", server.Name, done.From);
            var (rollout, error) = await OneAsync(server, done.From!, action + "-undo", force: false, cancellationToken);
            if (error is null)
            {
                undone.Add(rollout.Server);
            }
        }

        return undone;
    }

    private async Task DrainAsync(string server, CancellationToken cancellationToken)
    {
        await balancer!.DrainAsync(server, cancellationToken);
        var deadline = DateTime.UtcNow + drainTimeout;
        var sessions = await SessionsAsync(server, cancellationToken);
        while (sessions > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, cancellationToken);
            sessions = await SessionsAsync(server, cancellationToken);
        }

        log.Information(
            sessions == 0 ? "{0}: drained in the load balancer" : "{0}: drained; {1} open sessions left after {2:0}s (streams reconnect elsewhere at the switch)",
            server,
            sessions,
            drainTimeout.TotalSeconds);
    }

    private async Task<int> SessionsAsync(string server, CancellationToken cancellationToken) =>
        (await balancer!.ServersAsync(cancellationToken)).FirstOrDefault(s => s.Name == server)?.Sessions ?? 0;

    /// <summary>UP by the load balancer's own health checks before the roll-out goes on.</summary>
    private async Task WaitUpAsync(string server, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + healthTimeout;
        var state = await StatusAsync(server, cancellationToken);
        while (!state.IsUp && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250, cancellationToken);
            state = await StatusAsync(server, cancellationToken);
        }

        if (!state.IsUp)
        {
            throw new ReleaseException($"{server} did not come UP in the load balancer within {healthTimeout.TotalSeconds:0}s (it says {state.Status}).");
        }

        log.Information("{0}: UP in the load balancer", server);
    }

    private async Task<BalancedServer> StatusAsync(string server, CancellationToken cancellationToken) =>
        (await balancer!.ServersAsync(cancellationToken)).FirstOrDefault(s => s.Name == server) ?? new BalancedServer(server, "absent", 0);
}

/// <summary>A roll-out that stopped; what it did on each server, for the run summary.</summary>
public sealed class RolloutException(string message, IReadOnlyList<ServerRollout> servers) : ReleaseException(message)
{
    public IReadOnlyList<ServerRollout> Servers { get; } = servers;
}
