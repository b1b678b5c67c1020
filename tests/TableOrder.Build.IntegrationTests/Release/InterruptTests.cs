using TableOrder.Build.Diagnostics;
using TableOrder.Build.IntegrationTests.Local;
using TableOrder.Build.IntegrationTests.Support;
using TableOrder.Build.Local;
using TableOrder.Build.Release;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;
using TableOrder.Build.Signals;
using Xunit;
using Xunit.Abstractions;

namespace TableOrder.Build.IntegrationTests.Release;

/// <summary>
/// Ctrl-C (SIGINT) or a kill (SIGTERM) at any moment of a Deploy: the run stops where it is (the
/// server's script too), exits as a signal does, releases the deploy lock, says what did not run;
/// the next Deploy finishes the job (terraform: TerraformInterruptTests). The build signals itself at a named point
/// (TABLEORDER_TEST_INTERRUPT_AT), and the server scripts wait inside a step (--stop-at pause:NAME):
/// no timing guess. Whatever SIGINT disposition the test runner passed down (a background job
/// ignores it), and one case starts the build with SIGINT explicitly ignored.
/// </summary>
[Trait("Category", "Integration")]
[Collection(LocalEnvironmentGroup.Name)]
public sealed class InterruptTests(LocalEnvironmentFixture stack, ITestOutputHelper output) : IDisposable
{
    private static readonly string[] DeployTasks = ["Provision", "WaitForServer", "Bootstrap", "Release", "Migrate", "Activate", "Smoke"];

