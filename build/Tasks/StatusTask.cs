using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Configuration;
using TableOrder.Build.Environments;
using TableOrder.Build.Recovery;
using TableOrder.Build.Release;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;

namespace TableOrder.Build.Tasks;

[TaskName("Status")]
[TaskDescription("Shows the current release, the kept releases, the deploy lock, the state of the services and the pending updates (of every app server, and the load balancer's view of them), the database's restorable window and its snapshots.")]
[UsesArguments("ssh-key", "ssh-host-key", "transport")]
public sealed class StatusTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var servers = context.Deployment.AppServers();
        var balancer = context.Deployment.LoadBalancer();
        var balanced = balancer is null ? [] : await balancer.ServersAsync();
        var perServer = new List<object>();
        var unreachable = new List<string>();
        foreach (var app in servers)
        {
            if (servers.Count > 1)
            {
                context.Log.Information("Server {0}:", app.Name);
            }

            IRemoteShell server;
            try
            {
                server = await app.Connect(servers.Count > 1 ? TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(30));
            }
            catch (Exception unanswered) when (servers.Count > 1 && unanswered is RemoteException or Local.LocalEnvironmentException or Aws.AwsException)
            {
                // One dead server of a fleet must not hide the others: report it, go on, fail at the end.
                var state = balanced.FirstOrDefault(b => b.Name == app.Name)?.Status;
                context.Log.Warning("Unreachable:      {0}", unanswered.Message);
                perServer.Add(new { server = app.Name, reachable = false, error = unanswered.Message, balancer = state });
                unreachable.Add(app.Name);
                continue;
            }

            var releases = new ServerReleases(server, context.Log);
            var current = await releases.CurrentAsync();
            var previous = await releases.PreviousAsync();
            context.Log.Information("Current release:  {0}", current ?? "none");
            context.Log.Information("Previous release: {0}", previous ?? "none");
            context.Log.Information("Kept releases:    {0}", string.Join(", ", await releases.ListAsync()));
            var slots = await new SlotSwitch(server, AuditLog.For(server), context.Log, app.Ports, context.Options.Release.HealthTimeout).StateAsync();
            context.Log.Information("Live slot:        {0}", slots.Live ?? "none");
            foreach (var slot in SlotState.Names)
            {
                context.Log.Information("Slot {0,-6}      {1} ({2})", slot + ":", slots.Releases.GetValueOrDefault(slot) ?? "empty", slots.Running.GetValueOrDefault(slot) ? "running" : "stopped");
            }

            if (slots.Pending.Count > 0)
            {
                context.Log.Warning("Pending on the server: {0} (the next Bootstrap or Deploy finishes them)", string.Join(", ", slots.Pending));
            }

            // The deploy lock lives on the first server only: one lock for the whole fleet.
            string? holder = null;
            if (app == servers[0])
            {
                holder = (await new DeployLock(server, context.Log).ShowAsync())?.ToString();
                context.Log.Information("Deploy lock:      {0}", holder ?? "free");
            }

            foreach (var line in (await server.RunAsync(ReleaseCommands.ServiceStates())).Output)
            {
                context.Log.Information("Service:          {0}", line);
            }

            var health = await HealthGate.WaitAsync(server, app.Ports, null, TimeSpan.FromSeconds(3));
            context.Log.Information("Health:           {0}", health.Detail);
            var updates = PackageUpdates.ParsePending((await server.RunAsync(PackageUpdates.Pending(refresh: false))).Output);
            context.Log.Information("Updates:          {0} pending, {1} security (as of the server's package lists; --target=Patch installs them)", updates.Count, updates.Count(u => u.Security));
            var inBalancer = balanced.FirstOrDefault(b => b.Name == app.Name);
            if (inBalancer is not null)
            {
                context.Log.Information("Load balancer:    {0} ({1} open sessions)", inBalancer.Status, inBalancer.Sessions);
            }

            if (app == servers[0])
            {
                context.Summary.Record("current", current);
                context.Summary.Record("previous", previous);
                context.Summary.Record("lock", holder);
                context.Summary.Record("live", slots.Live);
                context.Summary.Record("pending", slots.Pending);
                context.Summary.Record("healthy", health.Healthy);
                context.Summary.Record("pendingUpdates", updates.Count);
                context.Summary.Record("securityUpdates", updates.Count(u => u.Security));
            }

            perServer.Add(new { server = app.Name, reachable = true, current, previous, live = slots.Live, pending = slots.Pending, healthy = health.Healthy, balancer = inBalancer?.Status, pendingUpdates = updates.Count, securityUpdates = updates.Count(u => u.Security) });
        }

        if (servers.Count > 1)
        {
            context.Summary.Record("servers", perServer);
        }

        await context.ShowBackupsAsync();

        if (unreachable.Count > 0)
        {
            throw new RemoteException(
                $"{string.Join(", ", unreachable)} did not answer; the other servers are reported above (and in last-run.json). Bring it back (locally --target=Provision starts a stopped machine; in AWS the Auto Scaling group replaces a failed instance), then run Status again.");
        }
    }
}
