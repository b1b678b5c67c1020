using TableOrder.Build.Release;
using TableOrder.Build.Server;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Server;

/// <summary>The one-call probe of the server, the fingerprints it is compared with, and the migration heads.</summary>
[Trait("Category", "Unit")]
public sealed class ServerProbeTests
{
    private static readonly string AppDeploy = Path.Combine(RepositoryRoot.Path, "app-deploy");

    private static readonly string[] Probed =
    [
        "scripts=" + new string('a', 64),
        "bootstrap=" + new string('b', 64),
        "installed=intact",
        "lock=free",
        "system=running",
        "live=green",
        "blue=1111aaaa2222 inactive",
        "green=3333bbbb4444 active",
        "pending=",
        "releases=placeholder 1111aaaa2222 3333bbbb4444 ",
        "file /etc/tableorder/app.env=" + new string('c', 64),
        "file /etc/tableorder/migrate.env=",
        "health=200 {\"status\":\"ok\",\"database\":\"ok\",\"redis\":\"ok\",\"release\":\"3333bbbb4444\",\"revision\":\"0002_b\"}",
    ];

    [Fact]
    public void The_probes_lines_are_read_into_the_servers_state()
    {
        var state = ServerState.Parse(Probed);
        Assert.True(state.Booted);
        Assert.True(state.Intact);
        Assert.False(state.Locked);
        Assert.Equal(new string('a', 64), state.Scripts);
        Assert.Equal(new string('b', 64), state.Bootstrap);
        Assert.Equal("green", state.Slots.Live);
        Assert.Equal("3333bbbb4444", state.Slots.LiveRelease);
        Assert.False(state.Slots.Running["blue"]);
        Assert.Empty(state.Slots.Pending);
        Assert.Equal(["1111aaaa2222", "3333bbbb4444", "placeholder"], state.Releases.Order());
        Assert.Equal(new string('c', 64), state.Files["/etc/tableorder/app.env"]);
        Assert.Equal(string.Empty, state.Files["/etc/tableorder/migrate.env"]);
        Assert.Equal(["0002_b"], state.DatabaseRevisions!);
        Assert.True(state.HealthyFor("3333bbbb4444"));
        Assert.False(state.HealthyFor("1111aaaa2222"));
    }

    [Theory]
    [InlineData("lock=held")]
    [InlineData("installed=changed")]
    [InlineData("system=starting")]
    [InlineData("system=cloud-init")]
    [InlineData("health=502 <html>bad gateway</html>")]
    [InlineData("health=200 {\"status\":\"degraded\",\"release\":\"3333bbbb4444\"}")]
    [InlineData("pending=api-refresh ")]
    public void Anything_unlike_a_settled_server_reads_as_such(string line)
    {
        var key = line[..line.IndexOf('=', StringComparison.Ordinal)];
        var state = ServerState.Parse([.. Probed.Where(l => !l.StartsWith(key + "=", StringComparison.Ordinal)), line]);
        Assert.False(!state.Locked && state.Intact && state.Booted && state.HealthyFor("3333bbbb4444") && state.Slots.Pending.Count == 0, line);
    }

    [Fact]
    public void The_database_revision_is_the_probes_own_reading_when_there_is_one_and_unknown_when_nothing_says()
    {
        Assert.Equal(["0003_c"], ServerState.Parse([.. Probed, "db=0003_c"]).DatabaseRevisions!);
        Assert.Null(ServerState.Parse([.. Probed.Where(l => !l.StartsWith("health=", StringComparison.Ordinal)), "db=?"]).DatabaseRevisions);
        Assert.Null(ServerState.Parse(["health=503 {\"status\":\"degraded\",\"revision\":null}"]).DatabaseRevisions);
        Assert.Empty(ServerState.Parse(["db="]).DatabaseRevisions!);
    }

    [Fact]
    public void An_empty_answer_is_a_server_that_needs_everything()
    {
        var state = ServerState.Parse([]);
        Assert.True(state.Locked);
        Assert.False(state.Intact);
        Assert.False(state.Booted);
        Assert.Null(state.DatabaseRevisions);
        Assert.Empty(state.Releases);
    }

    [Fact]
    public void The_probe_is_one_root_command_that_reads_the_maps_paths_and_changes_nothing()
    {
        var command = ServerProbe.Command(8080);
        Assert.True(command.AsRoot);
        Assert.True(command.AllowFailure);
        foreach (var path in new[] { ServerMap.BootstrapStamp, ServerMap.BootstrapFiles, ServerMap.Lock, ServerMap.LiveSlotFile, ServerMap.PendingDirectory, ServerMap.Releases, ServerMap.EnvFile, ServerMap.RedisCaFile, "http://127.0.0.1:8080/api/health", DeployScripts.FingerprintFile })
        {
            Assert.Contains(path, command.Text, StringComparison.Ordinal);
        }

        foreach (var change in new[] { "rm ", "mv ", "install ", "mkdir", "touch", "systemctl start", "systemctl stop", "systemctl restart" })
        {
            Assert.DoesNotContain(change, command.Text, StringComparison.Ordinal);
        }

        // Output goes nowhere but the answer and /dev/null.
        Assert.DoesNotContain(">", command.Text.Replace(">/dev/null", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);

        Assert.Contains("SELECT version_num FROM alembic_version", command.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_bootstrap_fingerprint_follows_every_uploaded_file_the_ports_and_the_policy()
    {
        using var copy = new TempDirectory("app-deploy-copy");
        CopyDirectory(AppDeploy, copy.Path);
        var local = new ServerPolicy(false, PythonPackages.Distro);
        var ports = new ServerPorts(8080, 18000, 18001);
        var original = DeployScripts.Fingerprint(copy.Path);
        Assert.Equal(DeployScripts.Fingerprint(AppDeploy), original);
        var stamp = DeployScripts.BootstrapFingerprint(original, ports, local);
        Assert.Matches("^[0-9a-f]{64}$", stamp);
        Assert.NotEqual(stamp, DeployScripts.BootstrapFingerprint(original, ports with { Http = 8081 }, local));
        Assert.NotEqual(stamp, DeployScripts.BootstrapFingerprint(original, ports, local with { CloudWatchAgent = true }));

        File.AppendAllText(Path.Combine(copy.Path, "server", "nginx-site.conf.in"), "\n# changed\n");
        Assert.NotEqual(original, DeployScripts.Fingerprint(copy.Path));

        Assert.EndsWith($"--cloudwatch off --stamp {stamp}", ServerBootstrap.Command(ports, local, stamp).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_migration_heads_are_the_revisions_nothing_revises()
    {
        Assert.Equal(["0002_menu_images_demo_store"], MigrationHeads.Of(ReleaseArchive.FromDirectory(Path.Combine(AppDeploy, "reference-app")))!);
        string[] scripts =
        [
            "revision = \"a\"\ndown_revision = None\n",
            "revision: str = 'b'\ndown_revision: Union[str, None] = 'a'\n",
            "revision = \"c\"\ndown_revision = \"a\"\n",
            "revision = \"d\"\ndown_revision = (\"b\", \"c\")\n",
        ];
        Assert.Equal(["d"], MigrationHeads.Heads(scripts)!);
        Assert.Equal(["b", "c"], MigrationHeads.Heads(scripts[..3])!.Order());
        Assert.Null(MigrationHeads.Heads(["revision = compute()\ndown_revision = None\n"]));
        Assert.Null(MigrationHeads.Heads([]));
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
