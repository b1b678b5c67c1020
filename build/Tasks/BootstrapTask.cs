using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Environments;
using TableOrder.Build.Release;
using TableOrder.Build.Server;

namespace TableOrder.Build.Tasks;

[TaskName("Bootstrap")]
[TaskDescription("Takes the deploy lock, then installs and configures the server (Nginx, Python venv, systemd unit, CloudWatch agent where the environment has it) and its settings; idempotent. Every app server, one after the other.")]
[IsDependentOn(typeof(WaitForServerTask))]
public sealed class BootstrapTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var deployment = context.Deployment;
        await deployment.ServerAsync();
        await context.HoldAsync();
        var servers = deployment.AppServers();
        var (changes, anySettings, anyRestarted) = (0, false, false);
        var perServer = new List<object>();
        foreach (var app in servers)
        {
            var server = await app.Connect(TimeSpan.FromSeconds(30));
            await DeployScripts.UploadAsync(server, Path.Combine(context.Options.RootDirectory, "app-deploy"));
            BootstrapResult result;
            var where = servers.Count > 1 ? $" on {app.Name}" : " on the server";
            using (var step = context.Log.Step($"Bootstrap: bootstrap.sh{where} (apt, venv, units, site)"))
            {
                result = await ServerBootstrap.RunAsync(server, app.Ports, deployment.Policy);
                step.Done();
            }

            var settingsChanged = await deployment.WriteAppSettingsAsync(server, context.Summary);

            // New settings or a changed unit reach the API through the slot switch: no request fails.
            var slots = new SlotSwitch(server, AuditLog.For(server), context.Log, app.Ports, context.Options.Release.HealthTimeout);
            var refresh = settingsChanged || (await slots.StateAsync()).Pending.Contains("api-refresh");
            var restarted = refresh && await slots.RefreshAsync();
            (changes, anySettings, anyRestarted) = (changes + result.Changes, anySettings || settingsChanged, anyRestarted || restarted);
            perServer.Add(new { server = app.Name, changes = result.Changes, settingsChanged, restarted });
            context.Log.Information(
                result.Changed || settingsChanged
                    ? $"Bootstrap: {result.Changes} changes{where}{(settingsChanged ? ", app settings updated" : string.Empty)}."
                    : servers.Count > 1 ? $"Bootstrap: no changes{where}." : "Bootstrap: no changes.");
        }

        context.Summary.Record("changes", changes);
        context.Summary.Record("settingsChanged", anySettings);
        context.Summary.Record("restarted", anyRestarted);
        if (servers.Count > 1)
        {
            context.Summary.Record("servers", perServer);
        }
    }
}
