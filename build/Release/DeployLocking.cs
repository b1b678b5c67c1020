using Cake.Core.Diagnostics;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Remote;

namespace TableOrder.Build.Release;

/// <summary>
/// One deploy lock for the whole run: taken by the first task that changes the server (Bootstrap
/// in a Deploy) and held to the end, so Bootstrap's restarts, the release, the migrations and the
/// switch never run beside another deploy. Every step is in the server's audit log.
/// </summary>
public static class DeployLocking
{
    public static async Task<DeployLock> HoldAsync(this BuildContext context, string? release = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.DeployLock?.Held is not null)
        {
            return context.DeployLock;
        }

        var server = await context.Deployment.ServerAsync();
        var action = string.Join('+', context.Options.Targets).ToLowerInvariant();
        var deployLock = new DeployLock(server, context.Log);
        LockHolder holder;
        try
        {
            holder = await deployLock.AcquireAsync(AuditLog.CurrentActor(), action, release, context.Options.Release.LockWait);
        }
        catch (DeployLockedException locked)
        {
            await AuditLog.For(server).WriteAsync("lock-refused", new Dictionary<string, string?> { ["for"] = action, ["release"] = release, ["holder"] = locked.Holder.ToString() });
            throw;
        }

        // Handed off at once: an interruption from here on releases it.
        context.DeployLock = deployLock;
        context.Log.Information("Deploy lock: taken by {0}", holder);
        await AuditLog.For(server).WriteAsync("lock-acquired", new Dictionary<string, string?> { ["for"] = action, ["release"] = release });
        return deployLock;
    }

    /// <summary>Ends the run's hold: records how it went and releases the lock this build holds.</summary>
    public static async Task FinishAsync(this BuildContext context, bool succeeded, Exception? error)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.DeployLock?.Held is not { } held)
        {
            return;
        }

        var server = await context.Deployment.ServerAsync();
        var audit = AuditLog.For(server);
        await audit.WriteAsync(
            held.Action + (succeeded ? "-finished" : "-failed"),
            new Dictionary<string, string?> { ["release"] = context.Release?.Id ?? held.Release, ["error"] = error is null ? null : context.Masker.Apply(error.Message.Split('\n')[0]) });
        await context.DeployLock.ReleaseAsync();
        await audit.WriteAsync("lock-released", new Dictionary<string, string?> { ["release"] = context.Release?.Id ?? held.Release });
    }
}
