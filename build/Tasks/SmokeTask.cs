using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Configuration;
using TableOrder.Build.Release;
using TableOrder.Build.Server;
using TableOrder.Build.Signals;
using TableOrder.Build.Smoke;

namespace TableOrder.Build.Tasks;

[TaskName("Smoke")]
[TaskDescription("Smoke checks through Nginx: the three UIs, /api/health (database and Redis ok), an SSE round trip via Redis, a customer's order seen on the staff stream. A failure switches back to the previous release.")]
[IsDependentOn(typeof(ActivateTask))]
[UsesArguments("domain")]
public sealed class SmokeTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        context.Summary.Record("site", context.Deployment.Policy.SiteProtocol);

        // Nothing in this run changed the server, and the probe found this release live and healthy
        // through Nginx (database and Redis ok): the smoke checks passed when it went live.
        if (context.Release is { } release && context.ServerState is { } state && state.Slots.LiveRelease == release.Id && state.HealthyFor(release.Id))
        {
            context.Summary.Record("skipped", ServerState.UpToDate);
            context.Log.Information("Smoke: nothing changed; release {0} is live and healthy.", release.Id);
            return;
        }

        var tls = context.Deployment.Policy.Tls;
        using var http = SmokeClient.Create(tls);
        try
        {
            var site = context.Deployment.PublicUrl();
            var checks = await new SmokeChecks(http, site, context.Log)
            {
                StaffToken = await context.Deployment.StaffTokenAsync(),
                HttpRedirectFrom = tls is null ? null : new UriBuilder("http", tls.Domain, context.Deployment.Ports.Http).Uri,
            }.RunAllAsync(context.Release?.Id, Interruption.Process.Token);
            context.Summary.Record("checks", checks);
            context.Summary.Record("url", site.ToString());
        }
        catch (SmokeCheckException failed) when (!Interruption.Process.IsRequested)
        {
            context.Summary.Record("failedCheck", failed.Check);
            if (context.Release is null)
            {
                throw;
            }

            // What was just activated failed from the outside: the previous release goes back live.
            var server = await context.Deployment.ServerAsync();
            var previous = await new ServerReleases(server, context.Log).PreviousAsync();
            if (previous is null || previous == context.Release.Id)
            {
                throw;
            }

            context.Log.Error("Smoke check '{0}' failed: switching back to release {1}.", failed.Check, previous);
            await context.RollOutAsync(previous, "smoke-rollback", force: true);
            context.Summary.Record("rolledBackTo", previous);
            throw new ReleaseException($"{failed.Message} Rolled back to release {previous}, which is serving again.");
        }
    }
}
