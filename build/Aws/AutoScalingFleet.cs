using Cake.Core.Diagnostics;

namespace TableOrder.Build.Aws;

/// <summary>One app server of a scaled-out stack: an instance in service in the Auto Scaling group, and its public address.</summary>
public sealed record FleetInstance(string InstanceId, string Host);

/// <summary>
/// The app servers of a scaled-out stack, as Auto Scaling says now: DescribeAutoScalingGroups for the
/// instances InService (one that is launching, leaving or being replaced is not deployed to: Auto
/// Scaling's new servers install releases/current themselves), then EC2 for their addresses.
/// Ordered by instance id, so the first (the deploy lock's and the migrations' server) stays the same
/// between runs while the group does not change.
/// </summary>
public sealed class AutoScalingFleet(AwsQueryApi autoScaling, Ec2Instances ec2, ICakeLog log)
{
    public async Task<IReadOnlyList<FleetInstance>> InServiceAsync(string groupName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(groupName);
        var result = await autoScaling.CallAsync("DescribeAutoScalingGroups", [new("AutoScalingGroupNames.member.1", groupName)], cancellationToken);
        var group = result.Members("AutoScalingGroups").FirstOrDefault(g => g.Text("AutoScalingGroupName") == groupName)
            ?? throw new AwsException($"There is no Auto Scaling group {groupName} in {autoScaling.Region}: the saved terraform outputs may be stale. Run --target=Provision (or --target=Outputs) and check the AWS account you are using.");
        var instances = group.Members("Instances").Select(i => (Id: i.Text("InstanceId") ?? string.Empty, State: i.Text("LifecycleState") ?? "unknown")).ToList();
        var inService = instances.Where(i => i.State == "InService").Select(i => i.Id).Order(StringComparer.Ordinal).ToList();
        foreach (var (id, state) in instances.Where(i => i.State != "InService"))
        {
            log.Information("Auto Scaling group {0}: {1} is {2}, not deployed to (it installs releases/current itself once in service).", groupName, id, state);
        }

        if (inService.Count == 0)
        {
            throw new AwsException(
                $"The Auto Scaling group {groupName} has no server in service ({(instances.Count == 0 ? "no instances" : string.Join(", ", instances.Select(i => $"{i.Id} {i.State}")))}). " +
                $"New servers take a few minutes to boot and pass the load balancer's health checks; see its activity history (aws autoscaling describe-scaling-activities --auto-scaling-group-name {groupName}).");
        }

        var addresses = await ec2.PublicAddressesAsync(inService, cancellationToken);
        return [.. inService.Select(id => new FleetInstance(id, addresses[id]))];
    }
}
