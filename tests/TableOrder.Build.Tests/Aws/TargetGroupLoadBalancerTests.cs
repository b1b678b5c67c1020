using TableOrder.Build.Aws;
using TableOrder.Build.Testing;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Aws;

/// <summary>
/// The ALB's target group as the roll-out's load balancer: signed ELBv2 calls answered by the
/// rehearsal's moto, whose bridge moves a real HAProxy (its health checks are the targets' health, a
/// deregistered target drains while requests are open on it).
/// </summary>
[Trait("Category", "Unit")]
[Collection(SharedMoto.Name)]
public sealed class TargetGroupLoadBalancerTests : IAsyncLifetime, IDisposable
{
    private readonly MotoAws _moto;
    private readonly AwsQueryApi _elb;
    private readonly RecordingLog _log = new();
    private MotoFleet _fleet = null!;
    private BalancedMachines _machines = null!;

    public TargetGroupLoadBalancerTests(MotoAws moto)
    {
        ArgumentNullException.ThrowIfNull(moto);
        moto.Reset();
        _moto = moto;
        _elb = moto.LoadBalancing();
    }

    public async Task InitializeAsync()
    {
        _fleet = await MotoFleet.CreateAsync(_moto, servers: 3, inService: false);
        _machines = new BalancedMachines(_moto, _fleet.Instances);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _machines?.Dispose();
        _elb.Dispose();
    }

    private TargetGroupLoadBalancer Balancer(TimeSpan? timeout = null) => new(
        _elb,
        _fleet.TargetGroupArn,
        new Uri("http://table-order-alb-1.ap-northeast-2.elb.amazonaws.com/"),
        _log,
        new TargetGroupTimeouts(timeout ?? TimeSpan.FromSeconds(30), timeout ?? TimeSpan.FromSeconds(30)),
        MotoAws.Fast);

    private string Server(int index) => _fleet.Instances[index];

    [Fact]
    public async Task Ready_registers_and_waits_until_the_load_balancers_checks_call_the_target_healthy()
    {
        _machines[Server(0)].Unhealthy = true;
        var ready = Balancer().ReadyAsync(Server(0));
        await Task.Delay(1500);
        Assert.False(ready.IsCompleted, "ready waits while the server's health check fails");

        _machines[Server(0)].Unhealthy = false;
        await ready;

        Assert.Contains("waiting until healthy", _log.Text, StringComparison.Ordinal);
        var server = Assert.Single(await Balancer().ServersAsync());
        Assert.Equal((Server(0), true), (server.Name, server.IsUp));
    }

    [Fact]
    public async Task Drain_deregisters_and_waits_while_a_request_is_open_on_the_target()
    {
        var balancer = Balancer();
        await balancer.ReadyAsync(Server(1));
        await balancer.ReadyAsync(Server(2));
        var held = await _machines.HoldAsync(Server(1));

        var drain = balancer.DrainAsync(Server(1));
        await Task.Delay(1500);
        Assert.False(drain.IsCompleted, "the drain waits for the open request");
        await held.DisposeAsync();
        await drain;

        Assert.Contains("draining (Target.DeregistrationInProgress", _log.Text, StringComparison.Ordinal);
        Assert.Equal("unused", (await balancer.HealthAsync(Server(1)))!.State);
        Assert.Equal([Server(2)], (await balancer.ServersAsync()).Select(s => s.Name));
    }

    [Fact]
    public async Task A_drain_ends_after_the_target_groups_deregistration_delay_even_with_requests_open()
    {
        await _elb.CallAsync("ModifyTargetGroupAttributes", [
            new("TargetGroupArn", _fleet.TargetGroupArn), new("Attributes.member.1.Key", "deregistration_delay.timeout_seconds"), new("Attributes.member.1.Value", "1")]);
        var balancer = Balancer();
        await balancer.ReadyAsync(Server(0));
        await using var held = await _machines.HoldAsync(Server(0));
        var clock = System.Diagnostics.Stopwatch.StartNew();

        await balancer.DrainAsync(Server(0));

        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1), $"drained after {clock.Elapsed}");
    }

    [Fact]
    public async Task Servers_map_target_states_to_the_load_balancers_words()
    {
        var balancer = Balancer();
        await balancer.ReadyAsync(Server(1));
        await using var held = await _machines.HoldAsync(Server(1));
        _machines[Server(0)].Unhealthy = true;
        await _elb.CallAsync("RegisterTargets", [new("TargetGroupArn", _fleet.TargetGroupArn), new("Targets.member.1.Id", Server(0))]);
        await _elb.CallAsync("DeregisterTargets", [new("TargetGroupArn", _fleet.TargetGroupArn), new("Targets.member.1.Id", Server(1))]);
        await Task.Delay(1000);

        var servers = await balancer.ServersAsync();

        Assert.Equal("DOWN unhealthy (Target.FailedHealthChecks)", servers.Single(s => s.Name == Server(0)).Status);
        Assert.Equal("DRAIN", servers.Single(s => s.Name == Server(1)).Status);
        Assert.All(servers, s => Assert.Equal(0, s.Sessions));
    }

    [Fact]
    public async Task A_target_that_never_gets_healthy_times_out_naming_the_group_and_the_instance()
    {
        _machines[Server(2)].Unhealthy = true;

        var error = await Assert.ThrowsAsync<AwsException>(() => Balancer(TimeSpan.FromSeconds(2)).ReadyAsync(Server(2)));

        Assert.Contains($"{Server(2)} was not healthy in target group {MotoFleet.TargetGroupName} within", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_of_the_api_come_back_with_their_code()
    {
        var missing = new TargetGroupLoadBalancer(_elb, _fleet.TargetGroupArn.Replace(MotoFleet.TargetGroupName, "gone", StringComparison.Ordinal), new Uri("http://x/"), _log, null, MotoAws.Fast);

        var error = await Assert.ThrowsAsync<AwsQueryException>(() => missing.ServersAsync());

        Assert.Equal("TargetGroupNotFound", error.ErrorCode);
    }
}
