using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Configuration;
using TableOrder.Build.Release;

namespace TableOrder.Build.Tasks;

[TaskName("Lock")]
[TaskDescription("Shows who holds the deploy lock; --unlock removes a stale one (recorded in the audit log).")]
[UsesArguments("ssh-key", "ssh-host-key", "transport", "unlock")]
public sealed class LockTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var server = await context.Deployment.ServerAsync();
        var deployLock = new DeployLock(server, context.Log);
        var holder = await deployLock.ShowAsync();
        context.Log.Information("Deploy lock: {0}", holder?.ToString() ?? "free");
        context.Summary.Record("holder", holder?.ToString());
        if (holder is not null && context.Options.Release.Unlock)
        {
            await deployLock.ForceReleaseAsync();
            await AuditLog.For(server).WriteAsync("lock-removed", new Dictionary<string, string?> { ["holder"] = holder.ToString() });
            context.Summary.Record("removed", true);
            context.Log.Warning("Deploy lock removed (it was held by {0}).", holder);
        }
    }
}
