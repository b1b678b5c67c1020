using Npgsql;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.IntegrationTests.Local;
using TableOrder.Build.IntegrationTests.Support;
using TableOrder.Build.Local;
using TableOrder.Build.Release;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;
using TableOrder.Build.Testing;
using Xunit;
using Xunit.Abstractions;

namespace TableOrder.Build.IntegrationTests.Release;

/// <summary>
/// A Deploy with nothing changed learns the server in one call and does nothing else; each kind of
/// difference (a bootstrap input, a pending action, another release, a database behind, an
/// unhealthy slot) still makes the task it concerns do its work. Every test starts from the
/// reference app deployed.
/// </summary>
[Trait("Category", "Integration")]
[Collection(LocalEnvironmentGroup.Name)]
public sealed class NoOpDeployTests(LocalEnvironmentFixture stack, ITestOutputHelper output) : IDisposable
{
    private static readonly string[] ServerTasks = ["Bootstrap", "Release", "Migrate", "Activate", "Smoke"];

    private readonly TempDirectory _apps = new("noop-apps");
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task A_no_op_deploy_learns_the_server_in_one_call_and_does_nothing_else()
    {
        await DeployReferenceApp();
        var again = await Deploy();
        Assert.Equal(0, again.ExitCode);
        var run = again.Run;
        Assert.Equal(1, run.Remote("connects"));
        Assert.Equal(1, run.Remote("commands"));
        Assert.Equal(0, run.Remote("uploads"));
        Assert.True(run.Flag("WaitForServer", "probed"), run.ToString());
        foreach (var task in ServerTasks)
        {
            Assert.Equal(ServerState.UpToDate, run.Text(task, "skipped"));
        }

        Assert.False(run.Flag("Release", "uploaded"));
        Assert.False(run.Flag("Activate", "switched"));
        Assert.Equal(ReferenceApp.Release, await ServingRelease());
    }

    [Fact]
    public async Task A_different_bootstrap_input_runs_bootstrap_sh_again_and_it_changes_nothing()
    {
        await DeployReferenceApp();

        // What the server says was installed is no longer what this build would install.
        await AsRoot($"printf '%064d\\n' 0 > {ServerMap.BootstrapStamp}");
        var deploy = await Deploy();
        Assert.Equal(0, deploy.ExitCode);
        Assert.True(deploy.Run.Flag("Bootstrap", "scriptsRan"), deploy.Run.ToString());
        Assert.Null(deploy.Run.Text("Bootstrap", "skipped"));
        Assert.Equal(0, deploy.Run.Number("Bootstrap", "changes"));
        Assert.Equal(ServerState.UpToDate, deploy.Run.Text("Release", "skipped"));

        // bootstrap.sh kept this build's stamp: the next run is a no-op again.
        var next = await Deploy();
        Assert.Equal(ServerState.UpToDate, next.Run.Text("Bootstrap", "skipped"));
        Assert.Equal(1, next.Run.Remote("calls"));
    }

    [Fact]
    public async Task A_file_bootstrap_installed_and_someone_changed_on_the_server_is_put_back()
    {
        await DeployReferenceApp();
        await AsRoot($"sed -i 's#return 301 /admin/;#return 404;#' {ServerMap.NginxSite}");

        var deploy = await Deploy();
        Assert.Equal(0, deploy.ExitCode);
        Assert.True(deploy.Run.Flag("Bootstrap", "scriptsRan"), deploy.Run.ToString());
        Assert.True(deploy.Run.Number("Bootstrap", "changes") > 0, deploy.Run.ToString());
        Assert.Equal(0, (await AsRoot($"grep -q 'return 301 /admin/;' {ServerMap.NginxSite}")).ExitCode);
    }

    [Fact]
    public async Task A_pending_action_on_the_server_is_finished()
    {
        await DeployReferenceApp();
        await AsRoot($"install -d -m 0755 {ServerMap.PendingDirectory} && touch {ServerMap.PendingDirectory}/api-refresh");

        var deploy = await Deploy();
        Assert.Equal(0, deploy.ExitCode);
        Assert.True(deploy.Run.Flag("Bootstrap", "restarted"), deploy.Run.ToString());
        Assert.Null(deploy.Run.Text("Smoke", "skipped"));
        Assert.Equal(ReferenceApp.Release, await ServingRelease());

        var next = await Deploy();
        Assert.Equal(ServerState.UpToDate, next.Run.Text("Bootstrap", "skipped"));
    }

