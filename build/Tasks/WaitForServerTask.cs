using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Configuration;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Environments;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;

namespace TableOrder.Build.Tasks;

[TaskName("WaitForServer")]
[TaskDescription("Waits until the app server exists, answers SSH with its pinned host key, and has finished booting.")]
[IsDependentOn(typeof(ProvisionTask))]
[UsesArguments("ssh-key", "ssh-host-key", "transport")]
public sealed class WaitForServerTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        IRemoteShell server;
        BootState state;
        using (var step = context.Log.Step("Waiting for the server: SSH with the pinned host key, then boot"))
        {
            server = await context.Deployment.WaitForServerAsync();

            // One call learns the whole server; later tasks skip what already matches it.
            var probe = await ServerProbe.ReadAsync(server, context.Deployment.Ports.Http, context.Deployment.Policy.Tls);
            if (probe.Booted)
            {
                context.ServerState = probe;
                state = new BootState(probe.System, probe.CloudInit);
            }
            else
            {
                // cloud-init (EC2) and the machine's own boot must be done before packages are installed;
                // what the probe saw while booting is not what the tasks will find: no skipping.
                state = ServerBootstrap.ParseBootState((await server.RunAsync(ServerBootstrap.WaitForBoot())).Output);
            }

            step.Done();
        }

        // The probe speaks for one server; a fleet (several behind a load balancer) takes the full path.
        var others = context.Deployment.AppServers().Skip(1).ToList();
        if (others.Count > 0)
        {
            context.ServerState = null;
        }

        context.Summary.Record("system", state.System);
        context.Summary.Record("cloudInit", state.CloudInit);
        context.Summary.Record("probed", context.ServerState is not null);
        context.Log.Information("{0}: reachable; system {1}; cloud-init {2}.", server.Label, state.System, state.CloudInit);
        if (state.CloudInitFailed)
        {
            // Bootstrap installs Debian's packages itself; what it cannot install (AWS's agents) it reports.
            context.Log.Warning("{0}: cloud-init ended with an error; the first-boot script's output is in /var/log/cloud-init-output.log on the server.", server.Label);
        }

        // The other app servers (several behind a load balancer) the same way.
        foreach (var other in others)
        {
            var shell = await other.Connect(TimeSpan.FromMinutes(3));
            var booted = ServerBootstrap.ParseBootState((await shell.RunAsync(ServerBootstrap.WaitForBoot())).Output);
            context.Log.Information("{0} ({1}): reachable; system {2}; cloud-init {3}.", other.Name, shell.Label, booted.System, booted.CloudInit);
        }
    }
}
