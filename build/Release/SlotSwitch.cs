using Cake.Core.Diagnostics;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;

namespace TableOrder.Build.Release;

/// <summary>
/// Zero-downtime activation on one host: the release starts on the idle slot and must answer its
/// health check there before Nginx switches to it (one file, graceful reload); then it is checked
/// through Nginx, and the old slot drains and stops. A release that fails on the idle slot never
/// receives a request; one that fails after the switch is switched back while the old slot still
/// runs. Rollback, and a bootstrap change the API must pick up, are the same switch.
/// </summary>
public sealed class SlotSwitch(IRemoteShell shell, AuditLog audit, ICakeLog log, ServerPorts ports, TimeSpan healthTimeout)
{
    public async Task<SlotState> StateAsync(CancellationToken cancellationToken = default)
    {
        var result = await shell.RunAsync(SlotCommands.State(), cancellationToken);
        ScriptResult.Parse(result.Output, SlotCommands.Script).EnsureOk(result.Output);
        return SlotState.Parse(result.Output);
    }

    /// <summary>Puts the release live; false when it already was, healthy (nothing started or switched).</summary>
    public async Task<bool> ActivateAsync(string id, string action, bool force = false, CancellationToken cancellationToken = default)
    {
        // What a killed run left half-done (a switch, a reload) is finished first.
        await shell.RunScriptAsync(SlotCommands.Resume(), SlotCommands.Script, cancellationToken);
        var state = await StateAsync(cancellationToken);
        if (!force && state.LiveRelease == id)
        {
            var health = await HealthGate.WaitAsync(shell, ports, Expected(id), TimeSpan.FromSeconds(5), cancellationToken);
            if (health.Healthy)
            {
                if (state.Running.GetValueOrDefault(state.Idle))
                {
                    // a killed run switched but never drained the old slot
                    await shell.RunScriptAsync(SlotCommands.Stop(state.Idle), SlotCommands.Script, cancellationToken);
                }

                log.Information("Release {0} is live on slot {1} and healthy: nothing switched, nothing restarted.", id, state.Live);
                return false;
            }

            log.Warning("Release {0} is live but not healthy ({1}); starting it again on the other slot.", id, health.Detail);
        }

        var (from, fromRelease, to) = (state.Live, state.LiveRelease, state.Idle);
        log.Information("Starting release {0} on slot {1} (live: {2})", id, to, from is null ? "none" : $"{fromRelease} on {from}");
        var started = await shell.RunAsync(SlotCommands.Start(to, id, ports.For(to), healthTimeout), cancellationToken);
        var startResult = ScriptResult.Parse(started.Output, SlotCommands.Script);
        if (!startResult.Ok)
        {
            await audit.WriteAsync(action, new Dictionary<string, string?> { ["release"] = id, ["slot"] = to, ["result"] = "failed on the idle slot" }, cancellationToken);
            throw new ReleaseException(
                $"Release {id} failed its health check on slot {to}; nothing was switched: " +
                (from is null ? "no release was serving." : $"{fromRelease} is still serving on slot {from}.") +
                $" slot.sh: {startResult.Error ?? "no error given"}. Its output:{Environment.NewLine}{string.Join(Environment.NewLine, started.Output.Concat(started.Errors).TakeLast(25))}");
        }

        await shell.RunScriptAsync(SlotCommands.Switch(to, ports.For(to)), SlotCommands.Script, cancellationToken);
        var gate = await HealthGate.WaitAsync(shell, ports, Expected(id), TimeSpan.FromSeconds(20), cancellationToken);
        if (!gate.Healthy)
        {
            if (from is not null && state.Running.GetValueOrDefault(from))
            {
                log.Error("Release {0} is not healthy through Nginx ({1}); switching back to slot {2}.", id, gate.Detail, from);
                await shell.RunScriptAsync(SlotCommands.Switch(from, ports.For(from)), SlotCommands.Script, cancellationToken);
                await shell.RunScriptAsync(SlotCommands.Stop(to), SlotCommands.Script, cancellationToken);
            }

            await audit.WriteAsync(action, new Dictionary<string, string?> { ["release"] = id, ["slot"] = to, ["result"] = "failed through nginx, switched back", ["health"] = gate.Detail }, cancellationToken);
            throw new ReleaseException($"Release {id} failed its health check through Nginx ({gate.Detail}); switched back to {fromRelease ?? "nothing"}.");
        }

        if (from is not null && from != to)
        {
            await shell.RunScriptAsync(SlotCommands.Stop(from), SlotCommands.Script, cancellationToken);
        }

        log.Information("Release {0} is live on slot {1}: {2}", id, to, gate.Detail);
        await audit.WriteAsync(action, new Dictionary<string, string?> { ["release"] = id, ["slot"] = to, ["previous"] = fromRelease, ["result"] = "ok" }, cancellationToken);
        return true;
    }

    /// <summary>Restarts the live release through the switch (after a change the API must read), and clears the pending refresh.</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken = default)
    {
        var state = await StateAsync(cancellationToken);
        if (state.LiveRelease is not { } live)
        {
            return false;
        }

        await ActivateAsync(live, "refresh", force: true, cancellationToken);
        await shell.RunScriptAsync(SlotCommands.ClearRefresh(), SlotCommands.Script, cancellationToken);
        return true;
    }

    /// <summary>The placeholder reports no release id; every real release must report its own.</summary>
    private static string? Expected(string release) => release == ServerMap.Placeholder ? null : release;
}
