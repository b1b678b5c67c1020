using TableOrder.Build.Aws;
using Xunit;

namespace TableOrder.Build.Tests.Aws;

/// <summary>The fleet of a scaled-out stack: Auto Scaling's instances in service, EC2's addresses, through the stand-in.</summary>
[Trait("Category", "Unit")]
public sealed class AutoScalingFleetTests : IDisposable
{
    private readonly StandInFleet _fleet = new();
    private readonly AwsQueryApi _autoScaling;
    private readonly Amazon.EC2.AmazonEC2Client _ec2;
    private readonly RecordingLog _log = new();

    public AutoScalingFleetTests()
    {
        _autoScaling = _fleet.AutoScaling();
        _ec2 = AwsClients.Ec2(StandInClients.Region, StandInClients.Credentials, _fleet.StandIn.Url);
    }

    public void Dispose()
    {
        _autoScaling.Dispose();
        _ec2.Dispose();
        _fleet.Dispose();
    }

    private AutoScalingFleet Fleet() => new(_autoScaling, new Ec2Instances(_ec2, _log, StandInClients.Fast), _log);

    [Fact]
    public async Task The_servers_are_the_instances_in_service_with_their_public_addresses_in_a_stable_order()
    {
        _fleet.StandIn.State.SetAutoScalingGroup(StandInFleet.GroupName, [.. _fleet.Machines.Select(m => m.InstanceId).Reverse()]);

        var servers = await Fleet().InServiceAsync(StandInFleet.GroupName);

        Assert.Equal(_fleet.Machines.Select(m => (m.InstanceId, m.PublicIp)), servers.Select(s => (s.InstanceId, s.Host)));
        Assert.Equal(1, _fleet.StandIn.Journal.Count("autoscaling", "DescribeAutoScalingGroups"));
        Assert.Equal(1, _fleet.StandIn.Journal.Count("ec2", "DescribeInstances"));
    }

    [Fact]
    public async Task An_instance_that_is_not_in_service_is_left_out_and_said()
    {
        _fleet.Machines[1].State = "pending";

        var servers = await Fleet().InServiceAsync(StandInFleet.GroupName);

        Assert.Equal([_fleet.Machines[0].InstanceId, _fleet.Machines[2].InstanceId], servers.Select(s => s.InstanceId));
        Assert.Contains($"{_fleet.Machines[1].InstanceId} is Pending, not deployed to", _log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_group_with_no_server_in_service_is_one_clear_error()
    {
        foreach (var machine in _fleet.Machines)
        {
            machine.State = "pending";
        }

        var error = await Assert.ThrowsAsync<AwsException>(() => Fleet().InServiceAsync(StandInFleet.GroupName));

        Assert.Contains("has no server in service", error.Message, StringComparison.Ordinal);
        Assert.Contains(_fleet.Machines[0].InstanceId + " Pending", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_group_that_does_not_exist_says_the_outputs_may_be_stale()
    {
        var error = await Assert.ThrowsAsync<AwsException>(() => Fleet().InServiceAsync("table-order-gone"));

        Assert.Contains("There is no Auto Scaling group table-order-gone", error.Message, StringComparison.Ordinal);
        Assert.Contains("--target=Provision", error.Message, StringComparison.Ordinal);
    }
}
