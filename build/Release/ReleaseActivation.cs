using Cake.Core.Diagnostics;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;

namespace TableOrder.Build.Release;

/// <summary>
/// Switches `current` to a release and restarts the API, gated on /api/health through Nginx.
/// On failure it switches back and restarts the old release before failing: a failed health
/// check never leaves the old release stopped.
/// </summary>
public sealed class ReleaseActivation(IRemoteShell shell, ServerReleases releases, AuditLog audit, ICakeLog log, int httpPort, TimeSpan healthTimeout)
{
    /// <summary>Activates the release; false when it was already active and healthy (nothing restarted).</summary>
    public async Task<bool> ActivateAsync(string id, string action, CancellationToken cancellationToken = default)
    {
        var current = await releases.CurrentAsync(cancellationToken);
        var previous = await releases.PreviousAsync(cancellationToken);
        if (current == id)
        {
            var health = await HealthGate.WaitAsync(shell, httpPort, Expected(id), TimeSpan.FromSeconds(5), cancellationToken);
            if (health.Healthy)
            {
                log.Information("Release {0} is already active and healthy: nothing switched, nothing restarted.", id);
                return false;
            }

            log.Warning("Release {0} is active but not healthy ({1}); restarting it.", id, health.Detail);
        }

        log.Information("Activating release {0} (was {1})", id, current ?? "none");
        await releases.SwitchAsync(id, current, cancellationToken);
        await releases.RestartApiAsync(cancellationToken);
        var gate = await HealthGate.WaitAsync(shell, httpPort, Expected(id), healthTimeout, cancellationToken);
        if (gate.Healthy)
        {
            log.Information("Release {0} is live: {1}", id, gate.Detail);
            await audit.WriteAsync(action, new Dictionary<string, string?> { ["release"] = id, ["previous"] = current, ["result"] = "ok" }, cancellationToken);
            return true;
        }

        var newLog = await shell.RunAsync(ReleaseCommands.ApiLogTail(40), cancellationToken);

        if (current is null || current == id)
        {
            await audit.WriteAsync(action, new Dictionary<string, string?> { ["release"] = id, ["result"] = "failed", ["health"] = gate.Detail }, cancellationToken);
            throw new ReleaseException($"Release {id} failed its health check ({gate.Detail}) and there is no other release to go back to. Its log:{Environment.NewLine}{newLog.Text}");
        }

        log.Error("Release {0} failed its health check: {1}. Rolling back to {2}.", id, gate.Detail, current);
        await releases.SwitchAsync(current, previous, cancellationToken);
        await releases.RestartApiAsync(cancellationToken);
        var back = await HealthGate.WaitAsync(shell, httpPort, Expected(current), healthTimeout, cancellationToken);
        await audit.WriteAsync(action, new Dictionary<string, string?> { ["release"] = id, ["result"] = "failed, rolled back", ["restored"] = current, ["health"] = gate.Detail }, cancellationToken);
        throw new ReleaseException(
            $"Release {id} failed its health check ({gate.Detail}). Rolled back to {current}, which is " +
            (back.Healthy ? "serving again." : $"NOT healthy either ({back.Detail}): look at the server now.") +
            $" The new release's log:{Environment.NewLine}{newLog.Text}");
    }

    /// <summary>The placeholder reports no release id; every real release must report its own.</summary>
    private static string? Expected(string release) => release == ServerMap.Placeholder ? null : release;
}
