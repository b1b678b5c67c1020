using System.Text.Json;
using TableOrder.Build.Aws;
using TableOrder.Build.IntegrationTests.Support;
using TableOrder.Build.Local;
using TableOrder.Build.Release;
using TableOrder.Build.Testing;
using Xunit;
using Xunit.Abstractions;

namespace TableOrder.Build.IntegrationTests.Rehearsal;

/// <summary>
/// A scaled-out rehearsal (--environment=rehearsal --servers=2) in a state folder of its own: terraform
/// applies app_server_count = 2 in the rehearsal's moto; the Auto Scaling group's launches wait in
/// Pending:Wait while their machines boot through cloud-init with the launch template's user data, which
/// completes the launch hook; moto's target group moves HAProxy. Deployed once for the class.
/// </summary>
public sealed class RehearsalScaleOutFixture() : FleetStackFixture("test-rehearsal-scale", "rehearsal", servers: 2);

[Trait("Category", "Integration")]
public sealed class RehearsalScaleOutTests(RehearsalScaleOutFixture stack, ITestOutputHelper output) : IClassFixture<RehearsalScaleOutFixture>, IDisposable
{
    private readonly TempDirectory _apps = new("rehearsal-scale-apps");

    private RehearsalAws Aws => new(stack.StateDirectory);

    /// <summary>The Auto Scaling group's instances and their lifecycle states, as moto holds them.</summary>
    private async Task<Dictionary<string, string>> GroupAsync()
    {
        using var autoScaling = Aws.AutoScaling();
        var groups = await autoScaling.CallAsync("DescribeAutoScalingGroups", []);
        return groups.Members("AutoScalingGroups").Single().Members("Instances").ToDictionary(i => i.Text("InstanceId")!, i => i.Text("LifecycleState")!, StringComparer.Ordinal);
    }

    [Fact]
    public async Task Two_launched_instances_roll_through_the_target_group_and_a_changed_app_rolls_with_no_failed_request()
    {
        Assert.True(stack.Deploy.ExitCode == 0, stack.Deploy.ToString());
        Assert.Equal(2, stack.Deploy.Run.Outcome("Provision", "launched")?.GetArrayLength());
        Assert.Equal(["InService", "InService"], (await GroupAsync()).Values);

        var next = ReferenceApp.ChangedCopy(_apps.Path, "rehearsal-roll-" + Guid.NewGuid().ToString("N")[..8]);
        var nextId = ReleaseArchive.FromDirectory(next).Id;
        using var loop = new ClientLoop(stack.LoadBalancerUrl);
        var deploy = await Run("--target=Deploy", $"--app-dir={next}");
        var (requests, failed, failures) = await loop.StopAsync();
        output.WriteLine($"client loop: {requests} requests, {failed} failed {string.Join("; ", failures.Take(5))}");

        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        Assert.True(requests >= 50, $"the client loop made only {requests} requests");
        Assert.Equal(0, failed);
        var rolled = Servers(deploy.Run, "Activate");
        Assert.True(rolled.Count >= 2, $"Activate rolled {rolled.Count} servers");
        Assert.All(rolled, r => Assert.StartsWith("i-", r.GetProperty("server").GetString(), StringComparison.Ordinal));
        Assert.All(rolled, r => Assert.Equal(("switched", nextId), (r.GetProperty("result").GetString(), r.GetProperty("release").GetString())));

        // the roll-out went through the ALB's API (moto's target group), which moved HAProxy: every target is registered and healthy
        using (var elb = Aws.LoadBalancing())
        {
            var groups = await elb.CallAsync("DescribeTargetGroups", []);
            var arn = groups.Members("TargetGroups").Single().Text("TargetGroupArn")!;
            var targets = (await elb.CallAsync("DescribeTargetHealth", [new("TargetGroupArn", arn)])).Members("TargetHealthDescriptions")
                .ToDictionary(d => d.Child("Target").Text("Id")!, d => d.Child("TargetHealth").Text("State"), StringComparer.Ordinal);
            Assert.Equal(rolled.Select(r => r.GetProperty("server").GetString()!).Order(StringComparer.Ordinal), targets.Keys.Order(StringComparer.Ordinal));
            Assert.All(targets.Values, state => Assert.Equal("healthy", state));
        }

        var status = await Run("--target=Status");
        Assert.Equal(0, status.ExitCode);
        Assert.All(Servers(status.Run, "Status"), s => Assert.Equal((nextId, "UP"), (s.GetProperty("current").GetString(), s.GetProperty("balancer").GetString())));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        Assert.Equal(nextId, await ReferenceApp.ServingReleaseAsync(http, stack.LoadBalancerUrl.Port));
    }

