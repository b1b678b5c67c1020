using System.Diagnostics;
using Amazon.EC2;
using Amazon.EC2.Model;
using Cake.Core.Diagnostics;

namespace TableOrder.Build.Aws;

/// <summary>
/// An image of an app server (EC2 CreateImage): the design's "manual AMI snapshots". The image and its
/// volume snapshots are tagged; without a reboot (the default) the file systems are copied as they are
/// at that moment (crash-consistent), with one they are consistent and the server is down a minute or two.
/// </summary>
public sealed class ServerImages(IAmazonEC2 ec2, ICakeLog log, Polling? polling = null)
{
    private readonly Polling _polling = polling ?? Polling.Ec2Default;

    public static CreateImageRequest Request(string instanceId, string name, bool reboot, IReadOnlyDictionary<string, string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        List<Tag> tagList = [.. tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => new Tag(t.Key, t.Value))];
        return new CreateImageRequest
        {
            InstanceId = instanceId,
            Name = name,
            Description = $"Table Order app server {instanceId}, {(reboot ? "rebooted for" : "no reboot (crash-consistent)")}",
            NoReboot = !reboot,
            // the volume snapshots are tagged once the image names them (moto has no snapshot tag specification)
            TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Image, Tags = tagList }],
        };
    }

    /// <summary>Creates the image (or finds the one a killed run created by that name) and waits until it is available.</summary>
    public async Task<Image> CreateAsync(string instanceId, string name, bool reboot, IReadOnlyDictionary<string, string> tags, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var imageId = (await FindAsync(name, cancellationToken))?.ImageId;
        if (imageId is null)
        {
            imageId = (await ec2.CreateImageAsync(Request(instanceId, name, reboot, tags), cancellationToken)).ImageId;
            log.Information("EC2: image {0} ({1}) of {2} started{3}", name, imageId, instanceId, reboot ? ", the server reboots for it" : ", no reboot");
        }

        var clock = Stopwatch.StartNew();
        var delay = _polling.Initial;
        while (true)
        {
            var image = (await ec2.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [imageId] }, cancellationToken)).Images?.FirstOrDefault();
            var state = image?.State?.Value ?? "absent";
            if (state == "available")
            {
                var snapshots = image!.BlockDeviceMappings?.Select(m => m.Ebs?.SnapshotId).OfType<string>().ToList() ?? [];
                if (snapshots.Count > 0)
                {
                    await ec2.CreateTagsAsync(new CreateTagsRequest { Resources = snapshots, Tags = [.. tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => new Tag(t.Key, t.Value))] }, cancellationToken);
                }

                log.Information("EC2: image {0} is available ({1:0}s; volume snapshots {2} tagged)", imageId, clock.Elapsed.TotalSeconds, snapshots.Count == 0 ? "none" : string.Join(", ", snapshots));
                return image;
            }

            if (state is "failed" or "invalid" or "deregistered" || clock.Elapsed + delay > timeout)
            {
                throw new AwsException($"EC2 image {imageId} ({name}) is {state} after {clock.Elapsed.TotalSeconds:0}s (aws ec2 describe-images --image-ids {imageId}).");
            }

            log.Information("EC2: image {0} is {1}, waiting ({2:0}s)", imageId, state, clock.Elapsed.TotalSeconds);
            await Task.Delay(delay, cancellationToken);
            delay = _polling.Next(delay);
        }
    }

    private async Task<Image?> FindAsync(string name, CancellationToken cancellationToken) =>
        (await ec2.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"], Filters = [new Filter("name", [name])] }, cancellationToken)).Images?.FirstOrDefault();
}
