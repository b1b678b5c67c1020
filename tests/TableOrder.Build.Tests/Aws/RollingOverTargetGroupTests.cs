using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using TableOrder.Build.Aws;
using TableOrder.Build.Environments;
using TableOrder.Build.Release;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;
using TableOrder.Build.Testing;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Aws;

/// <summary>
/// The rolling roll-out (RollingActivation, unchanged) over the ALB's target group in the rehearsal's
/// moto, whose bridge moves a real HAProxy: three servers, each a fake of slot.sh's answers that notes
/// whether the target group still had it (its target registered) when Nginx switched.
/// </summary>
[Trait("Category", "Unit")]
[Collection(SharedMoto.Name)]
public sealed partial class RollingOverTargetGroupTests : IAsyncLifetime, IDisposable
{
    private readonly MotoAws _moto;
    private readonly AwsQueryApi _elb;
    private readonly RecordingLog _log = new();
    private readonly ConcurrentQueue<string> _timeline = new();
    private MotoFleet _fleet = null!;
    private BalancedMachines _machines = null!;
    private List<SlotServer> _servers = null!;

    public RollingOverTargetGroupTests(MotoAws moto)
    {
        ArgumentNullException.ThrowIfNull(moto);
        moto.Reset();
        _moto = moto;
        _elb = moto.LoadBalancing();
    }

    public async Task InitializeAsync()
    {
        // the group's servers are in service: registered, and HAProxy's checks call them healthy
        _fleet = await MotoFleet.CreateAsync(_moto, servers: 3, inService: false);
        _machines = new BalancedMachines(_moto, _fleet.Instances);
        foreach (var instance in _fleet.Instances)
        {
            await _fleet.CompleteAsync(instance, "CONTINUE");
        }

        _servers = [.. _fleet.Instances.Select(id => new SlotServer(id, _fleet, _timeline) { Live = "old" })];
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _machines?.Dispose();
        _elb.Dispose();
    }

    private RollingActivation Rolling() => new(
        [.. _servers.Select(s => new AppServer(s.Label, ServerPorts.Production, _ => Task.FromResult<IRemoteShell>(s)))],
        new TargetGroupLoadBalancer(_elb, _fleet.TargetGroupArn, new Uri("http://alb.example/"), _log, new TargetGroupTimeouts(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30)), MotoAws.Fast),
        _log,
        TimeSpan.FromSeconds(5),
        batchSize: 1,
        drainTimeout: TimeSpan.FromSeconds(1));

    [Fact]
    public async Task Each_server_switches_only_while_out_of_the_target_group_and_comes_back_healthy_before_the_next()
    {
        var results = await Rolling().ActivateAsync("new", "activate");

        Assert.All(results, r => Assert.Equal("switched", r.Result));
        Assert.All(_servers, s => Assert.Equal("new", s.Live));
        Assert.Equal(_fleet.Instances.Select(id => $"switch {id} registered=False others=2"), _timeline.Where(e => e.StartsWith("switch", StringComparison.Ordinal)));
        Assert.Equal(_fleet.Instances.ToDictionary(id => id, _ => "healthy"), await _fleet.TargetsAsync());
    }

    [Fact]
    public async Task A_server_whose_release_fails_stops_the_roll_out_and_the_ones_done_switch_back()
    {
        _servers[1].FailingRelease = "new";

        var stopped = await Assert.ThrowsAsync<RolloutException>(() => Rolling().ActivateAsync("new", "activate"));

        Assert.Equal(["rolled-back", "failed", "not-reached"], stopped.Servers.Select(s => s.Result));
        Assert.All(_servers, s => Assert.Equal("old", s.Live));
        Assert.DoesNotContain(_timeline, e => e.Contains(_servers[2].Label, StringComparison.Ordinal));
        Assert.Equal(_fleet.Instances.ToDictionary(id => id, _ => "healthy"), await _fleet.TargetsAsync());
    }

    /// <summary>One server's slot.sh and health answers: a live release that switches when told to.</summary>
    private sealed partial class SlotServer(string instanceId, MotoFleet fleet, ConcurrentQueue<string> timeline) : IRemoteShell
    {
        private readonly Dictionary<string, (string? Release, bool Running)> _slots = new() { ["blue"] = (null, false), ["green"] = (null, false) };
        private string _live = "blue";

        public string Label => instanceId;

        public string? FailingRelease { get; set; }

        public string? Live
        {
            get => _slots[_live].Release;
            init => _slots[_live] = (value, true);
        }

        public async Task<RemoteResult> RunAsync(string command, RemoteRunOptions? options = null, CancellationToken cancellationToken = default)
        {
            if (SlotScript().Match(command) is { Success: true } slot)
            {
                var words = slot.Groups[1].Value.Split(' ');
                switch (words[0])
                {
                    case "state":
                        return SlotAnswer(0, "state", [$"live={_live}", .. _slots.Select(s => $"{s.Key}={s.Value.Release} {(s.Value.Running ? "active" : "inactive")}")]);
                    case "start":
                        if (words[2] == FailingRelease)
                        {
                            return SlotAnswer(1, "start", ["unhealthy after 5s: HTTP 502"]);
                        }

                        _slots[words[1]] = (words[2], true);
                        break;
                    case "switch":
                        var registered = (await fleet.TargetsAsync()).Where(t => t.Value is not ("unused" or "draining")).Select(t => t.Key).ToList();
                        timeline.Enqueue($"switch {instanceId} registered={registered.Contains(instanceId)} others={registered.Count(id => id != instanceId)}");
                        _live = words[1];
                        break;
                    case "stop":
                        _slots[words[1]] = (_slots[words[1]].Release, false);
                        break;
                }

                return SlotAnswer(0, words[0], []);
            }

            if (command.Contains("/api/health", StringComparison.Ordinal))
            {
                timeline.Enqueue($"healthy {instanceId}");
                return Answer(0, [$"healthy: {{\"status\": \"ok\", \"release\": \"{Live}\"}}"]);
            }

            // the audit log's append
            return Answer(0, []);
        }

        public Task UploadAsync(Stream content, string remotePath, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public void Dispose()
        {
        }

        private static RemoteResult Answer(int code, string[] lines) => new(code, lines, []);

        /// <summary>slot.sh's output: its lines, then its result line.</summary>
        private static RemoteResult SlotAnswer(int code, string command, string[] lines) =>
            Answer(code, [.. lines, $"{ScriptResult.Prefix}{{\"script\":\"slot\",\"ok\":{(code == 0 ? "true" : "false")},\"exit\":{code},\"command\":\"{command}\"}}"]);

        [GeneratedRegex("slot\\.sh\" ([a-z]+(?: [a-z0-9-]+)*)")]
        private static partial Regex SlotScript();
    }
}
