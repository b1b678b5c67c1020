using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Aws;
using TableOrder.Build.Remote;
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
        if (context.IsProduction)
        {
            // The database password never leaves AWS: the server reads the RDS-managed secret with its instance role.
            var outputs = context.ProductionOutputs();
            var script = ServerSideSecret.EnvFileScript(new ServerSideSecretSettings
            {
                SecretArn = outputs.DbSecretArn ?? throw new InvalidOperationException("The terraform outputs have no db_secret_arn."),
                Region = outputs.Region ?? "ap-northeast-2",
                DbHost = outputs.DbEndpoint ?? throw new InvalidOperationException("The terraform outputs have no db_endpoint."),
                DbPort = outputs.DbPort ?? 5432,
                DbName = outputs.DbName ?? "tableorder",
                RedisUrl = $"redis://{outputs.RedisEndpoint}:{outputs.RedisPort ?? 6379}/0",
                Settings = new Dictionary<string, string>
                {
                    ["TABLEORDER_ENVIRONMENT"] = "production",
                    ["S3_BUCKET"] = outputs.BucketName ?? string.Empty,
                    ["AWS_REGION"] = outputs.Region ?? "ap-northeast-2",
                },
            });
            var written = await server.RunAsync(Shell.Sudo(script), new RemoteRunOptions { Description = "write the env file from the RDS secret", Stream = false });
            settingsChanged = written.Output.Any(l => l.Trim() == "changed");
            await new ParameterStoreSettings(await context.SsmAsync(), context.Log).SyncAsync(ParameterStoreSettings.FromOutputs(outputs));
        }
        else
        {
            var settings = context.LocalEnvironment.AppSettings();
            settingsChanged = await AppEnvironmentFile.WriteAsync(server, AppEnvironmentFile.Render(settings));
        }

        if (settingsChanged)
        {
            await server.RunAsync("sudo -n systemctl try-restart tableorder-api.service", new() { Description = "restart the API for its new settings" });
        }

        context.Log.Information(
            result.Changed || settingsChanged
                ? $"Bootstrap: {result.Changes} changes on the server{(settingsChanged ? ", app settings updated" : string.Empty)}."
                : "Bootstrap: no changes.");
    }
}
