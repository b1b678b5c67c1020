using TableOrder.Build.Aws.StandIn;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Aws;

/// <summary>The stand-in keeps a scaled-out stack's target groups, groups and objects between runs (the rehearsal's state file).</summary>
[Trait("Category", "Unit")]
public sealed class StandInFleetStateTests
{
    [Fact]
    public void Target_groups_groups_and_objects_survive_a_restart_of_the_stand_in()
    {
        using var folder = new TempDirectory("standin-fleet-state");
        var file = folder.Combine("aws-standin.json");
        var state = AwsStandInState.Load(file, StandInClients.Region);
        state.AddTargetGroup(StandInFleet.TargetGroupArn);
        state.SetRegistered(StandInFleet.TargetGroupArn, "i-01", registered: true);
        state.SetRegistered(StandInFleet.TargetGroupArn, "i-02", registered: true);
        state.SetRegistered(StandInFleet.TargetGroupArn, "i-02", registered: false);
        state.SetAutoScalingGroup(StandInFleet.GroupName, ["i-01", "i-02"]);
        state.AddBucket(StandInFleet.Bucket);
        state.PutObject(StandInFleet.Bucket, "releases/abc.tar.gz", [1, 2, 3], onlyIfAbsent: true);
        state.PutObject(StandInFleet.Bucket, "releases/current", "abc\n"u8.ToArray(), onlyIfAbsent: false);
        state.PutObject(StandInFleet.Bucket, "releases/gone", [9], onlyIfAbsent: false);
        state.DeleteObject(StandInFleet.Bucket, "releases/gone");

        var again = AwsStandInState.Load(file, StandInClients.Region);

        Assert.Equal(["i-01"], again.TargetGroups[StandInFleet.TargetGroupArn].Keys);
        Assert.Equal(["i-01", "i-02"], again.AutoScalingGroups[StandInFleet.GroupName]);
        var objects = again.Buckets[StandInFleet.Bucket];
        Assert.Equal(["releases/abc.tar.gz", "releases/current"], objects.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([1, 2, 3], objects["releases/abc.tar.gz"].Data);
        Assert.Equal(AwsStandInState.ETagOf([1, 2, 3]), objects["releases/abc.tar.gz"].ETag);
        Assert.Null(again.PutObject(StandInFleet.Bucket, "releases/abc.tar.gz", [4], onlyIfAbsent: true));
        Assert.Throws<ArgumentException>(() => again.PutObject(StandInFleet.Bucket, "../escape", [0], onlyIfAbsent: false));
        Assert.False(again.Buckets[StandInFleet.Bucket].ContainsKey("../escape"));
    }
}