    [Fact]
    public async Task A_third_machine_comes_up_on_the_current_release_through_its_user_data_and_a_rollback_reaches_it_too()
    {
        Assert.True(stack.Deploy.ExitCode == 0, stack.Deploy.ToString());
        var before = (await Run("--target=Status")).Run.Text("Status", "current");
        var next = ReferenceApp.ChangedCopy(_apps.Path, "rehearsal-join-" + Guid.NewGuid().ToString("N")[..8]);
        var current = ReleaseArchive.FromDirectory(next).Id;
        Assert.Equal(0, (await Run("--target=Deploy", $"--app-dir={next}")).ExitCode);

        var scaled = await Run("--target=Provision", "--servers=3");

        Assert.True(scaled.ExitCode == 0, scaled.ToString());
        var launched = scaled.Run.Outcome("Provision", "launched");
        Assert.Equal(1, launched?.GetArrayLength());
        var third = stack.LayoutOf(3);
        Assert.Equal(third.MachineName, launched!.Value[0].GetProperty("machine").GetString());
        var thirdId = launched.Value[0].GetProperty("instance").GetString()!;
        Assert.DoesNotContain("Release", scaled.Run.TaskNames);
        Assert.DoesNotContain("Activate", scaled.Run.TaskNames);

        // its user data completed the launch hook (terraform waited for the group's capacity meanwhile)
        Assert.Equal("InService", (await GroupAsync())[thirdId]);

        // the machine installed it itself, through cloud-init: its user data fetched releases/current from the
        // rehearsal's S3 (kept in its boot folder; read as data, not from the boot log, which trails the launch hook)
        var fetched = await File.ReadAllTextAsync(Path.Combine(third.MachineRootfs, "var", "lib", "tableorder-boot", "current"));
        Assert.Equal(current, fetched.Trim());
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        Assert.Equal(current, await ReferenceApp.ServingReleaseAsync(http, third.Ports.Http));
        var servers = Servers((await Run("--target=Status")).Run, "Status");
        Assert.Equal(3, servers.Count);
        Assert.All(servers, s => Assert.Equal((current, "UP"), (s.GetProperty("current").GetString(), s.GetProperty("balancer").GetString())));

        // the new server never had the release before: Rollback installs it there from the release store
        using var loop = new ClientLoop(stack.LoadBalancerUrl);
        var rollback = await Run("--target=Rollback");
        var (requests, failed, failures) = await loop.StopAsync();
        output.WriteLine($"client loop: {requests} requests, {failed} failed {string.Join("; ", failures.Take(5))}");
        Assert.True(rollback.ExitCode == 0, rollback.ToString());
        Assert.Equal(0, failed);
        Assert.Equal(before, rollback.Run.Text("Rollback", "release"));
        Assert.Equal([thirdId], rollback.Run.Outcome("Rollback", "installedFromStore")?.EnumerateArray().Select(e => e.GetString()));
        Assert.All(Servers((await Run("--target=Status")).Run, "Status"), s => Assert.Equal(before, s.GetProperty("current").GetString()));
    }

    public void Dispose() => _apps.Dispose();

    private static List<JsonElement> Servers(LastRun run, string task) => FleetStackFixture.Servers(run, task);

    private async Task<BuildResult> Run(params string[] arguments)
    {
        var run = await stack.RunAsync(arguments);
        output.WriteLine(run.ToString());
        return run;
    }
}
