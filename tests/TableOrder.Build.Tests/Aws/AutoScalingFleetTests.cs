using Amazon.EC2.Model;
using TableOrder.Build.Aws;
using TableOrder.Build.Testing;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Aws;

/// <summary>The fleet of a scaled-out stack: Auto Scaling's instances in service, EC2's addresses, answered by the rehearsal's moto.</summary>
[Trait("Category", "Unit")]
[Collection(SharedMoto.Name)]
public sealed class AutoScalingFleetTests : IDisposable
{
    private readonly MotoAws _moto;
    private readonly AwsQueryApi _autoScaling;
    private readonly Amazon.EC2.AmazonEC2Client _ec2;
    private readonly RecordingLog _log = new();

    public AutoScalingFleetTests(MotoAws moto)
    {
        ArgumentNullException.ThrowIfNull(moto);
        moto.Reset();
        _moto = moto;
        _autoScaling = moto.AutoScaling();
        _ec2 = moto.Ec2();
    }

    public void Dispose()
    {
        _autoScaling.Dispose();
        _ec2.Dispose();
    }

    private AutoScalingFleet Fleet() => new(_autoScaling, new Ec2Instances(_ec2, _log, MotoAws.Fast), _log);

    [Fact]
    public async Task The_servers_are_the_instances_in_service_with_their_public_addresses_in_a_stable_order()
    {
        var fleet = await MotoFleet.CreateAsync(_moto, servers: 3);
        var addresses = (await _ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [.. fleet.Instances] })).Reservations
            .SelectMany(r => r.Instances).ToDictionary(i => i.InstanceId, i => i.PublicIpAddress);

        var servers = await Fleet().InServiceAsync(MotoFleet.GroupName);

        Assert.Equal(fleet.Instances.Select(id => (id, addresses[id])), servers.Select(s => (s.InstanceId, s.Host)));
        Assert.All(servers, s => Assert.False(string.IsNullOrEmpty(s.Host)));
    }

    [Fact]
    public async Task An_instance_still_held_by_its_launch_hook_is_left_out_and_said()
    {
        var fleet = await MotoFleet.CreateAsync(_moto, servers: 3, inService: false);
        await fleet.CompleteAsync(fleet.Instances[0], "CONTINUE");
        await fleet.CompleteAsync(fleet.Instances[2], "CONTINUE");

        var servers = await Fleet().InServiceAsync(MotoFleet.GroupName);

        Assert.Equal([fleet.Instances[0], fleet.Instances[2]], servers.Select(s => s.InstanceId));
        Assert.Contains($"{fleet.Instances[1]} is Pending:Wait, not deployed to", _log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_group_with_no_server_in_service_is_one_clear_error()
    {
        var fleet = await MotoFleet.CreateAsync(_moto, servers: 2, inService: false);

        var error = await Assert.ThrowsAsync<AwsException>(() => Fleet().InServiceAsync(MotoFleet.GroupName));

        Assert.Contains("has no server in service", error.Message, StringComparison.Ordinal);
        Assert.Contains(fleet.Instances[0] + " Pending:Wait", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_group_that_does_not_exist_says_the_outputs_may_be_stale()
    {
        var error = await Assert.ThrowsAsync<AwsException>(() => Fleet().InServiceAsync("table-order-gone"));

        Assert.Contains("There is no Auto Scaling group table-order-gone", error.Message, StringComparison.Ordinal);
        Assert.Contains("--target=Provision", error.Message, StringComparison.Ordinal);
    }
}
