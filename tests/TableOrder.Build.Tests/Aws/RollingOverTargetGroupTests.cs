using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using TableOrder.Build.Aws;
using TableOrder.Build.Environments;
using TableOrder.Build.Release;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;
using Xunit;

namespace TableOrder.Build.Tests.Aws;

/// <summary>
/// The rolling roll-out (RollingActivation, unchanged) over the ALB's target group in the AWS stand-in:
/// three servers, each a fake of slot.sh's answers that notes whether the target group still sent it
/// requests (its instance registered) when Nginx switched.
/// </summary>
[Trait("Category", "Unit")]
public sealed partial class RollingOverTargetGroupTests : IDisposable
{
    private readonly StandInFleet _fleet = new();
    private readonly AwsQueryApi _elb;
    private readonly RecordingLog _log = new();
    private readonly ConcurrentQueue<string> _timeline = new();
    private readonly List<SlotServer> _servers;

    public RollingOverTargetGroupTests()
    {
        _elb = _fleet.LoadBalancing();
        _servers = [.. _fleet.Machines.Select(m => new SlotServer(m.InstanceId, _fleet, _timeline) { Live = "old" })];
        foreach (var machine in _fleet.Machines)
        {
            _fleet.StandIn.State.SetRegistered(StandInFleet.TargetGroupArn, machine.InstanceId, registered: true);
        }
    }

    public void Dispose()
    {
        _elb.Dispose();
        _fleet.Dispose();
    }

    private RollingActivation Rolling() => new(
        [.. _servers.Select(s => new AppServer(s.Label, ServerPorts.Production, _ => Task.FromResult<IRemoteShell>(s)))],
        new TargetGroupLoadBalancer(_elb, StandInFleet.TargetGroupArn, new Uri("http://alb.example/"), _log, new TargetGroupTimeouts(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10)), StandInClients.Fast),
        _log,
        TimeSpan.FromSeconds(5),
        batchSize: 1,
        drainTimeout: TimeSpan.FromSeconds(1));

    private bool Registered(string id) => _fleet.StandIn.State.TargetGroups[StandInFleet.TargetGroupArn].ContainsKey(id);

    [Fact]
    public async Task Each_server_switches_only_while_out_of_the_target_group_and_comes_back_healthy_before_the_next()
    {
        var targets = new ScriptedTargets(unhealthyLooks: 3, drainingLooks: 2) { Events = _timeline };
        _fleet.StandIn.TargetGroupListener = targets;

        var results = await Rolling().ActivateAsync("new", "activate");

        Assert.All(results, r => Assert.Equal("switched", r.Result));
        Assert.All(_servers, s => Assert.Equal("new", s.Live));
        var expected = _fleet.Machines.SelectMany(m => new[] { $"deregistered {m.InstanceId}", $"drained {m.InstanceId}", $"switch {m.InstanceId} registered=False others=2", $"registered {m.InstanceId}" });
        Assert.Equal(expected, _timeline.Where(e => !e.StartsWith("healthy", StringComparison.Ordinal)));
        Assert.All(_fleet.Machines, m => Assert.True(Registered(m.InstanceId)));
        Assert.All(_fleet.Machines, m => Assert.True(targets.HealthLooks(m.InstanceId) > 3, "ready waited through initial and unhealthy"));
        Assert.Equal(3, _fleet.StandIn.Journal.Count("elasticloadbalancing", "DeregisterTargets"));
        Assert.Equal(3, _fleet.StandIn.Journal.Count("elasticloadbalancing", "RegisterTargets"));
    }

    [Fact]
    public async Task A_server_whose_release_fails_stops_the_roll_out_and_the_ones_done_switch_back()
    {
        _fleet.StandIn.TargetGroupListener = new ScriptedTargets(unhealthyLooks: 0, drainingLooks: 0) { Events = _timeline };
        _servers[1].FailingRelease = "new";

        var stopped = await Assert.ThrowsAsync<RolloutException>(() => Rolling().ActivateAsync("new", "activate"));

        Assert.Equal(["rolled-back", "failed", "not-reached"], stopped.Servers.Select(s => s.Result));
        Assert.All(_servers, s => Assert.Equal("old", s.Live));
        Assert.DoesNotContain(_timeline, e => e.Contains(_servers[2].Label, StringComparison.Ordinal));
        Assert.All(_fleet.Machines, m => Assert.True(Registered(m.InstanceId), $"{m.InstanceId} is back in the target group"));
    }

    /// <summary>One server's slot.sh and health answers: a live release that switches when told to.</summary>
    private sealed partial class SlotServer(string instanceId, StandInFleet fleet, ConcurrentQueue<string> timeline) : IRemoteShell
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

        public Task<RemoteResult> RunAsync(string command, RemoteRunOptions? options = null, CancellationToken cancellationToken = default)
        {
            if (SlotScript().Match(command) is { Success: true } slot)
            {
                var words = slot.Groups[1].Value.Split(' ');
                switch (words[0])
                {
                    case "state":
                        return Answer(0, [$"live={_live}", .. _slots.Select(s => $"{s.Key}={s.Value.Release} {(s.Value.Running ? "active" : "inactive")}")]);
                    case "start":
                        if (words[2] == FailingRelease)
                        {
                            return Answer(1, ["unhealthy after 5s: HTTP 502"]);
                        }

                        _slots[words[1]] = (words[2], true);
                        break;
                    case "switch":
                        var others = fleet.Machines.Count(m => m.InstanceId != instanceId && fleet.StandIn.State.TargetGroups[StandInFleet.TargetGroupArn].ContainsKey(m.InstanceId));
                        timeline.Enqueue($"switch {instanceId} registered={fleet.StandIn.State.TargetGroups[StandInFleet.TargetGroupArn].ContainsKey(instanceId)} others={others}");
                        _live = words[1];
                        break;
                    case "stop":
                        _slots[words[1]] = (_slots[words[1]].Release, false);
                        break;
                }

                return Answer(0, []);
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

        private static Task<RemoteResult> Answer(int code, string[] lines) => Task.FromResult(new RemoteResult(code, lines, []));

        [GeneratedRegex("slot\\.sh\" ([a-z]+(?: [a-z0-9-]+)*)")]
        private static partial Regex SlotScript();
    }
}
