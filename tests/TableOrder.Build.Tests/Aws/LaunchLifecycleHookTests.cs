using TableOrder.Build.Aws;
using TableOrder.Build.Aws.StandIn;
using Xunit;

namespace TableOrder.Build.Tests.Aws;

/// <summary>
/// The stand-in's Auto Scaling launch hook, as the rehearsal's new servers meet it: a launched instance
/// waits (Pending:Wait, in no target group) until its user data completes the lifecycle action with the
/// AWS CLI's call; CONTINUE puts it in service and registers it, ABANDON has it terminated.
/// </summary>
[Trait("Category", "Unit")]
public sealed class LaunchLifecycleHookTests : IDisposable
{
    private const string Hook = "table-order-app-server-launch";
    private readonly StandInFleet _fleet = new(servers: 2);
    private readonly AwsQueryApi _autoScaling;
    private readonly RecordingListener _listener = new();
    private readonly StandInFleet.Machine _launched = new("i-0launched00000001", "203.0.113.9");

    public LaunchLifecycleHookTests()
    {
        _autoScaling = _fleet.AutoScaling();
        _fleet.StandIn.TargetGroupListener = _listener;
        _fleet.StandIn.AddInstance(_launched);
    }

    public void Dispose()
    {
        _autoScaling.Dispose();
        _fleet.Dispose();
    }

    private Task<System.Xml.Linq.XElement> CompleteAsync(string result, string hook = Hook, string? instance = null) =>
        _autoScaling.CallAsync("CompleteLifecycleAction", [
            new("AutoScalingGroupName", StandInFleet.GroupName),
            new("LifecycleHookName", hook),
            new("InstanceId", instance ?? _launched.InstanceId),
            new("LifecycleActionResult", result)]);

    private async Task<string?> LifecycleStateAsync(string instanceId)
    {
        var groups = await _autoScaling.CallAsync("DescribeAutoScalingGroups", [new("AutoScalingGroupNames.member.1", StandInFleet.GroupName)]);
        return groups.Members("AutoScalingGroups").Single().Members("Instances").Where(i => i.Text("InstanceId") == instanceId).Select(i => i.Text("LifecycleState")).SingleOrDefault();
    }

    private bool Registered(string instanceId) => _fleet.StandIn.State.TargetGroups[StandInFleet.TargetGroupArn].ContainsKey(instanceId);

    [Fact]
    public async Task A_launch_waits_out_of_the_target_group_until_its_user_data_says_continue()
    {
        _fleet.StandIn.LaunchHooks[StandInFleet.GroupName] = Hook;
        _fleet.StandIn.Launch(StandInFleet.GroupName, _launched.InstanceId);

        Assert.Equal("Pending:Wait", await LifecycleStateAsync(_launched.InstanceId));
        Assert.False(Registered(_launched.InstanceId));
        var servers = await new AutoScalingFleet(_autoScaling, new Ec2Instances(AwsClients.Ec2(StandInClients.Region, StandInClients.Credentials, _fleet.StandIn.Url), new RecordingLog(), StandInClients.Fast), new RecordingLog()).InServiceAsync(StandInFleet.GroupName);
        Assert.DoesNotContain(_launched.InstanceId, servers.Select(s => s.InstanceId));

        await CompleteAsync("CONTINUE");

        Assert.Equal("InService", await LifecycleStateAsync(_launched.InstanceId));
        Assert.True(Registered(_launched.InstanceId));
        Assert.Equal([_launched.InstanceId], _listener.Registrations);
    }

    [Fact]
    public async Task Abandon_leaves_it_out_and_a_second_completion_finds_no_action()
    {
        _fleet.StandIn.LaunchHooks[StandInFleet.GroupName] = Hook;
        _fleet.StandIn.Launch(StandInFleet.GroupName, _launched.InstanceId);

        await CompleteAsync("ABANDON");

        Assert.Equal("Terminating", await LifecycleStateAsync(_launched.InstanceId));
        Assert.False(Registered(_launched.InstanceId));
        Assert.Equal(AwsStandInState.Abandoned, _fleet.StandIn.State.Launching[_launched.InstanceId]);
        var again = await Assert.ThrowsAsync<AwsQueryException>(() => CompleteAsync("CONTINUE"));
        Assert.Equal("ValidationError", again.ErrorCode);
        Assert.Contains("No active Lifecycle Action found with instance ID " + _launched.InstanceId, again.Message, StringComparison.Ordinal);
        Assert.Empty(_listener.Registrations);
    }

    [Fact]
    public async Task An_unknown_hook_or_result_is_a_validation_error()
    {
        _fleet.StandIn.LaunchHooks[StandInFleet.GroupName] = Hook;
        _fleet.StandIn.Launch(StandInFleet.GroupName, _launched.InstanceId);

        Assert.Equal("ValidationError", (await Assert.ThrowsAsync<AwsQueryException>(() => CompleteAsync("CONTINUE", hook: "other-hook"))).ErrorCode);
        Assert.Equal("ValidationError", (await Assert.ThrowsAsync<AwsQueryException>(() => CompleteAsync("MAYBE"))).ErrorCode);
        Assert.Equal("Pending:Wait", await LifecycleStateAsync(_launched.InstanceId));
    }

    [Fact]
    public async Task Without_a_hook_a_launch_is_in_service_and_registered_at_once()
    {
        _fleet.StandIn.Launch(StandInFleet.GroupName, _launched.InstanceId);

        Assert.Equal("InService", await LifecycleStateAsync(_launched.InstanceId));
        Assert.True(Registered(_launched.InstanceId));
    }

    [Fact]
    public void A_waiting_launch_is_kept_between_runs_and_termination_forgets_it()
    {
        var file = Path.Combine(Path.GetTempPath(), $"standin-{Guid.NewGuid():N}.json");
        try
        {
            var state = new AwsStandInState(file, StandInClients.Region);
            state.AddTargetGroup(StandInFleet.TargetGroupArn);
            state.Launch(StandInFleet.GroupName, "i-0aaaaaaaaaaaaaaa1", waitsForHook: true);

            var loaded = AwsStandInState.Load(file, StandInClients.Region);
            Assert.Equal(AwsStandInState.PendingWait, loaded.Launching["i-0aaaaaaaaaaaaaaa1"]);
            Assert.Contains("i-0aaaaaaaaaaaaaaa1", loaded.AutoScalingGroups[StandInFleet.GroupName]);

            loaded.Terminate(StandInFleet.GroupName, "i-0aaaaaaaaaaaaaaa1");
            var after = AwsStandInState.Load(file, StandInClients.Region);
            Assert.Empty(after.Launching);
            Assert.DoesNotContain("i-0aaaaaaaaaaaaaaa1", after.AutoScalingGroups[StandInFleet.GroupName]);
        }
        finally
        {
            File.Delete(file);
            File.Delete(file + ".tmp");
        }
    }

    private sealed class RecordingListener : ITargetGroupListener
    {
        public List<string> Registrations { get; } = [];

        public void Registered(string targetGroupArn, string instanceId) => Registrations.Add(instanceId);

        public void Deregistered(string targetGroupArn, string instanceId)
        {
        }

        public string Health(string targetGroupArn, string instanceId) => "healthy";

        public bool Draining(string targetGroupArn, string instanceId, TimeSpan sinceDeregistered) => false;
    }
}
