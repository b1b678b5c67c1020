using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Configuration;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Environments;
using TableOrder.Build.Release;
using TableOrder.Build.Server;

namespace TableOrder.Build.Tasks;

[TaskName("Bootstrap")]
[TaskDescription("Takes the deploy lock, then installs and configures the server (Nginx, Python venv, systemd unit, CloudWatch agent where the environment has it) and its settings; idempotent. Every app server, one after the other.")]
[IsDependentOn(typeof(WaitForServerTask))]
[UsesArguments("ssh-key", "ssh-host-key", "transport", "domain", "http-only", "lock-wait")]
public sealed class BootstrapTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var deployment = context.Deployment;
        var appDeploy = Path.Combine(context.Options.RootDirectory, "app-deploy");
        var extraFiles = deployment.Policy.UploadFiles();
        var scripts = DeployScripts.Fingerprint(appDeploy, extraFiles);

        context.Summary.Record("site", deployment.Policy.SiteProtocol);
        context.Summary.Record("domain", deployment.Policy.Tls?.Domain);
        if (deployment.Policy.HttpsOff)
        {
            context.Summary.Record("httpsTurnedOff", deployment.Policy.DroppedDomain ?? string.Empty);
            context.Log.Warning(SiteDomain.HstsWarning(deployment.Policy.DroppedDomain ?? "<the site's domain>"));
        }
        else if (deployment.Policy.Tls is null)
        {
            context.Log.Warning("Bootstrap: the stack has no domain, so the site serves plain HTTP only (no certificate, no HTTPS). Add --domain=<name> whose DNS points at the server for HTTPS; later Deploys keep it.");
        }

        // One server (the probe is for one) on which what bootstrap.sh would install was installed by
        // the last one that finished, nothing is pending, and the settings files are what this machine
        // would write: nothing to do on the server.
        var state = context.ServerState;
        var settings = deployment.SettingsChecksums();
        if (state is { Locked: false, Intact: true } && state.Scripts == scripts && state.Bootstrap == DeployScripts.BootstrapFingerprint(scripts, deployment.Ports, deployment.Policy) &&
            state.Slots.Pending.Count == 0 && settings is not null && settings.All(s => state.Files.GetValueOrDefault(s.Key) == s.Value))
        {
            context.Summary.Record("skipped", ServerState.UpToDate);
            context.Summary.Record("changes", 0);
            context.Summary.Record("changed", Array.Empty<string>());
            context.Summary.Record("settingsChanged", false);
            context.Summary.Record("restarted", false);
            context.Log.Information("Bootstrap: up to date (same scripts and settings, nothing pending).");
            SiteDomain.Record(context.Options.StateDirectory, deployment.Policy.Tls?.Domain);
            return;
        }

        await deployment.ServerAsync();
        await context.HoldAsync();
        var servers = deployment.AppServers();
        var (changes, anySettings, anyRestarted) = (0, false, false);
        var perServer = new List<object>();
        var changed = new List<string>();
        foreach (var app in servers)
        {
            var server = await app.Connect(TimeSpan.FromSeconds(30));
            await DeployScripts.UploadAsync(server, appDeploy, extraFiles);
            BootstrapResult result;
            var where = servers.Count > 1 ? $" on {app.Name}" : " on the server";
            using (var step = context.Log.Step($"Bootstrap: bootstrap.sh{where} (apt, venv, units, site)"))
            {
                result = await ServerBootstrap.RunAsync(server, app.Ports, deployment.Policy, DeployScripts.BootstrapFingerprint(scripts, app.Ports, deployment.Policy));
                step.Done();
            }

            var settingsChanged = await deployment.WriteAppSettingsAsync(server, context.Summary);

            // New settings or a changed unit reach the API through the slot switch: no request fails.
            var slots = new SlotSwitch(server, AuditLog.For(server), context.Log, app.Ports, context.Options.Release.HealthTimeout);
            var refresh = settingsChanged || (await slots.StateAsync()).Pending.Contains("api-refresh");
            var restarted = refresh && await slots.RefreshAsync();
            (changes, anySettings, anyRestarted) = (changes + result.Changes, anySettings || settingsChanged, anyRestarted || restarted);
            changed.AddRange(servers.Count > 1 ? result.What.Select(w => $"{app.Name}: {w}") : result.What);
            perServer.Add(new { server = app.Name, changes = result.Changes, changed = result.What, settingsChanged, restarted });
            context.Log.Information(
                result.Changed || settingsChanged
                    ? $"Bootstrap: {result.Changes} changes{where}{(settingsChanged ? ", app settings updated" : string.Empty)}."
                    : servers.Count > 1 ? $"Bootstrap: no changes{where}." : "Bootstrap: no changes.");
        }

        // what the servers now serve is the stack's domain: later runs without --domain keep it
        SiteDomain.Record(context.Options.StateDirectory, deployment.Policy.Tls?.Domain);
        if (changes > 0 || anySettings || anyRestarted)
        {
            context.ServerState = null;
        }

        context.Summary.Record("scriptsRan", true);
        context.Summary.Record("changes", changes);
        context.Summary.Record("changed", changed);
        context.Summary.Record("settingsChanged", anySettings);
        context.Summary.Record("restarted", anyRestarted);
        if (servers.Count > 1)
        {
            context.Summary.Record("servers", perServer);
        }
    }
}
