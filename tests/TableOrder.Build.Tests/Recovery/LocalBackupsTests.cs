using TableOrder.Build.Local;
using TableOrder.Build.Recovery;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Recovery;

/// <summary>The local stack's pgBackRest: its config, PostgreSQL's archiving, the restore command line and the info it reads.</summary>
[Trait("Category", "Unit")]
public sealed class LocalBackupsTests : IDisposable
{
    private readonly TempDirectory _temp = new("local-backups");
    private readonly LocalLayout _layout;

    public LocalBackupsTests()
    {
        _layout = new LocalLayout(_temp.Combine("state"), _temp.Combine("cache"), _temp.Path);
        Directory.CreateDirectory(_layout.StateDirectory);
        File.WriteAllText(Path.Combine(_layout.StateDirectory, "ports.json"), """{"Ssh":20000,"Http":20001,"Api":20002,"Postgres":20003,"Redis":20004,"ApiGreen":20005,"Https":20006,"Acme":20007,"AcmeManagement":20008,"Dns":20009}""");
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void The_repository_is_in_the_state_folder_and_keeps_full_backups_seven_days()
    {
        var config = LocalBackups.Config(_layout);
        Assert.Contains($"repo1-path={_layout.StateDirectory}/backups/repo\n", config, StringComparison.Ordinal);
        Assert.Contains("repo1-retention-full-type=time\nrepo1-retention-full=7\n", config, StringComparison.Ordinal);
        Assert.Contains("[tableorder]\n", config, StringComparison.Ordinal);
        Assert.Contains($"pg1-path={_layout.PostgresData}\n", config, StringComparison.Ordinal);
        Assert.Contains("pg1-port=20003\n", config, StringComparison.Ordinal);
        Assert.Contains($"pg1-socket-path={_layout.PostgresSocketDirectory}\n", config, StringComparison.Ordinal);
        Assert.StartsWith(_layout.StateDirectory + "/", _layout.BackupDirectory, StringComparison.Ordinal);
    }

    [Fact]
    public void PostgreSQL_archives_every_segment_with_pgbackrest_at_least_every_minute()
    {
        var settings = LocalBackups.ServerSettings("/state/backups/pgbackrest.conf");
        Assert.Contains("archive_mode = on\n", settings, StringComparison.Ordinal);
        Assert.Contains("wal_level = replica\n", settings, StringComparison.Ordinal);
        Assert.Contains("archive_command = 'pgbackrest --config=/state/backups/pgbackrest.conf --stanza=tableorder archive-push %p'\n", settings, StringComparison.Ordinal);
        Assert.Contains("archive_timeout = 60\n", settings, StringComparison.Ordinal);
        Assert.True(LocalBackups.ArchiveTimeout <= TimeSpan.FromSeconds(60));
    }

    [Fact]
    public void A_point_in_time_restore_replays_to_the_time_and_promotes()
    {
        var time = new DateTimeOffset(2026, 12, 1, 10, 15, 30, 250, TimeSpan.Zero);
        var arguments = LocalBackups.RestoreArguments("/s/pgbackrest.conf", "/s/postgres/data.restore", new RestoreTarget(time, null), null);
        Assert.Equal(
            [
                "--config=/s/pgbackrest.conf", "--stanza=tableorder", "--pg1-path=/s/postgres/data.restore",
                "--type=time", "--target=2026-12-01 10:15:30.250+00", "--target-action=promote",
                "--recovery-option=restore_command=pgbackrest --config=/s/pgbackrest.conf --stanza=tableorder archive-get %f \"%p\"",
                "restore",
            ],
            arguments);
    }

    [Fact]
    public void A_snapshot_restore_names_its_backup_set_and_stops_where_it_is_consistent()
    {
        var arguments = LocalBackups.RestoreArguments("/s/pgbackrest.conf", "/s/data.restore", new RestoreTarget(null, "tableorder-manual-x"), "20261201-101530F");
        Assert.Contains("--set=20261201-101530F", arguments);
        Assert.Contains("--type=immediate", arguments);
        Assert.Contains("--target-action=promote", arguments);
        Assert.DoesNotContain(arguments, a => a.StartsWith("--type=time", StringComparison.Ordinal));
    }

    [Fact]
    public void The_latest_restorable_time_replays_everything_the_archive_has()
    {
        var arguments = LocalBackups.RestoreArguments("/s/c.conf", "/s/d", RestoreTarget.Latest, null);
        Assert.DoesNotContain(arguments, a => a.StartsWith("--type=", StringComparison.Ordinal) || a.StartsWith("--target", StringComparison.Ordinal));
        Assert.Equal("restore", arguments[^1]);
    }

    [Fact]
    public void Info_lists_the_backups_oldest_first_with_the_snapshot_names()
    {
        const string Info = """
            [{"archive":[],"backup":[
              {"annotation":{"tableorder-snapshot":"tableorder-manual-20261207t183145z-b6c281aac36c"},"label":"20261207-183146F","timestamp":{"start":1796668306,"stop":1796668317},"type":"full"},
              {"label":"20261207-175249F","timestamp":{"start":1796665969,"stop":1796665979},"type":"full"}
            ],"name":"tableorder"}]
            """;
        var backups = LocalBackups.ParseInfo(Info);
        Assert.Equal(["20261207-175249F", "20261207-183146F"], backups.Select(b => b.Label));
        Assert.Null(backups[0].Snapshot);
        Assert.Equal("tableorder-manual-20261207t183145z-b6c281aac36c", backups[1].Snapshot);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1796668317), backups[1].Finished);
    }
}
