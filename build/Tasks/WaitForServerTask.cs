using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Environments;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;

namespace TableOrder.Build.Tasks;

[TaskName("WaitForServer")]
[TaskDescription("Waits until the app server exists, answers SSH with its pinned host key, and has finished booting.")]
[IsDependentOn(typeof(ProvisionTask))]
public sealed class WaitForServerTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        IRemoteShell server;
        RemoteResult state;
        using (var step = context.Log.Step("Waiting for the server: SSH with the pinned host key, then boot"))
        {
            server = await context.Deployment.WaitForServerAsync();

            // cloud-init (EC2) and the machine's own boot must be done before packages are installed.
            state = await server.RunAsync(ServerBootstrap.WaitForBoot());
            step.Done();
        }

        context.Summary.Record("system", state.Text.Trim());
        context.Log.Information("{0}: reachable; system {1}.", server.Label, state.Text.Trim());

        // The other app servers (several behind a load balancer) the same way.
        foreach (var other in context.Deployment.AppServers().Skip(1))
        {
            var shell = await other.Connect(TimeSpan.FromMinutes(3));
            var booted = await shell.RunAsync(ServerBootstrap.WaitForBoot());
            context.Log.Information("{0} ({1}): reachable; system {2}.", other.Name, shell.Label, booted.Text.Trim());
        }
    }
}
