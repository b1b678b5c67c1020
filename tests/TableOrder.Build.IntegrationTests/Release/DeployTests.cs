using System.Net.Http.Json;
using System.Text.Json;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.IntegrationTests.Local;
using TableOrder.Build.IntegrationTests.Support;
using TableOrder.Build.Local;
using TableOrder.Build.Release;
using TableOrder.Build.Remote;
using TableOrder.Build.Testing;
using Xunit;
using Xunit.Abstractions;

namespace TableOrder.Build.IntegrationTests.Release;

/// <summary>
/// `Deploy` end to end on the local environment, and what happens when it goes wrong: a broken
/// app is rolled back with the old release serving, a broken migration stops before the switch,
/// a held lock refuses a second deploy. Every test starts from the reference app deployed.
/// </summary>
[Trait("Category", "Integration")]
[Collection(LocalEnvironmentGroup.Name)]
public sealed class DeployTests(LocalEnvironmentFixture stack, ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _apps = new("apps");
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private static string ReferenceRelease => ReferenceApp.Release;

    [Fact]
    public async Task Deploy_brings_the_reference_app_live_and_passes_the_smoke_checks()
    {
        // Another release live first: a Deploy of what is live already skips its smoke checks (one probe said it is healthy).
        var other = CopyReferenceApp("before-reference");
        var page = Path.Combine(other, "ui", "customer", "index.html");
        await File.WriteAllTextAsync(page, (await File.ReadAllTextAsync(page)).Replace("</body>", "<!-- before --></body>", StringComparison.Ordinal));
        Assert.Equal(0, (await Deploy($"--app-dir={other}")).ExitCode);

        var deploy = await Deploy();
        Assert.Equal(0, deploy.ExitCode);
        var checks = deploy.Run.Outcome("Smoke", "checks")!.Value.EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Equal(["customer UI", "admin UI", "superadmin UI", "health", "SSE round trip", "publishing is staff only", "staff stream is staff only", "customer order"], checks);
        Assert.Equal(ReferenceRelease, deploy.Run.Text("Release", "release"));
        Assert.Equal(ReferenceRelease, await ServingRelease());
    }

    [Fact]
    public async Task A_second_deploy_with_nothing_changed_uploads_nothing_and_restarts_nothing()
    {
        Assert.Equal(0, (await Deploy()).ExitCode);
        var again = await Deploy();
        Assert.Equal(0, again.ExitCode);
        var run = again.Run;
        Assert.Equal(0, run.Number("Bootstrap", "changes"));
        Assert.False(run.Flag("Bootstrap", "restarted"));
        Assert.False(run.Flag("Release", "uploaded"));
        Assert.Equal(0, run.Outcome("Migrate", "migrated")?.GetArrayLength());
        Assert.False(run.Flag("Activate", "switched"));
        Assert.Equal("ran", run.Status("Smoke"));
    }

    [Fact]
    public async Task A_broken_app_fails_its_health_check_and_the_old_release_keeps_serving()
    {
        Assert.Equal(0, (await Deploy()).ExitCode);
        var broken = CopyReferenceApp("broken-app");
        await File.AppendAllTextAsync(Path.Combine(broken, "app", "main.py"), "\nraise RuntimeError(\"deliberately broken release\")\n");

        var deploy = await Deploy($"--app-dir={broken}", "--health-timeout=15");
        Assert.Equal(1, deploy.ExitCode);
        Assert.Equal("failed", deploy.Run.Status("Activate"));
        Assert.Contains($"{ReferenceRelease} is still serving", deploy.Run.Error, StringComparison.Ordinal);
        Assert.Contains("deliberately broken release", deploy.Output, StringComparison.Ordinal);
        Assert.Equal(ReferenceRelease, await ServingRelease());
    }

    [Fact]
    public async Task A_broken_migration_stops_the_deploy_before_the_switch()
    {
        Assert.Equal(0, (await Deploy()).ExitCode);
        var broken = CopyReferenceApp("broken-migration");
        await File.WriteAllTextAsync(
            Path.Combine(broken, "migrations", "versions", "0003_broken.py"),
            """
            "A deliberately broken migration."
            from alembic import op

            revision = "0003_broken"
            down_revision = "0002_menu_images_demo_store"
            branch_labels = None
            depends_on = None


            def upgrade():
                op.execute("SELECT * FROM no_such_table")


            def downgrade():
                pass
            """);

        var deploy = await Deploy($"--app-dir={broken}");
        Assert.Equal(1, deploy.ExitCode);
        Assert.Equal("failed", deploy.Run.Status("Migrate"));
        Assert.Contains("Migration to revision 0003_broken failed", deploy.Run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Activate", deploy.Run.TaskNames);
        Assert.Equal(ReferenceRelease, await ServingRelease());
    }

    [Fact]
    public async Task A_second_deploy_while_one_holds_the_lock_is_refused_with_the_holders_name()
    {
        Assert.Equal(0, (await Deploy()).ExitCode);
        var log = new RecordingLog(output);
        var target = new LocalMachine(stack.Layout, new LocalProcess(log), log).SshTarget;
        using var session = await SshSession.ConnectAsync(target, log, new SecretMasker(), TimeSpan.FromSeconds(30));
        var held = new DeployLock(session, log);
        await held.AcquireAsync("alice@release-test", "deploy", "aaaaaaaaaaaa", TimeSpan.Zero);
        try
        {
            var second = await Deploy();
            Assert.Equal(1, second.ExitCode);
            Assert.Contains("The server is locked by alice@release-test", second.Run.Error, StringComparison.Ordinal);
            Assert.Contains("--lock-wait", second.Run.Error, StringComparison.Ordinal);
            Assert.Equal("failed", second.Run.Status("Bootstrap"));
        }
        finally
        {
            await held.ReleaseAsync();
        }

        Assert.Null(await new DeployLock(session, log).ShowAsync());
    }

    [Fact]
    public async Task Rollback_returns_to_the_previous_release()
    {
        Assert.Equal(0, (await Deploy()).ExitCode);
        var next = CopyReferenceApp("next-app");
        var page = Path.Combine(next, "ui", "customer", "index.html");
        await File.WriteAllTextAsync(page, (await File.ReadAllTextAsync(page)).Replace("</body>", "<!-- next --></body>", StringComparison.Ordinal));
        var nextId = ReleaseArchive.FromDirectory(next).Id;

        Assert.Equal(0, (await Deploy($"--app-dir={next}")).ExitCode);
        Assert.Equal(nextId, await ServingRelease());

        var rollback = await BuildRun.RunAsync(LocalEnvironmentFixture.LongRun, "--target=Rollback");
        output.WriteLine(rollback.ToString());
        Assert.Equal(0, rollback.ExitCode);
        Assert.Equal(ReferenceRelease, await ServingRelease());

        Assert.Equal(ReferenceRelease, rollback.Run.Text("Rollback", "release"));
        Assert.True(rollback.Run.Flag("Rollback", "switched"));

        var status = await BuildRun.RunAsync(LocalEnvironmentFixture.LongRun, "--target=Status");
        Assert.Equal(ReferenceRelease, status.Run.Text("Status", "current"));
        Assert.Equal(nextId, status.Run.Text("Status", "previous"));
        Assert.Null(status.Run.Text("Status", "lock"));
        Assert.True(status.Run.Flag("Status", "healthy"));
    }

    public void Dispose()
    {
        _http.Dispose();
        _apps.Dispose();
    }

    private async Task<BuildResult> Deploy(params string[] arguments)
    {
        var run = await BuildRun.RunAsync(LocalEnvironmentFixture.LongRun, ["--target=Deploy", .. arguments]);
        output.WriteLine(run.ToString());
        return run;
    }

    private Task<string?> ServingRelease() => ReferenceApp.ServingReleaseAsync(_http, stack.Layout.Ports.Http);

    private string CopyReferenceApp(string name) => ReferenceApp.CopyTo(_apps.Path, name);
}
