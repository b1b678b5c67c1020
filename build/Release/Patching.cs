using System.Diagnostics;
using System.Globalization;
using Cake.Core.Diagnostics;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Environments;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;

namespace TableOrder.Build.Release;

/// <summary>What Patch did on one server.</summary>
public sealed record ServerPatch(string Server, IReadOnlyList<PendingUpdate> Updates, RestartNeeds Needs, bool ApiRestarted);

/// <summary>
/// The design's "EC2 patching": Debian's pending updates on every app server, listed (security ones
/// marked), installed with no service restarted by the packages, then what runs old code restarted
/// without a failed request: the API through the zero-downtime slot switch (drained in the load
/// balancer first when there are several servers), Nginx by its graceful on-the-fly upgrade (a reload
/// keeps the old binary), other units as they are. It says whether a reboot is needed; with --reboot it reboots, one server at a time, drained
/// first (one server: the downtime is measured through the site).
/// </summary>
public static class Patching
{
    public static async Task PatchAsync(this BuildContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        await context.HoldAsync();
        context.ServerState = null;
        var servers = context.Deployment.AppServers();
        var balancer = context.Deployment.LoadBalancer();
        var patched = new List<ServerPatch>();
        foreach (var server in servers)
        {
            patched.Add(await PatchOneAsync(context, server, balancer, servers.Count > 1, cancellationToken));
        }

        var needed = patched.Where(p => p.Needs.RebootNeeded).ToList();
        context.Summary.Record("updates", patched.Sum(p => p.Updates.Count));
        context.Summary.Record("security", patched.Sum(p => p.Updates.Count(u => u.Security)));
        context.Summary.Record("apiRestarted", patched.Any(p => p.ApiRestarted));
        context.Summary.Record("nginxUpgraded", patched.Any(p => p.Needs.Nginx));
        context.Summary.Record("rebootNeeded", needed.Count > 0);
        context.Summary.Record("servers", patched.Select(p => new
        {
            server = p.Server,
            updates = p.Updates.Select(u => new { package = u.Package, from = u.Installed, to = u.Candidate, security = u.Security }).ToList(),
            apiRestarted = p.ApiRestarted,
            nginxUpgraded = p.Needs.Nginx,
            restarted = p.Needs.Others,
            rebootNeeded = p.Needs.RebootNeeded,
            rebootReasons = p.Needs.RebootReasons,
        }).ToList());

        if (context.Options.Recovery.Reboot)
        {
            await RebootAsync(context, servers, balancer, cancellationToken);
        }
        else if (needed.Count > 0)
        {
            context.Log.Warning(
                "A reboot is needed on {0} ({1}): run --target=Patch --reboot in a quiet hour.",
                string.Join(", ", needed.Select(p => p.Server)),
                string.Join("; ", needed.SelectMany(p => p.Needs.RebootReasons).Distinct()));
        }
        else
        {
            context.Log.Information("No reboot needed.");
        }
    }

    private static async Task<ServerPatch> PatchOneAsync(BuildContext context, AppServer server, ILoadBalancer? balancer, bool named, CancellationToken cancellationToken)
    {
        var prefix = named ? server.Name + ": " : string.Empty;
        var shell = await server.Connect(TimeSpan.FromSeconds(30));
        var pending = PackageUpdates.ParsePending((await shell.RunAsync(PackageUpdates.Pending(refresh: true), cancellationToken)).Output);
        context.Log.Information("{0}{1} pending updates ({2} security)", prefix, pending.Count, pending.Count(u => u.Security));
        foreach (var update in pending)
        {
            context.Log.Information("  {0}", update);
        }

        var upgraded = pending.Where(u => u.Installed is not null).Select(u => u.Package).ToList();
        using (var step = context.Log.Step($"{prefix}installing {upgraded.Count} updates (no service restarted meanwhile)"))
        {
            await shell.RunAsync(PackageUpdates.Apply(upgraded), cancellationToken);
            step.Done();
        }

        // also with nothing new: a killed run may have installed updates and restarted nothing yet
        var needs = PackageUpdates.ParseNeeds((await shell.RunAsync(PackageUpdates.Needs(), cancellationToken)).Output, upgraded);
        if (needs.Nginx)
        {
            await shell.RunAsync(PackageUpdates.UpgradeNginx(), cancellationToken);
            context.Log.Information("{0}nginx upgraded on the fly (a new master, the old one finishing its requests)", prefix);
        }

        if (needs.Others.Count > 0)
        {
            await shell.RunAsync(PackageUpdates.Restart(needs.Others), cancellationToken);
            context.Log.Information("{0}restarted {1}", prefix, string.Join(", ", needs.Others));
        }

        var apiRestarted = false;
        var live = (await new SlotSwitch(shell, AuditLog.For(shell), context.Log, server.Ports, context.Options.Release.HealthTimeout).StateAsync(cancellationToken)).LiveRelease;
        if (needs.Api && live is not null)
        {
            // the live release again on the idle slot, health-gated, then the switch: no request fails
            await new RollingActivation([server], balancer, context.Log, context.Options.Release.HealthTimeout, 1, context.Options.Scale.DrainTimeout).ActivateAsync(live, "patch", force: true, cancellationToken);
            apiRestarted = true;
        }

        return new ServerPatch(server.Name, pending, needs, apiRestarted);
    }

