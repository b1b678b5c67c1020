using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Release;
using TableOrder.Build.Server;

namespace TableOrder.Build.Tasks;

[TaskName("Bootstrap")]
[TaskDescription("Takes the deploy lock, then installs and configures the server (Nginx, Python venv, systemd unit, CloudWatch agent where the environment has it) and its settings; idempotent.")]
[IsDependentOn(typeof(WaitForServerTask))]
public sealed class BootstrapTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var deployment = context.Deployment;
        var server = await deployment.ServerAsync();
        await context.HoldAsync();
        await DeployScripts.UploadAsync(server, Path.Combine(context.Options.RootDirectory, "app-deploy"));
        BootstrapResult result;
        using (var step = context.Log.Step("Bootstrap: bootstrap.sh on the server (apt, venv, units, site)"))
        {
            result = await ServerBootstrap.RunAsync(server, deployment.Ports, deployment.Policy);
            step.Done();
        }

        var settingsChanged = await deployment.WriteAppSettingsAsync(server, context.Summary);

        // New settings or a changed unit reach the API through the slot switch: no request fails.
        var slots = new SlotSwitch(server, AuditLog.For(server), context.Log, deployment.Ports, context.Options.Release.HealthTimeout);
        var refresh = settingsChanged || (await slots.StateAsync()).Pending.Contains("api-refresh");
        var restarted = refresh && await slots.RefreshAsync();

        context.Summary.Record("changes", result.Changes);
        context.Summary.Record("settingsChanged", settingsChanged);
        context.Summary.Record("restarted", restarted);
        context.Log.Information(
            result.Changed || settingsChanged
                ? $"Bootstrap: {result.Changes} changes on the server{(settingsChanged ? ", app settings updated" : string.Empty)}."
                : "Bootstrap: no changes.");
    }
}
