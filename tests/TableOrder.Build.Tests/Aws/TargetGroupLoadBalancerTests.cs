using TableOrder.Build.Aws;
using Xunit;

namespace TableOrder.Build.Tests.Aws;

/// <summary>The ALB's target group as the roll-out's load balancer: signed ELBv2 calls answered by the AWS stand-in.</summary>
[Trait("Category", "Unit")]
public sealed class TargetGroupLoadBalancerTests : IDisposable
{
    private readonly StandInFleet _fleet = new();
    private readonly AwsQueryApi _elb;
    private readonly RecordingLog _log = new();

    public TargetGroupLoadBalancerTests() => _elb = _fleet.LoadBalancing();

    public void Dispose()
    {
        _elb.Dispose();
        _fleet.Dispose();
    }

    private TargetGroupLoadBalancer Balancer(TimeSpan? timeout = null) => new(
        _elb,
        StandInFleet.TargetGroupArn,
        new Uri("http://table-order-alb-1.ap-northeast-2.elb.amazonaws.com/"),
        _log,
        new TargetGroupTimeouts(timeout ?? TimeSpan.FromSeconds(10), timeout ?? TimeSpan.FromSeconds(10)),
        StandInClients.Fast);

    private string Server(int index) => _fleet.Machines[index].InstanceId;

    [Fact]
    public async Task Ready_registers_and_waits_until_the_target_is_healthy()
    {
        var targets = new ScriptedTargets(unhealthyLooks: 4, drainingLooks: 0);
        _fleet.StandIn.TargetGroupListener = targets;

        await Balancer().ReadyAsync(Server(0));

        Assert.Equal(["registered " + Server(0)], targets.Events);
        Assert.Equal(5, targets.HealthLooks(Server(0)));
        Assert.Contains("unhealthy (Target.FailedHealthChecks", _log.Text, StringComparison.Ordinal);
        var server = Assert.Single(await Balancer().ServersAsync());
        Assert.Equal(Server(0), server.Name);
        Assert.True(server.IsUp);
        Assert.Equal(1, _fleet.StandIn.Journal.Count("elasticloadbalancing", "RegisterTargets"));
    }

    [Fact]
    public async Task Drain_deregisters_and_waits_until_the_target_is_unused()
    {
        var targets = new ScriptedTargets(unhealthyLooks: 0, drainingLooks: 3);
        _fleet.StandIn.TargetGroupListener = targets;
        var balancer = Balancer();
        await balancer.ReadyAsync(Server(1));
        await balancer.ReadyAsync(Server(2));

        await balancer.DrainAsync(Server(1));

        Assert.Equal(["registered " + Server(1), "registered " + Server(2), "deregistered " + Server(1), "drained " + Server(1)], targets.Events);
        Assert.Equal(4, targets.DrainLooks(Server(1)));
        Assert.Contains("draining (Target.DeregistrationInProgress", _log.Text, StringComparison.Ordinal);
        Assert.Equal("unused", (await balancer.HealthAsync(Server(1)))!.State);
        Assert.Equal([Server(2)], (await balancer.ServersAsync()).Select(s => s.Name));
    }

    [Fact]
    public async Task Servers_map_target_states_to_the_load_balancers_words()
    {
        _fleet.StandIn.TargetGroupListener = new ScriptedTargets(unhealthyLooks: 1000, drainingLooks: 1000);
        var balancer = Balancer();
        await _elb.CallAsync("RegisterTargets", [new("TargetGroupArn", StandInFleet.TargetGroupArn), new("Targets.member.1.Id", Server(0)), new("Targets.member.2.Id", Server(1))]);
        await _elb.CallAsync("DeregisterTargets", [new("TargetGroupArn", StandInFleet.TargetGroupArn), new("Targets.member.1.Id", Server(1))]);

        var first = await balancer.ServersAsync();
        var second = await balancer.ServersAsync();

        Assert.Equal("DOWN initial (Elb.RegistrationInProgress)", first.Single(s => s.Name == Server(0)).Status);
        Assert.Equal("DOWN unhealthy (Target.FailedHealthChecks)", second.Single(s => s.Name == Server(0)).Status);
        Assert.Equal("DRAIN", first.Single(s => s.Name == Server(1)).Status);
        Assert.All(first, s => Assert.Equal(0, s.Sessions));
    }

    [Fact]
    public async Task A_target_that_never_gets_healthy_times_out_naming_the_group_and_the_instance()
    {
        _fleet.StandIn.TargetGroupListener = new ScriptedTargets(unhealthyLooks: int.MaxValue, drainingLooks: 0);

        var error = await Assert.ThrowsAsync<AwsException>(() => Balancer(TimeSpan.FromMilliseconds(200)).ReadyAsync(Server(2)));

        Assert.Contains($"{Server(2)} was not healthy in target group table-order-app within", error.Message, StringComparison.Ordinal);
        Assert.Contains("unhealthy", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_of_the_api_come_back_with_their_code()
    {
        var missing = new TargetGroupLoadBalancer(_elb, StandInFleet.TargetGroupArn.Replace("table-order-app", "gone", StringComparison.Ordinal), new Uri("http://x/"), _log, null, StandInClients.Fast);

        var error = await Assert.ThrowsAsync<AwsQueryException>(() => missing.ServersAsync());

        Assert.Equal("TargetGroupNotFound", error.ErrorCode);
        Assert.Equal(1, _fleet.StandIn.Journal.Count("elasticloadbalancing", "DescribeTargetHealth"));
    }

    [Fact]
    public async Task The_default_stand_in_drains_after_its_delay_and_calls_a_registered_target_healthy()
    {
        _fleet.StandIn.TargetGroupListener = new TableOrder.Build.Aws.StandIn.StandInTargetGroupDefaults { DeregistrationDelay = TimeSpan.FromMilliseconds(150) };
        var balancer = Balancer();
        await balancer.ReadyAsync(Server(0));
        var clock = System.Diagnostics.Stopwatch.StartNew();

        await balancer.DrainAsync(Server(0));

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(150), $"drained after {clock.Elapsed}");
    }
}
