using TableOrder.Build.Aws;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Recovery;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Aws;

/// <summary>
/// Snapshot and Restore's RDS calls against a real moto server: a manual snapshot waited for and tagged,
/// the restorable window, restores by time and by snapshot into a new instance with the stack's settings,
/// the old instance renamed and kept with deletion protection, the new one under the stack's identifier,
/// terraform's adoption called, and a killed restore finished by the next run.
/// </summary>
[Trait("Category", "Unit")]
public sealed class RdsRecoveryTests(MotoServer moto) : IClassFixture<MotoServer>, IDisposable
{
    private static readonly RdsTimeouts Quick = new(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));

    private readonly TempDirectory _state = new("rds-recovery");
    private readonly AwsQueryApi _rds = AwsClients.Rds(StandInClients.Region, StandInClients.Credentials, moto.Url);
    private readonly RecordingLog _log = new();
    private readonly List<string> _adopted = [];

    public void Dispose()
    {
        _rds.Dispose();
        _state.Dispose();
    }

    private string Journal => _state.Combine("rds-restore.json");

    private RdsDatabase Rds => new(_rds, _log, Quick, StandInClients.Fast);

    private RdsRecovery Recovery(string identifier) => new(Rds, identifier, _log, Journal, (id, _) =>
    {
        _adopted.Add(id);
        return Task.CompletedTask;
    });

    /// <summary>An instance as terraform makes the stack's: its own parameter group, gp3, 7 days of backups, deletion protection.</summary>
    private async Task<RdsInstance> CreateInstanceAsync(string identifier)
    {
        var group = identifier + "-postgres15";
        await _rds.CallAsync("CreateDBParameterGroup", [new("DBParameterGroupName", group), new("DBParameterGroupFamily", "postgres15"), new("Description", "TLS required")]);
        await _rds.CallAsync("CreateDBInstance",
        [
            new("DBInstanceIdentifier", identifier), new("Engine", "postgres"), new("EngineVersion", "15.7"), new("DBInstanceClass", "db.t3.small"),
            new("AllocatedStorage", "20"), new("StorageType", "gp3"), new("DBName", "tableorder"), new("MasterUsername", "tableorder"),
            new("MasterUserPassword", "not-a-real-password-1"), new("BackupRetentionPeriod", "7"), new("PreferredBackupWindow", "03:00-04:00"),
            new("DeletionProtection", "true"), new("CopyTagsToSnapshot", "true"), new("DBParameterGroupName", group),
            new("Tags.Tag.1.Key", "Name"), new("Tags.Tag.1.Value", identifier),
        ]);
        return await Rds.WaitAvailableAsync(identifier);
    }

    /// <summary>
    /// Whether the instance under <paramref name="identifier"/> is a restored one: the restore asks for a
    /// managed master password, which the instance made here has not (moto gives every instance the same DbiResourceId).
    /// </summary>
    private async Task<bool> IsRestoredAsync(string identifier)
    {
        var instance = (await _rds.CallAsync("DescribeDBInstances", [new("DBInstanceIdentifier", identifier)])).Child("DBInstances").Child("DBInstance");
        return instance.Child("MasterUserSecret") is not null;
    }

    private async Task<IReadOnlyDictionary<string, string>> TagsAsync(string arn)
    {
        var result = await _rds.CallAsync("ListTagsForResource", [new("ResourceName", arn)]);
        return result.Child("TagList").Children("Tag").ToDictionary(t => t.Text("Key")!, t => t.Text("Value") ?? string.Empty, StringComparer.Ordinal);
    }

    [Fact]
    public async Task A_manual_snapshot_is_taken_tagged_waited_for_and_listed_with_the_restorable_window()
    {
        await CreateInstanceAsync("snap-db");
        var recovery = Recovery("snap-db");
        var name = SnapshotNames.For("snap-db", DateTimeOffset.UtcNow, "1a2b3c4d5e6f");

        var snapshot = await recovery.SnapshotAsync(name, new Dictionary<string, string> { ["Name"] = name, ["tableorder:environment"] = "production" });

        Assert.Equal(name, snapshot.Name);
        Assert.Equal("available", snapshot.Status);
        var described = await Rds.SnapshotAsync(name);
        Assert.Equal("manual", described!.Type);
        var arn = (await _rds.CallAsync("DescribeDBSnapshots", [new("DBSnapshotIdentifier", name)])).Child("DBSnapshots").Child("DBSnapshot").Text("DBSnapshotArn")!;
        Assert.Equal("production", (await TagsAsync(arn))["tableorder:environment"]);

        var backups = await recovery.BackupsAsync();
        Assert.Contains(backups.Snapshots, s => s.Name == name && s.Status == "available");
        Assert.NotNull(backups.LatestRestorableTime);
        Assert.Equal(backups.LatestRestorableTime!.Value.AddDays(-7), backups.EarliestRestorableTime);

        // a run killed while it waited asks again: the same snapshot is waited for, not an error
        Assert.Equal("available", (await recovery.SnapshotAsync(name, new Dictionary<string, string>())).Status);
    }

    [Fact]
    public async Task A_point_in_time_restore_makes_a_new_instance_the_stacks_and_keeps_the_old_one_protected()
    {
        var before = await CreateInstanceAsync("pitr-db");
        var recovery = Recovery("pitr-db");
        var time = before.LatestRestorableTime!.Value.AddSeconds(-1);
        var summary = new RunSummary("production", ["Restore"]);

        await recovery.CheckTargetAsync(new RestoreTarget(time, null));
        var restored = await recovery.RestoreAsync(new RestoreTarget(time, null), summary);

        Assert.Equal(time, restored.RestorePoint);
        Assert.Equal("pitr-db", restored.Restored);
        Assert.StartsWith("pitr-db-replaced-", restored.Kept, StringComparison.Ordinal);
        var now = await Rds.RequireAsync("pitr-db");
        Assert.True(await IsRestoredAsync("pitr-db"));
        Assert.True(now.DeletionProtection);
        Assert.Equal(before.ParameterGroup, now.ParameterGroup);
        Assert.Equal(before.InstanceClass, now.InstanceClass);
        Assert.Equal("gp3", now.StorageType);
        var kept = await Rds.RequireAsync(restored.Kept!);
        Assert.False(await IsRestoredAsync(restored.Kept!));
        Assert.True(kept.DeletionProtection);
        Assert.Null(await Rds.DescribeAsync(restored.Steps[0].Split(" into ")[1]));
        Assert.Equal(["pitr-db"], _adopted);
        Assert.False(File.Exists(Journal));
    }

    [Fact]
    public async Task A_snapshot_restore_repeats_the_stacks_settings_and_restores_that_snapshot()
    {
        var before = await CreateInstanceAsync("snapre-db");
        var recovery = Recovery("snapre-db");
        var name = SnapshotNames.For("snapre-db", DateTimeOffset.UtcNow, "abcdefabcdef");
        await recovery.SnapshotAsync(name, new Dictionary<string, string>());

        var restored = await recovery.RestoreAsync(new RestoreTarget(null, name), new RunSummary("production", ["Restore"]));

        Assert.Equal((await Rds.SnapshotAsync(name))!.Created, restored.RestorePoint);
        var now = await Rds.RequireAsync("snapre-db");
        Assert.True(await IsRestoredAsync("snapre-db"));
        Assert.False(await IsRestoredAsync(restored.Kept!));
        Assert.Equal(before.ParameterGroup, now.ParameterGroup);
        Assert.True(now.DeletionProtection);
        Assert.Contains(restored.Steps, s => s.StartsWith($"restored snapshot {name} into snapre-db-restore-", StringComparison.Ordinal));
        Assert.Equal(["snapre-db"], _adopted);
    }

    [Fact]
    public async Task A_restore_killed_after_rds_made_the_new_instance_is_finished_by_the_next_run()
    {
        var before = await CreateInstanceAsync("killed-db");
        var target = new RestoreTarget(null, null);
        // what the killed run did: the journal, then the restore call; nothing renamed yet
        File.WriteAllText(Journal, System.Text.Json.JsonSerializer.Serialize(new RdsRestoreJournal(target.ToString(), "killed-db-restore-1", "killed-db-replaced-1", before.LatestRestorableTime!.Value)));
        await Rds.RestoreToPointInTimeAsync(before, "killed-db-restore-1", null);

        // another target is refused while one is unfinished
        var other = await Assert.ThrowsAsync<RecoveryException>(() => Recovery("killed-db").CheckTargetAsync(new RestoreTarget(DateTimeOffset.UtcNow.AddMinutes(-1), null)));
        Assert.Contains("is not finished", other.Message, StringComparison.Ordinal);

        await Recovery("killed-db").CheckTargetAsync(target);
        var restored = await Recovery("killed-db").RestoreAsync(target, new RunSummary("production", ["Restore"]));

        Assert.Equal("killed-db-replaced-1", restored.Kept);
        Assert.False(await IsRestoredAsync("killed-db-replaced-1"));
        Assert.True(await IsRestoredAsync("killed-db"));
        Assert.Null(await Rds.DescribeAsync("killed-db-restore-1"));
        Assert.False(File.Exists(Journal));
    }

    [Fact]
    public async Task A_target_rds_cannot_restore_is_refused_before_anything_changes()
    {
        var before = await CreateInstanceAsync("check-db");
        var recovery = Recovery("check-db");

        var missing = await Assert.ThrowsAsync<RecoveryException>(() => recovery.CheckTargetAsync(new RestoreTarget(null, "no-such-snapshot")));
        Assert.StartsWith("RDS has no snapshot 'no-such-snapshot'", missing.Message, StringComparison.Ordinal);
        var late = await Assert.ThrowsAsync<RecoveryException>(() => recovery.CheckTargetAsync(new RestoreTarget(before.LatestRestorableTime!.Value.AddHours(1), null)));
        Assert.Contains("is outside check-db's restorable window", late.Message, StringComparison.Ordinal);
        var early = await Assert.ThrowsAsync<RecoveryException>(() => recovery.CheckTargetAsync(new RestoreTarget(before.LatestRestorableTime!.Value.AddDays(-8), null)));
        Assert.Contains("7 days back", early.Message, StringComparison.Ordinal);
        Assert.False(await IsRestoredAsync("check-db"));
        Assert.Null(await Rds.DescribeAsync(before.Identifier + "-replaced"));
    }

    [Fact]
    public void The_restore_request_repeats_placement_network_parameters_and_protection()
    {
        var like = new RdsInstance
        {
            Identifier = "tableorder-db",
            Status = "available",
            InstanceClass = "db.t3.small",
            SubnetGroup = "tableorder-db-subnet-group",
            SecurityGroups = ["sg-1", "sg-2"],
            ParameterGroup = "tableorder-postgres15",
            AvailabilityZone = "ap-northeast-2a",
            StorageType = "gp3",
            CopyTagsToSnapshot = true,
            BackupRetentionPeriod = 7,
            PreferredBackupWindow = "03:00-04:00",
            Tags = new Dictionary<string, string> { ["Name"] = "tableorder-db", ["aws:cloudformation:stack-name"] = "x" },
        };
        var settings = RdsDatabase.RestoreSettings(like).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        Assert.Equal("tableorder-db-subnet-group", settings["DBSubnetGroupName"]);
        Assert.Equal("tableorder-postgres15", settings["DBParameterGroupName"]);
        Assert.Equal("sg-1", settings["VpcSecurityGroupIds.VpcSecurityGroupId.1"]);
        Assert.Equal("sg-2", settings["VpcSecurityGroupIds.VpcSecurityGroupId.2"]);
        Assert.Equal("ap-northeast-2a", settings["AvailabilityZone"]);
        Assert.Equal("false", settings["MultiAZ"]);
        Assert.Equal("false", settings["PubliclyAccessible"]);
        Assert.Equal("true", settings["DeletionProtection"]);
        Assert.Equal("true", settings["ManageMasterUserPassword"]);
        Assert.Equal("7", settings["BackupRetentionPeriod"]);
        Assert.Equal("Name", settings["Tags.Tag.1.Key"]);
        Assert.DoesNotContain(settings.Values, v => v.StartsWith("aws:", StringComparison.Ordinal));
        Assert.Equal("tableorder-db", RdsDatabase.IdentifierOf("tableorder-db.c9akciq32.ap-northeast-2.rds.amazonaws.com"));
    }
}