    private readonly TempDirectory _apps = new("interrupt-apps");
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Theory]
    [InlineData("Provision")]
    [InlineData("WaitForServer")]
    [InlineData("Bootstrap")]
    [InlineData("Release")]
    [InlineData("Migrate")]
    [InlineData("Activate")]
    [InlineData("Smoke")]
    public async Task A_deploy_interrupted_at_a_task_boundary_stops_there_and_the_next_deploy_finishes(string task)
    {
        var app = ReferenceApp.ChangedCopy(_apps.Path, "boundary-" + task);

        var interrupted = await Run(Interrupt("task:" + task), null, "--target=Deploy", $"--app-dir={app}");

        AssertStopped(interrupted, 130, "SIGINT", task);
        Assert.Equal(DeployTasks.SkipWhile(t => t != task).Skip(1).Append("Deploy"), interrupted.Run.NotRun);
        await AssertNextDeployServes(app);
    }

    [Theory]
    [InlineData("Bootstrap", "after-site-write", "SIGINT", false)]
    [InlineData("Release", "after-venv", "SIGINT", true)]
    [InlineData("Activate", "after-slot-link", "SIGTERM", false)]
    [InlineData("Activate", "after-live-write", "SIGINT", false)]
    public async Task A_deploy_interrupted_inside_a_server_step_stops_the_step_and_the_next_deploy_finishes(string task, string point, string signal, bool sigintIgnoredByParent)
    {
        var app = ReferenceApp.ChangedCopy(_apps.Path, $"inside-{point}-{signal}");
        if (task == "Bootstrap")
        {
            // Bootstrap runs its script only when something changed: make it run.
            await Ssh($"rm -f {ServerMap.BootstrapStamp}");
        }

        var environment = Interrupt($"remote:pausing at '{point}'", signal);
        environment[SlotCommands.StopAtVariable] = "pause:" + point;
        var interrupted = await Run(environment, sigintIgnoredByParent ? ["env", "--ignore-signal=INT"] : null, "--target=Deploy", $"--app-dir={app}");

        AssertStopped(interrupted, signal == "SIGTERM" ? 143 : 130, signal, task);
        Assert.Equal(string.Empty, (await Ssh("pgrep -a -f 'bootstrap[.]sh|slot[.]sh|sleep 60[0]' || true")).Trim());
        await AssertNextDeployServes(app);
    }

    [Fact]
    public async Task A_deploy_interrupted_while_it_waits_for_another_builds_lock_stops_and_leaves_that_lock()
    {
        var app = ReferenceApp.ChangedCopy(_apps.Path, "lock-wait");
        await Ssh($"install -d -m 0700 {ServerMap.Lock} && echo '{{\"Actor\":\"someone-else\",\"Since\":\"2026-01-01T00:00:00Z\",\"Action\":\"deploy\",\"Token\":\"not-ours\",\"Host\":\"elsewhere\"}}' > {ServerMap.Lock}/holder");
        try
        {
            var interrupted = await Run(Interrupt("wait:deploy lock held by someone-else"), null, "--target=Deploy", $"--app-dir={app}", "--lock-wait=600");

            Assert.Equal(130, interrupted.ExitCode);
            Assert.Equal("SIGINT", interrupted.Run.InterruptedBy);
            Assert.Contains(interrupted.Run.InterruptedTask, new[] { "Bootstrap", "Release" });
            Assert.Equal("not taken", interrupted.Run.DeployLockAfterInterruption);
            Assert.Contains("someone-else", await Ssh($"cat {ServerMap.Lock}/holder"), StringComparison.Ordinal);
        }
        finally
        {
            await Ssh($"rm -rf {ServerMap.Lock}");
        }

        await AssertNextDeployServes(app);
    }

    public void Dispose()
    {
        _http.Dispose();
        _apps.Dispose();
    }

    /// <summary>The run ended as the signal ends a program, recorded the task it stopped, and left no lock behind.</summary>
    private void AssertStopped(BuildResult interrupted, int exitCode, string signal, string task)
    {
        Assert.Equal(exitCode, interrupted.ExitCode);
        Assert.False(interrupted.Run.Succeeded);
        Assert.Equal(signal, interrupted.Run.InterruptedBy);
        Assert.Equal(task, interrupted.Run.InterruptedTask);
        Assert.Equal("interrupted", interrupted.Run.Status(task));
        Assert.Contains(interrupted.Run.DeployLockAfterInterruption, new[] { "not taken", "released" });
        Assert.DoesNotContain(interrupted.Run.TaskNames, t => DeployTasks.SkipWhile(d => d != task).Skip(1).Contains(t));
        output.WriteLine($"stopped during {task}; lock: {interrupted.Run.DeployLockAfterInterruption}");
    }

    private async Task AssertNextDeployServes(string app)
    {
        var locked = await Run(null, null, "--target=Lock");
        Assert.Equal(0, locked.ExitCode);
        Assert.Null(locked.Run.Text("Lock", "holder"));

        var again = await Run(null, null, "--target=Deploy", $"--app-dir={app}");
        Assert.Equal(0, again.ExitCode);
        Assert.Equal(ReleaseArchive.FromDirectory(app).Id, await ReferenceApp.ServingReleaseAsync(_http, stack.Layout.Ports.Http));
    }

    private static Dictionary<string, string?> Interrupt(string point, string signal = "SIGINT") =>
        new() { [InterruptPoints.PointVariable] = point, [InterruptPoints.SignalVariable] = signal };

    private async Task<BuildResult> Run(IReadOnlyDictionary<string, string?>? environment, IReadOnlyList<string>? launcher, params string[] arguments)
    {
        var run = await BuildRun.RunAsync(LocalEnvironmentFixture.LongRun, environment, launcher, arguments);
        output.WriteLine(run.ToString());
        return run;
    }

    private async Task<string> Ssh(string rootCommand)
    {
        var log = new RecordingLog(output);
        using var session = await SshSession.ConnectAsync(new LocalMachine(stack.Layout, new LocalProcess(log), log).SshTarget, log, new SecretMasker(), TimeSpan.FromSeconds(30));
        return (await session.RunAsync(RemoteCommand.Root(rootCommand, "test step") with { AllowFailure = true })).Text;
    }
}