    [Fact]
    public async Task A_different_release_is_uploaded_switched_and_smoke_checked()
    {
        await DeployReferenceApp();
        var app = ReferenceApp.CopyTo(_apps.Path, "other-release");
        var page = Path.Combine(app, "ui", "customer", "index.html");
        await File.WriteAllTextAsync(page, (await File.ReadAllTextAsync(page)).Replace("</body>", "<!-- no-op test --></body>", StringComparison.Ordinal));
        var id = ReleaseArchive.FromDirectory(app).Id;
        try
        {
            var deploy = await Deploy($"--app-dir={app}");
            Assert.Equal(0, deploy.ExitCode);
            Assert.Equal(ServerState.UpToDate, deploy.Run.Text("Bootstrap", "skipped"));
            Assert.True(deploy.Run.Flag("Release", "uploaded"));
            Assert.True(deploy.Run.Flag("Activate", "switched"));
            Assert.Null(deploy.Run.Text("Smoke", "skipped"));
            Assert.Equal(
                ["customer UI", "admin UI", "superadmin UI", "health", "SSE round trip", "publishing is staff only", "staff stream is staff only", "customer order"],
                deploy.Run.Outcome("Smoke", "checks")!.Value.EnumerateArray().Select(c => c.GetString()!));
            Assert.Equal(id, await ServingRelease());
        }
        finally
        {
            await DeployReferenceApp();
        }
    }

    [Fact]
    public async Task A_database_behind_the_release_is_migrated()
    {
        await DeployReferenceApp();
        var app = ReferenceApp.CopyTo(_apps.Path, "one-more-migration");
        await File.WriteAllTextAsync(
            Path.Combine(app, "migrations", "versions", "0003_noop_probe.py"),
            """
            "A migration that changes nothing, so it can run again."
            from alembic import op

            revision = "0003_noop_probe"
            down_revision = "0002_menu_images_demo_store"
            branch_labels = None
            depends_on = None


            def upgrade():
                op.execute("SELECT 1")


            def downgrade():
                pass
            """);
        try
        {
            Assert.Equal(0, (await Deploy($"--app-dir={app}")).ExitCode);

            // The same release is live; only the database is one revision behind it.
            await SetRevision("0002_menu_images_demo_store");
            var deploy = await Deploy($"--app-dir={app}");
            Assert.Equal(0, deploy.ExitCode);
            Assert.Equal(ServerState.UpToDate, deploy.Run.Text("Bootstrap", "skipped"));
            Assert.Equal(ServerState.UpToDate, deploy.Run.Text("Release", "skipped"));
            Assert.Null(deploy.Run.Text("Migrate", "skipped"));
            Assert.Equal(["0003_noop_probe"], deploy.Run.Outcome("Migrate", "migrated")!.Value.EnumerateArray().Select(r => r.GetString()));
        }
        finally
        {
            // The reference app does not know 0003 (it did nothing): the database goes back to its head.
            await SetRevision("0002_menu_images_demo_store");
            await DeployReferenceApp();
        }
    }

    [Fact]
    public async Task An_unhealthy_live_slot_is_started_again()
    {
        await DeployReferenceApp();
        var live = (await AsRoot($"cat {ServerMap.LiveSlotFile}")).Text.Trim();
        await AsRoot($"systemctl stop {ServerMap.ApiUnit(live)}");

        var deploy = await Deploy();
        Assert.Equal(0, deploy.ExitCode);
        Assert.Null(deploy.Run.Text("Activate", "skipped"));
        Assert.True(deploy.Run.Flag("Activate", "switched"), deploy.Run.ToString());
        Assert.Null(deploy.Run.Text("Smoke", "skipped"));
        Assert.Equal(ReferenceApp.Release, await ServingRelease());
    }

    public void Dispose()
    {
        _http.Dispose();
        _apps.Dispose();
    }

    private async Task DeployReferenceApp() => Assert.Equal(0, (await Deploy()).ExitCode);

    private async Task<BuildResult> Deploy(params string[] arguments)
    {
        var run = await BuildRun.RunAsync(LocalEnvironmentFixture.LongRun, ["--target=Deploy", .. arguments]);
        output.WriteLine(run.ToString());
        return run;
    }

    private async Task<RemoteResult> AsRoot(string command)
    {
        var log = new RecordingLog(output);
        var target = new LocalMachine(stack.Layout, new LocalProcess(log), log).SshTarget;
        using var session = await SshSession.ConnectAsync(target, log, new SecretMasker(), TimeSpan.FromSeconds(30));
        return await session.RunAsync(RemoteCommand.Root(command, "test: " + command));
    }

    /// <summary>Sets the stack database's alembic revision directly, as the database owner.</summary>
    private async Task SetRevision(string revision)
    {
        var secrets = LocalSecrets.LoadOrCreate(stack.Layout.SecretsFile);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = stack.Layout.Ports.Postgres,
            Username = LocalLayout.DatabaseUser,
            Password = secrets.DatabasePassword,
            Database = LocalLayout.DatabaseName,
            Pooling = false,
        };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("UPDATE alembic_version SET version_num = @revision", connection);
        command.Parameters.AddWithValue("revision", revision);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    private Task<string?> ServingRelease() => ReferenceApp.ServingReleaseAsync(_http, stack.Layout.Ports.Http);
}
