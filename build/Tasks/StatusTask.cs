using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Release;
using TableOrder.Build.Remote;

namespace TableOrder.Build.Tasks;

[TaskName("Status")]
[TaskDescription("Shows the current release, the kept releases, the deploy lock and the state of the services.")]
public sealed class StatusTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var server = await context.Deployment.ServerAsync();
        var releases = new ServerReleases(server, context.Log);
        var current = await releases.CurrentAsync();
        var previous = await releases.PreviousAsync();
        context.Log.Information("Current release:  {0}", current ?? "none");
        context.Log.Information("Previous release: {0}", previous ?? "none");
        context.Log.Information("Kept releases:    {0}", string.Join(", ", await releases.ListAsync()));
        var slots = await new SlotSwitch(server, AuditLog.For(server), context.Log, context.Deployment.Ports, context.Options.Release.HealthTimeout).StateAsync();
        context.Log.Information("Live slot:        {0}", slots.Live ?? "none");
        foreach (var slot in SlotState.Names)
        {
            context.Log.Information("Slot {0,-6}      {1} ({2})", slot + ":", slots.Releases.GetValueOrDefault(slot) ?? "empty", slots.Running.GetValueOrDefault(slot) ? "running" : "stopped");
        }

        if (slots.Pending.Count > 0)
        {
            context.Log.Warning("Pending on the server: {0} (the next Bootstrap or Deploy finishes them)", string.Join(", ", slots.Pending));
        }

        var holder = await new DeployLock(server, context.Log).ShowAsync();
        context.Log.Information("Deploy lock:      {0}", holder?.ToString() ?? "free");
        foreach (var line in (await server.RunAsync(ReleaseCommands.ServiceStates())).Output)
        {
            context.Log.Information("Service:          {0}", line);
        }

        var health = await HealthGate.WaitAsync(server, context.Deployment.Ports.Http, null, TimeSpan.FromSeconds(3));
        context.Log.Information("Health:           {0}", health.Detail);
        context.Summary.Record("current", current);
        context.Summary.Record("previous", previous);
        context.Summary.Record("lock", holder?.ToString());
        context.Summary.Record("live", slots.Live);
        context.Summary.Record("pending", slots.Pending);
        context.Summary.Record("healthy", health.Healthy);
    }
}
