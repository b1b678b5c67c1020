using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.IntegrationTests.Local;
using TableOrder.Build.IntegrationTests.Support;
using TableOrder.Build.Local;
using TableOrder.Build.Release;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;
using Xunit;
using Xunit.Abstractions;

namespace TableOrder.Build.IntegrationTests.Release;

/// <summary>
/// Releases on two slots, and a server that converges after a crash at any point that writes a
/// file: the scripts are stopped there (the test-only stop point) and the next run must finish the
/// job and serve the change.
/// </summary>
[Trait("Category", "Integration")]
[Collection(LocalEnvironmentGroup.Name)]
public sealed class ZeroDowntimeTests(LocalEnvironmentFixture stack, ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _apps = new("zd-apps");
    private readonly HttpClient _http = new(new HttpClientHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) };

    private static string ReferenceRelease => ReferenceApp.Release;

    [Theory]
    [InlineData("after-live-write")]
    [InlineData("after-live-rename")]
    [InlineData("after-reload")]
    [InlineData("after-slot-link")]
    [InlineData("after-venv")]
    [InlineData("after-requirements")]
    public async Task A_deploy_killed_at_a_release_or_switch_point_is_finished_by_the_next_one(string point)
    {
        Assert.Equal(0, (await Run("--target=Deploy")).ExitCode);
        var next = ChangedApp("crash-" + point);
        var nextId = ReleaseArchive.FromDirectory(next).Id;

        var crashed = await Run(StopAt(point), "--target=Deploy", $"--app-dir={next}");
        Assert.Equal(1, crashed.ExitCode);
        Assert.Contains(crashed.Run.TaskNames, t => crashed.Run.Status(t) == "failed");
        Assert.Contains($"stopping at '{point}'", crashed.Output, StringComparison.Ordinal);

        var again = await Run("--target=Deploy", $"--app-dir={next}");
        Assert.Equal(0, again.ExitCode);
        Assert.Equal(nextId, await ServingRelease());
        var status = await Run("--target=Status");
        Assert.Equal(0, status.Run.Outcome("Status", "pending")?.GetArrayLength());
        Assert.Equal(nextId, status.Run.Text("Status", "current"));
    }

    [Fact]
    public async Task A_bootstrap_killed_after_writing_the_site_is_reloaded_by_the_next_one()
    {
        Assert.Equal(0, (await Run("--target=Deploy")).ExitCode);

        // Nginx serves a site that lacks the /admin redirect (as if an older site were live)...
        await Ssh($"sed -i 's#return 301 /admin/;#return 404;#' {ServerMap.NginxSite} && systemctl reload nginx");
        Assert.Equal(HttpStatusCode.NotFound, await StatusSoon("/admin", HttpStatusCode.NotFound));

        // ...a bootstrap writes the right site back and is killed before its reload...
        var crashed = await Run(StopAt("after-site-write"), "--target=Bootstrap");
        Assert.Equal(1, crashed.ExitCode);
        Assert.Equal(HttpStatusCode.NotFound, await StatusOf("/admin"));

        // ...and the next one, finding the file already right, still reloads: the pending reload was recorded.
        var again = await Run("--target=Bootstrap");
        Assert.Equal(0, again.ExitCode);
        Assert.Equal(HttpStatusCode.MovedPermanently, await StatusSoon("/admin", HttpStatusCode.MovedPermanently));
    }

    [Fact]
    public async Task A_bootstrap_killed_after_writing_the_unit_reloads_systemd_and_restarts_the_api_through_the_switch()
    {
        Assert.Equal(0, (await Run("--target=Deploy")).ExitCode);
        await Ssh($"echo '# an older unit' >> /etc/systemd/system/{ServerMap.ApiUnitTemplate}");

        var crashed = await Run(StopAt("after-unit-write"), "--target=Bootstrap");
        Assert.Equal(1, crashed.ExitCode);

        var again = await Run("--target=Bootstrap");
        Assert.Equal(0, again.ExitCode);
        Assert.True(again.Run.Flag("Bootstrap", "restarted"), again.ToString());
        Assert.Equal(string.Empty, (await Ssh($"ls {ServerMap.PendingDirectory}")).Trim());
        Assert.Equal("no", (await Ssh($"systemctl show -p NeedDaemonReload --value {ServerMap.ApiUnit("blue")}")).Trim());
        Assert.Equal(ReferenceRelease, await ServingRelease());
    }

    [Fact]
    public async Task A_release_whose_requirements_are_not_met_never_goes_live()
    {
        Assert.Equal(0, (await Run("--target=Deploy")).ExitCode);
        var unmet = ChangedApp("unmet");
        await File.AppendAllTextAsync(Path.Combine(unmet, "requirements.txt"), "\nno-such-package-anywhere==1.0\n");

        var deploy = await Run("--target=Deploy", $"--app-dir={unmet}");
        Assert.Equal(1, deploy.ExitCode);
        Assert.Equal("failed", deploy.Run.Status("Release"));
        Assert.DoesNotContain("Activate", deploy.Run.TaskNames);
        Assert.Equal(ReferenceRelease, await ServingRelease());
        var id = ReleaseArchive.FromDirectory(unmet).Id;
        Assert.Equal("absent", (await Ssh($"test -f {ServerMap.Release(id)}/{ServerMap.ReleaseComplete} && echo complete || echo absent")).Trim());
    }

    [Fact]
    public async Task Rollback_runs_the_previous_release_with_its_own_environment()
    {
        Assert.Equal(0, (await Run("--target=Deploy")).ExitCode);
        var next = ChangedApp("next");
        Assert.Equal(0, (await Run("--target=Deploy", $"--app-dir={next}")).ExitCode);

        var rollback = await Run("--target=Rollback");
        Assert.Equal(0, rollback.ExitCode);
        Assert.Equal(ReferenceRelease, await ServingRelease());

        // the live slot's process runs from the reference release, with that release's venv
        var live = (await Ssh($"cat {ServerMap.LiveSlotFile}")).Trim();
        var pid = (await Ssh($"systemctl show -p MainPID --value {ServerMap.ApiUnit(live)}")).Trim();
        Assert.Equal(ServerMap.Release(ReferenceRelease), (await Ssh($"readlink -f /proc/{pid}/cwd")).Trim());
        Assert.StartsWith($"{ServerMap.Slot(live)}/{ServerMap.ReleaseVenv}/bin/python", (await Ssh($"tr '\\0' ' ' < /proc/{pid}/cmdline")).Trim(), StringComparison.Ordinal);
        Assert.Equal(ServerMap.Release(ReferenceRelease), (await Ssh($"readlink -f {ServerMap.Slot(live)}")).Trim());
    }

    [Fact]
    public async Task A_failed_smoke_check_puts_the_previous_release_back()
    {
        Assert.Equal(0, (await Run("--target=Deploy")).ExitCode);
        var wrong = ChangedApp("wrong-admin");
        var page = Path.Combine(wrong, "ui", "admin", "index.html");
        await File.WriteAllTextAsync(page, (await File.ReadAllTextAsync(page)).Replace("content=\"admin\"", "content=\"customer\"", StringComparison.Ordinal));

        var deploy = await Run("--target=Deploy", $"--app-dir={wrong}");
        Assert.Equal(1, deploy.ExitCode);
        Assert.Equal("failed", deploy.Run.Status("Smoke"));
        Assert.Equal(ReferenceRelease, deploy.Run.Text("Smoke", "rolledBackTo"));
        Assert.Contains($"Rolled back to release {ReferenceRelease}", deploy.Run.Error, StringComparison.Ordinal);
        Assert.Equal(ReferenceRelease, await ServingRelease());
    }

    public void Dispose()
    {
        _http.Dispose();
        _apps.Dispose();
    }

    private static Dictionary<string, string?> StopAt(string point) => new() { [SlotCommands.StopAtVariable] = point };

    private Task<BuildResult> Run(params string[] arguments) => Run(null, arguments);

    private async Task<BuildResult> Run(IReadOnlyDictionary<string, string?>? environment, params string[] arguments)
    {
        var run = await BuildRun.RunAsync(LocalEnvironmentFixture.LongRun, environment, arguments);
        output.WriteLine(run.ToString());
        return run;
    }

    private async Task<string> Ssh(string rootCommand)
    {
        var log = new RecordingLog(output);
        using var session = await SshSession.ConnectAsync(new LocalMachine(stack.Layout, new LocalProcess(log), log).SshTarget, log, new SecretMasker(), TimeSpan.FromSeconds(30));
        return (await session.RunAsync(RemoteCommand.Root(rootCommand, "test step") with { AllowFailure = true })).Text;
    }

    /// <summary>A reload is applied by new Nginx workers a moment after systemctl returns: wait up to 5 s for the expected answer.</summary>
    private async Task<HttpStatusCode> StatusSoon(string path, HttpStatusCode expected)
    {
        var status = await StatusOf(path);
        for (var i = 0; i < 25 && status != expected; i++)
        {
            await Task.Delay(200);
            status = await StatusOf(path);
        }

        return status;
    }

    private async Task<HttpStatusCode> StatusOf(string path)
    {
        using var response = await _http.GetAsync(new Uri($"http://127.0.0.1:{stack.Layout.Ports.Http}{path}"));
        return response.StatusCode;
    }

    private Task<string?> ServingRelease() => ReferenceApp.ServingReleaseAsync(_http, stack.Layout.Ports.Http);

    /// <summary>A copy of the reference app with one UI file changed: another release.</summary>
    private string ChangedApp(string name) => ReferenceApp.ChangedCopy(_apps.Path, name);
}
