using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Server;

namespace TableOrder.Build.Tasks;

[TaskName("Bootstrap")]
[TaskDescription("Installs and configures the server over SSH (Nginx, Python venv, systemd unit, CloudWatch agent in production); idempotent.")]
[IsDependentOn(typeof(WaitForServerTask))]
public sealed class BootstrapTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var server = await context.ServerAsync();
        await DeployScripts.UploadAsync(server, Path.Combine(context.Options.RootDirectory, "app-deploy"));

        var result = await ServerBootstrap.RunAsync(
            server,
            context.Options.EnvironmentName,
            context.ServerPorts,
            cloudWatch: context.IsProduction,
            pythonDeps: context.IsProduction ? "pip" : "distro");

        var settingsChanged = false;
        if (!context.IsProduction)
        {
            var settings = context.LocalEnvironment.AppSettings();
            context.Masker.Add(context.LocalEnvironment.Secrets.DatabasePassword);
            context.Masker.Add(context.LocalEnvironment.Secrets.RedisPassword);

            settingsChanged = await AppEnvironmentFile.WriteAsync(server, AppEnvironmentFile.Render(settings));
            if (settingsChanged)
            {
                await server.RunAsync("sudo -n systemctl try-restart tableorder-api.service", new() { Description = "restart the API for its new settings" });
            }
        }

        context.Log.Information(
            result.Changed || settingsChanged
                ? $"Bootstrap: {result.Changes} changes on the server{(settingsChanged ? ", app settings updated" : string.Empty)}."
                : "Bootstrap: no changes.");
    }
}