    /// <summary>One server at a time, drained first; with a single server, its downtime as a client of the site sees it.</summary>
    private static async Task RebootAsync(BuildContext context, IReadOnlyList<AppServer> servers, ILoadBalancer? balancer, CancellationToken cancellationToken)
    {
        var reboots = context.Deployment as IServerReboots ?? throw new NotInThisEnvironmentException($"The {context.Deployment.Name} environment cannot reboot its servers.");
        var rolling = new RollingActivation(servers, balancer, context.Log, context.Options.Release.HealthTimeout, 1, context.Options.Scale.DrainTimeout);
        using var watch = balancer is null ? new DowntimeWatch(context.Deployment.PublicUrl(), context.Deployment.Policy.Tls) : null;
        var rebooted = new List<string>();
        await rolling.EachDrainedAsync(
            async server =>
            {
                using (var step = context.Log.Step($"{server.Name}: rebooting"))
                {
                    var shell = await reboots.RebootAsync(server, cancellationToken);
                    if (server == servers[0])
                    {
                        // the deploy lock lives on the first server: its hold goes on over the new connection
                        context.DeployLock = context.DeployLock?.Over(shell);
                    }

                    var health = await HealthGate.WaitAsync(shell, server.Ports, null, context.Options.Release.HealthTimeout, cancellationToken);
                    if (!health.Healthy)
                    {
                        throw new ReleaseException($"{server.Name} came back from its reboot but its site is not healthy: {health.Detail}");
                    }

                    step.Done();
                }

                rebooted.Add(server.Name);
            },
            cancellationToken);
        context.Summary.Record("rebooted", rebooted);
        if (watch is not null)
        {
            var downtime = await watch.StopAsync(context.Options.Release.HealthTimeout);
            context.Summary.Record("downtimeSeconds", Math.Round(downtime.TotalSeconds, 3));
            context.Log.Information("Reboot: the site was down {0} s (one server: no other to serve meanwhile)", downtime.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture));
        }
    }

    /// <summary>
    /// Asks the site's /api/health every 200 ms from this machine, as a client would, and measures how long
    /// it did not answer 200: from the last good answer before the outage to the first good one after it.
    /// </summary>
    private sealed class DowntimeWatch : IDisposable
    {
        private readonly HttpClient _http;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private TimeSpan? _lastGood;
        private TimeSpan? _downFrom;
        private TimeSpan _down;
        private volatile bool _up = true;

        public DowntimeWatch(Uri site, ServerTls? tls)
        {
            _http = new HttpClient(tls?.Handler() ?? new SocketsHttpHandler()) { Timeout = TimeSpan.FromSeconds(2) };
            var url = new Uri(site, "/api/health");
            _loop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    bool good;
                    try
                    {
                        using var response = await _http.GetAsync(url, _stop.Token);
                        good = response.IsSuccessStatusCode;
                    }
                    catch (Exception failed) when (failed is HttpRequestException or TaskCanceledException)
                    {
                        good = false;
                    }

                    Observe(good);
                    await Task.Delay(200, CancellationToken.None);
                }
            });
        }

        private void Observe(bool good)
        {
            var now = _clock.Elapsed;
            if (good)
            {
                if (_downFrom is { } from)
                {
                    _down += now - from;
                    _downFrom = null;
                }

                _lastGood = now;
            }
            else
            {
                _downFrom ??= _lastGood ?? now;
            }

            _up = good;
        }

        /// <summary>Waits (up to <paramref name="wait"/>) for the site to answer again, then stops; the time it was down.</summary>
        public async Task<TimeSpan> StopAsync(TimeSpan wait)
        {
            var deadline = DateTime.UtcNow + wait;
            while (!_up && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }

            await _stop.CancelAsync();
            await _loop;
            return _down + (_downFrom is { } from ? _clock.Elapsed - from : TimeSpan.Zero);
        }

        public void Dispose()
        {
            _stop.Dispose();
            _http.Dispose();
        }
    }
}
