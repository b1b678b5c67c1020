using Amazon.EC2.Model;
using TableOrder.Build.Aws;
using TableOrder.Build.Testing;

namespace TableOrder.Build.Tests.Support;

/// <summary>
/// A scaled-out stack's AWS side in moto, made with the same API calls terraform makes: an Auto Scaling
/// group of instances of the rehearsal's image behind a target group, with the launch lifecycle hook
/// that holds each new instance in Pending:Wait until it is completed, and the release bucket.
/// </summary>
internal sealed class MotoFleet
{
    public const string GroupName = "table-order-app-servers";
    public const string Hook = "table-order-app-server-launching";
    public const string TargetGroupName = "table-order-app";
    public const string Bucket = "table-order-releases-123456789012";

    private readonly MotoAws _moto;

    private MotoFleet(MotoAws moto, string targetGroupArn, IReadOnlyList<string> instances)
    {
        _moto = moto;
        TargetGroupArn = targetGroupArn;
        Instances = instances;
    }

    public string TargetGroupArn { get; }

    /// <summary>The group's instances, ordered by id.</summary>
    public IReadOnlyList<string> Instances { get; }

    /// <summary>The group with <paramref name="servers"/> instances; with <paramref name="inService"/> each has completed its launch (CONTINUE).</summary>
    public static async Task<MotoFleet> CreateAsync(MotoAws moto, int servers = 3, bool inService = true)
    {
        using var ec2 = moto.Ec2();
        using var elb = moto.LoadBalancing();
        using var autoScaling = moto.AutoScaling();
        using var s3 = moto.S3();
        var subnets = (await ec2.DescribeSubnetsAsync(new DescribeSubnetsRequest())).Subnets;
        await ec2.CreateLaunchTemplateAsync(new CreateLaunchTemplateRequest
        {
            LaunchTemplateName = "table-order-app-server",
            LaunchTemplateData = new RequestLaunchTemplateData { ImageId = MotoAws.ImageId, InstanceType = "t3.medium" },
        });
        var group = await elb.CallAsync("CreateTargetGroup", [
            new("Name", TargetGroupName), new("Protocol", "HTTP"), new("Port", "80"), new("VpcId", subnets[0].VpcId), new("TargetType", "instance")]);
        var targetGroupArn = group.Members("TargetGroups").Single().Text("TargetGroupArn")!;
        await autoScaling.CallAsync("CreateAutoScalingGroup", [
            new("AutoScalingGroupName", GroupName),
            new("MinSize", servers.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("MaxSize", servers.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("DesiredCapacity", servers.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("VPCZoneIdentifier", string.Join(',', subnets.Take(2).Select(s => s.SubnetId))),
            new("LaunchTemplate.LaunchTemplateName", "table-order-app-server"),
            new("LaunchTemplate.Version", "$Latest"),
            new("TargetGroupARNs.member.1", targetGroupArn),
            new("LifecycleHookSpecificationList.member.1.LifecycleHookName", Hook),
            new("LifecycleHookSpecificationList.member.1.LifecycleTransition", "autoscaling:EC2_INSTANCE_LAUNCHING"),
            new("LifecycleHookSpecificationList.member.1.DefaultResult", "ABANDON"),
            new("LifecycleHookSpecificationList.member.1.HeartbeatTimeout", "900")]);
        await s3.PutBucketAsync(new Amazon.S3.Model.PutBucketRequest { BucketName = Bucket, BucketRegionName = MotoAws.Region });
        var fleet = new MotoFleet(moto, targetGroupArn, [.. (await StatesAsync(autoScaling)).Keys.Order(StringComparer.Ordinal)]);
        if (inService)
        {
            foreach (var instance in fleet.Instances)
            {
                await fleet.CompleteAsync(instance, "CONTINUE");
            }
        }

        return fleet;
    }

    /// <summary>What the instance's user data does at the end of its first boot.</summary>
    public async Task CompleteAsync(string instanceId, string result)
    {
        using var autoScaling = _moto.AutoScaling();
        await autoScaling.CallAsync("CompleteLifecycleAction", [
            new("AutoScalingGroupName", GroupName), new("LifecycleHookName", Hook), new("InstanceId", instanceId), new("LifecycleActionResult", result)]);
    }

    /// <summary>Each instance's lifecycle state in the group.</summary>
    public async Task<Dictionary<string, string>> StatesAsync()
    {
        using var autoScaling = _moto.AutoScaling();
        return await StatesAsync(autoScaling);
    }

    /// <summary>The target group's registered instances and their states.</summary>
    public async Task<Dictionary<string, string>> TargetsAsync()
    {
        using var elb = _moto.LoadBalancing();
        var health = await elb.CallAsync("DescribeTargetHealth", [new("TargetGroupArn", TargetGroupArn)]);
        return health.Members("TargetHealthDescriptions").ToDictionary(d => d.Child("Target").Text("Id")!, d => d.Child("TargetHealth").Text("State")!, StringComparer.Ordinal);
    }

    private static async Task<Dictionary<string, string>> StatesAsync(AwsQueryApi autoScaling)
    {
        var groups = await autoScaling.CallAsync("DescribeAutoScalingGroups", [new("AutoScalingGroupNames.member.1", GroupName)]);
        return groups.Members("AutoScalingGroups").Single().Members("Instances").ToDictionary(i => i.Text("InstanceId")!, i => i.Text("LifecycleState")!, StringComparer.Ordinal);
    }
}
