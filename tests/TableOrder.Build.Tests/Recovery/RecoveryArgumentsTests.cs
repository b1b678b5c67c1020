using TableOrder.Build.Configuration;
using TableOrder.Build.Recovery;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Recovery;

/// <summary>Snapshot, Restore and Patch arguments: checked before any task, each error naming the argument and what to type.</summary>
[Trait("Category", "Unit")]
public sealed class RecoveryArgumentsTests : IDisposable
{
    private readonly TempDirectory _root = new("recovery-arguments");

    public RecoveryArgumentsTests()
    {
        _root.WriteFile("TableOrder.Build.sln");
        _root.WriteFile("terraform/main.tf", "# root module\n");
        _root.WriteFile("app-deploy/reference-app/app/main.py", "app = None\n");
        _root.WriteFile("app-deploy/reference-app/alembic.ini", "[alembic]\n");
    }

    public void Dispose() => _root.Dispose();

    private BuildOptions Parse(Dictionary<string, string?> arguments, params string[] targets) =>
        CakeTasks.Parse(new Dictionary<string, string?>(arguments, StringComparer.OrdinalIgnoreCase), targets, _root.Path);

    private BuildArgumentException Refused(Dictionary<string, string?> arguments, params string[] targets) =>
        Assert.Throws<BuildArgumentException>(() => Parse(arguments, targets));

    [Fact]
    public void Restore_without_a_target_is_the_latest_restorable_time()
    {
        var restore = Parse([], "Restore").Recovery.Restore;
        Assert.True(restore.IsLatest);
        Assert.Equal("the latest restorable time", restore.ToString());
    }

    [Theory]
    [InlineData("2026-12-01T10:15:30Z", "2026-12-01T10:15:30.000Z")]
    [InlineData("2026-12-01T10:15:30.25Z", "2026-12-01T10:15:30.250Z")]
    [InlineData("2026-12-01T10:15:30+00:00", "2026-12-01T10:15:30.000Z")]
    public void To_time_takes_utc_iso_8601(string value, string parsed)
    {
        var restore = Parse(new() { ["to-time"] = value }, "Restore").Recovery.Restore;
        Assert.Equal(parsed, RestoreTarget.Format(restore.Time!.Value));
        Assert.Null(restore.Snapshot);
    }

    [Theory]
    [InlineData("2026-12-01 10:15:30")]
    [InlineData("2026-12-01T10:15:30")]
    [InlineData("2026-12-01T10:15:30+09:00")]
    [InlineData("yesterday")]
    public void To_time_that_is_not_utc_iso_8601_is_refused_with_an_example(string value)
    {
        var error = Refused(new() { ["to-time"] = value }, "Restore");
        Assert.StartsWith($"--to-time={value} is not a UTC time in ISO 8601", error.Message, StringComparison.Ordinal);
        Assert.Contains("--to-time=2026-12-01T10:15:30Z", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void To_time_in_the_future_is_refused()
    {
        var future = RestoreTarget.Format(DateTimeOffset.UtcNow.AddHours(1));
        var error = Refused(new() { ["to-time"] = future }, "Restore");
        Assert.Contains("is in the future", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void To_time_and_snapshot_together_are_refused()
    {
        var error = Refused(new() { ["to-time"] = "2026-12-01T10:15:30Z", ["snapshot"] = "tableorder-manual-x" }, "Restore");
        Assert.StartsWith("--to-time and --snapshot both name what to restore", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1abc")]
    [InlineData("a--b")]
    [InlineData("ends-")]
    [InlineData("has space")]
    public void A_snapshot_name_rds_would_refuse_is_refused_here(string name)
    {
        var error = Refused(new() { ["snapshot"] = name }, "Restore");
        Assert.StartsWith($"--snapshot={name} is not a snapshot name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_snapshot_name_is_kept()
    {
        Assert.Equal("tableorder-manual-20261201t101530z-1a2b3c4d5e6f", Parse(new() { ["snapshot"] = "tableorder-manual-20261201t101530z-1a2b3c4d5e6f" }, "Restore").Recovery.Restore.Snapshot);
    }

    [Fact]
    public void To_time_outside_restore_is_refused()
    {
        var error = Refused(new() { ["to-time"] = "2026-12-01T10:15:30Z" }, "Deploy");
        Assert.StartsWith("--to-time does not apply to --target=Deploy: it is for Restore only", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_server_image_is_for_aws_not_the_local_machine()
    {
        var error = Refused(new() { ["server-image"] = null }, "Snapshot");
        Assert.StartsWith("--server-image makes an EC2 image of the app server: it needs --environment=production", error.Message, StringComparison.Ordinal);
        var production = Parse(new() { ["environment"] = "production", ["server-image"] = null, ["transport"] = "ssm" }, "Snapshot");
        Assert.True(production.Recovery.ServerImage);
        Assert.False(production.Recovery.Reboot);
    }

    [Fact]
    public void Reboot_for_a_snapshot_needs_the_server_image_and_is_patchs_own_otherwise()
    {
        var error = Refused(new() { ["reboot"] = null, ["environment"] = "production", ["transport"] = "ssm" }, "Snapshot");
        Assert.StartsWith("--reboot with --target=Snapshot reboots the server for its image: add --server-image", error.Message, StringComparison.Ordinal);
        Assert.True(Parse(new() { ["reboot"] = null }, "Patch").Recovery.Reboot);
        Assert.True(Parse(new() { ["reboot"] = null, ["server-image"] = null, ["environment"] = "production", ["transport"] = "ssm" }, "Snapshot").Recovery.Reboot);
    }

    [Fact]
    public void Restore_and_patch_take_the_lock_wait_and_the_health_timeout()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), Parse(new() { ["lock-wait"] = "30", ["health-timeout"] = "90" }, "Restore").Release.LockWait);
        Assert.Equal(TimeSpan.FromSeconds(90), Parse(new() { ["health-timeout"] = "90", ["drain-timeout"] = "5" }, "Patch").Release.HealthTimeout);
    }

    [Fact]
    public void Production_restore_over_ssh_needs_its_key()
    {
        var error = Refused(new() { ["environment"] = "production" }, "Restore");
        Assert.StartsWith("--ssh-key is required for --target=Restore with --environment=production", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Snapshot_names_are_db_manual_utc_release_in_lower_case()
    {
        var taken = new DateTimeOffset(2026, 12, 1, 10, 15, 30, TimeSpan.Zero);
        Assert.Equal("tableorder-db-manual-20261201t101530z-1a2b3c4d5e6f", SnapshotNames.For("tableorder-db", taken, "1a2b3c4d5e6f"));
        Assert.Equal("tableorder-manual-20261201t101530z-none", SnapshotNames.For("tableorder", taken.ToOffset(TimeSpan.FromHours(9)), null));
        Assert.True(RestoreTarget.IsSnapshotName(SnapshotNames.For("tableorder", taken, "placeholder")));
    }
}
