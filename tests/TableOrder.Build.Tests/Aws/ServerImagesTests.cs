using Amazon.EC2;
using Amazon.EC2.Model;
using TableOrder.Build.Aws;
using Xunit;

namespace TableOrder.Build.Tests.Aws;

/// <summary>Snapshot --server-image's EC2 CreateImage against a real moto server: tagged, no reboot unless asked, waited for.</summary>
[Trait("Category", "Unit")]
public sealed class ServerImagesTests(MotoServer moto) : IClassFixture<MotoServer>, IDisposable
{
    private readonly AmazonEC2Client _ec2 = AwsClients.Ec2(StandInClients.Region, StandInClients.Credentials, moto.Url);

    public void Dispose() => _ec2.Dispose();

    private async Task<string> LaunchAsync()
    {
        var ami = (await _ec2.DescribeImagesAsync(new DescribeImagesRequest())).Images[0].ImageId;
        return (await _ec2.RunInstancesAsync(new RunInstancesRequest { ImageId = ami, MinCount = 1, MaxCount = 1, InstanceType = InstanceType.T3Medium })).Reservation.Instances[0].InstanceId;
    }

    [Fact]
    public async Task An_image_of_the_server_is_made_tagged_and_waited_for()
    {
        var instance = await LaunchAsync();
        var log = new RecordingLog();
        var tags = new Dictionary<string, string> { ["Name"] = "tableorder-db-manual-20261201t101530z-abc", ["tableorder:environment"] = "production" };

        var image = await new ServerImages(_ec2, log, StandInClients.Fast).CreateAsync(instance, "tableorder-db-manual-20261201t101530z-abc", reboot: false, tags, TimeSpan.FromSeconds(30));

        Assert.Equal("available", image.State.Value);
        Assert.Equal("tableorder-db-manual-20261201t101530z-abc", image.Name);
        Assert.Contains(image.Tags, t => t.Key == "tableorder:environment" && t.Value == "production");
        Assert.Contains("no reboot", log.Text, StringComparison.Ordinal);
        // its volume snapshots carry the same tags
        var snapshots = image.BlockDeviceMappings.Select(m => m.Ebs?.SnapshotId).OfType<string>().ToList();
        Assert.NotEmpty(snapshots);
        var snapshotTags = (await _ec2.DescribeTagsAsync(new DescribeTagsRequest { Filters = [new Filter("resource-id", snapshots)] })).Tags;
        Assert.Contains(snapshotTags, t => t.Key == "tableorder:environment" && t.Value == "production");

        // a rerun (a killed run's image exists by that name) finds it instead of making a second
        var again = await new ServerImages(_ec2, log, StandInClients.Fast).CreateAsync(instance, "tableorder-db-manual-20261201t101530z-abc", reboot: false, tags, TimeSpan.FromSeconds(30));
        Assert.Equal(image.ImageId, again.ImageId);
    }

    [Fact]
    public void No_reboot_unless_asked_and_the_image_is_tagged_as_it_is_made()
    {
        var tags = new Dictionary<string, string> { ["Name"] = "n" };
        var quiet = ServerImages.Request("i-1", "n", reboot: false, tags);
        Assert.True(quiet.NoReboot);
        Assert.Equal([ResourceType.Image], quiet.TagSpecifications.Select(s => s.ResourceType));
        Assert.False(ServerImages.Request("i-1", "n", reboot: true, tags).NoReboot);
    }
}
