using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Aws;
using TableOrder.Build.Remote;

namespace TableOrder.Build.Tasks;

[TaskName("WaitForServer")]
[TaskDescription("Waits until the app server answers SSH with its pinned host key and has finished booting.")]
[IsDependentOn(typeof(ProvisionTask))]
public sealed class WaitForServerTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        if (context.IsProduction)
        {
            var instanceId = context.ProductionOutputs().InstanceId ?? throw new InvalidOperationException("The terraform outputs have no instance_id.");
            await new Ec2Instances(await context.Ec2Async(), context.Log).WaitUntilReadyAsync(instanceId, TimeSpan.FromMinutes(10));
        }

        var server = await context.ServerAsync(waitFor: TimeSpan.FromMinutes(3));

        // cloud-init (EC2) and the machine's own boot must be done before packages are installed.
        var state = await server.RunAsync(
            "if command -v cloud-init >/dev/null; then cloud-init status --wait >/dev/null || true; fi; systemctl is-system-running --wait || true",
            new RemoteRunOptions { Description = "wait for boot to finish", Stream = false, Timeout = TimeSpan.FromMinutes(10) });
        context.Log.Information("{0}: reachable over SSH; system {1}.", server.Label, state.Text.Trim());
    }
}
