using System.Diagnostics;
using TableOrder.Build.Aws;
using Xunit;

namespace TableOrder.Build.Tests.Aws;

[Trait("Category", "Unit")]
public sealed class Ec2InstancesTests : IDisposable
{
    private const string Instance = "i-0abc1234def567890";
    private readonly Ec2ApiStandIn _ec2 = new();
    private readonly RecordingLog _log = new();

    public void Dispose() => _ec2.Dispose();

    [Fact]
    public async Task WaitsThroughPendingAndInitializingUntilBothChecksAreOk()
    {
        _ec2.Statuses(
            Instance,
            new Ec2Status("pending", "not-applicable", "not-applicable"),
            new Ec2Status("running", "initializing", "initializing"),
            new Ec2Status("running", "initializing", "ok"),
            new Ec2Status("running", "ok", "ok"));
        using var client = AwsClients.Ec2(StandInClients.Region, StandInClients.Credentials, _ec2.Url);

        var status = await new Ec2Instances(client, _log, StandInClients.Fast).WaitUntilReadyAsync(Instance, TimeSpan.FromSeconds(10));

        Assert.True(status.IsReady);
        Assert.Equal(4, _ec2.CountOf("DescribeInstanceStatus"));
        Assert.Contains($"{Instance}: running, instance status initializing, system status ok (", _log.Text, StringComparison.Ordinal);
        Assert.Contains($"{Instance}: running, instance status ok, system status ok (", _log.Text, StringComparison.Ordinal);
        var request = _ec2.Requests.First();
        Assert.Equal(Instance, request["InstanceId.1"]);
        Assert.Equal("true", request["IncludeAllInstances"]);
        Assert.Equal("2016-11-15", request["Version"]);
    }

    [Fact]
    public async Task TimesOutWithTheLastStatusAndWhereToLook()
    {
        _ec2.Statuses(Instance, new Ec2Status("running", "impaired", "ok"));
        using var client = AwsClients.Ec2(StandInClients.Region, StandInClients.Credentials, _ec2.Url);
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<AwsException>(() =>
            new Ec2Instances(client, _log, StandInClients.Fast).WaitUntilReadyAsync(Instance, TimeSpan.FromMilliseconds(300)));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Contains("was not ready within 0.3s", error.Message, StringComparison.Ordinal);
        Assert.Contains("running, instance status impaired, system status ok", error.Message, StringComparison.Ordinal);
        Assert.Contains("get-console-output", error.Message, StringComparison.Ordinal);
        Assert.True(_ec2.CountOf("DescribeInstanceStatus") > 1);
    }

    [Fact]
    public async Task AMissingInstanceIsAClearErrorAtOnce()
    {
        using var client = AwsClients.Ec2(StandInClients.Region, StandInClients.Credentials, _ec2.Url);

        var error = await Assert.ThrowsAsync<AwsException>(() =>
            new Ec2Instances(client, _log, StandInClients.Fast).WaitUntilReadyAsync("i-0000000000000dead", TimeSpan.FromSeconds(10)));

        Assert.Contains("EC2 instance i-0000000000000dead does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", error.InnerException?.Message ?? string.Empty, StringComparison.Ordinal);
        Assert.Contains("--target=Provision", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, _ec2.CountOf("DescribeInstanceStatus"));
    }

    [Fact]
    public async Task AStoppedInstanceFailsAtOnceInsteadOfWaiting()
    {
        _ec2.Statuses(Instance, new Ec2Status("stopped", "not-applicable", "not-applicable"));
        using var client = AwsClients.Ec2(StandInClients.Region, StandInClients.Credentials, _ec2.Url);

        var error = await Assert.ThrowsAsync<AwsException>(() =>
            new Ec2Instances(client, _log, StandInClients.Fast).WaitUntilReadyAsync(Instance, TimeSpan.FromSeconds(10)));

        Assert.Contains("is stopped", error.Message, StringComparison.Ordinal);
        Assert.Contains("start-instances", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, _ec2.CountOf("DescribeInstanceStatus"));
    }
}
