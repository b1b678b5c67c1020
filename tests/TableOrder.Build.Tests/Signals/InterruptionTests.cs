using System.Runtime.InteropServices;
using TableOrder.Build.Configuration;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Signals;
using TableOrder.Build.Testing;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Signals;

/// <summary>How a signal stops the build: the first in order, a second at once; and a real build, however started.</summary>
[Trait("Category", "Unit")]
public sealed class InterruptionTests
{
    [Fact]
    public void The_first_signal_cancels_the_run_and_a_second_is_left_to_end_the_process()
    {
        using var interruption = new Interruption();
        PosixSignal? announced = null;
        interruption.Requested += s => announced = s;

        Assert.False(interruption.Token.IsCancellationRequested);
        Assert.True(interruption.Request(PosixSignal.SIGTERM));
        Assert.False(interruption.Request(PosixSignal.SIGINT));

        Assert.True(interruption.Token.IsCancellationRequested);
        Assert.Equal(PosixSignal.SIGTERM, interruption.Signal);
        Assert.Equal(PosixSignal.SIGTERM, announced);
        Assert.Equal("interrupted by SIGTERM", Assert.Throws<BuildInterruptedException>(interruption.ThrowIfRequested).Message);
    }

    [Fact]
    public async Task Cleanup_work_is_not_cancelled_by_the_interruption()
    {
        using var interruption = new Interruption();
        interruption.Request(PosixSignal.SIGINT);

        using (Interruption.Cleanup())
        {
            await Task.Yield();
            Assert.False(interruption.Token.IsCancellationRequested);
            interruption.ThrowIfRequested();
        }

        Assert.True(interruption.Token.IsCancellationRequested);
    }

    [Theory]
    [InlineData(PosixSignal.SIGINT, 130)]
    [InlineData(PosixSignal.SIGTERM, 143)]
    public void A_stopped_run_exits_as_shells_report_the_signal(PosixSignal signal, int exitCode) =>
        Assert.Equal(exitCode, Interruption.ExitCode(signal));

    [Fact]
    public void Signal_masks_are_read_from_proc_status()
    {
        const string status = "Name:\tdotnet\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000000002\nSigCgt:\t0000000000004000\n";

        Assert.True(SignalListener.IsSet(status, "SigIgn", PosixSignal.SIGINT));
        Assert.False(SignalListener.IsSet(status, "SigIgn", PosixSignal.SIGTERM));
        Assert.True(SignalListener.IsSet(status, "SigCgt", PosixSignal.SIGTERM));
        Assert.False(SignalListener.IsSet(status, "SigCgt", PosixSignal.SIGINT));
        Assert.False(SignalListener.IsSet(null, "SigCgt", PosixSignal.SIGINT));
    }

    [Theory]
    [InlineData("task:Release", "task:Release", true)]
    [InlineData("task:release", "task:Release", true)]
    [InlineData("task:Release", "task:Migrate", false)]
    [InlineData("remote:pausing at 'after-venv'", "remote:prepare release abc: slot: pausing at 'after-venv' (--stop-at)", true)]
    [InlineData("remote:prepare release", "remote:prepare release abc: slot: release abc is complete", true)]
    [InlineData("remote:prepare release", "terraform:prepare release", false)]
    [InlineData("terraform:apply", "terraform:plan", false)]
    [InlineData("nonsense", "task:Release", false)]
    [InlineData(null, "task:Release", false)]
    public void A_test_point_names_a_kind_and_words_of_where_the_build_is(string? wanted, string point, bool matches) =>
        Assert.Equal(matches, InterruptPoints.Matches(wanted, point));

    [Fact]
    public void The_summary_names_the_stopped_task_and_what_never_ran()
    {
        var summary = new RunSummary("local", ["Deploy"]) { Planned = ["Provision", "Release", "Migrate", "Deploy"] };
        summary.TaskStarted("Provision");
        summary.TaskFinished("Provision", TimeSpan.FromSeconds(1), skipped: false, failed: false);
        summary.TaskStarted("Release");
        Assert.Equal("Release", summary.Running);
        summary.TaskFinished("Release", TimeSpan.FromSeconds(2), skipped: false, failed: true, interrupted: true);

        var interruption = summary.Interrupt(PosixSignal.SIGINT, "released");

        Assert.Equal("SIGINT", interruption.Signal);
        Assert.Equal("Release", interruption.Task);
        Assert.Equal(["Migrate", "Deploy"], interruption.NotRun);
        Assert.Equal("released", interruption.DeployLock);
        Assert.Null(summary.Running);
    }

    /// <summary>
    /// A build started as a background job (SIGINT ignored, inherited) still stops on SIGINT, and one
    /// told SIGTERM stops the same way: in order, before the next task's body, with the signal's exit code.
    /// </summary>
    [Theory]
    [InlineData("SIGINT", true, 130)]
    [InlineData("SIGINT", false, 130)]
    [InlineData("SIGTERM", true, 143)]
    public async Task A_real_build_stops_on_the_signal_however_it_was_started(string signal, bool sigintIgnored, int exitCode)
    {
        using var state = new TempDirectory("interrupt");
        var environment = new Dictionary<string, string?>
        {
            [BuildArguments.MirrorVariable] = null,
            [InterruptPoints.PointVariable] = "task:Lint",
            [InterruptPoints.SignalVariable] = signal,
        };

        var run = await OrchestratorProcess.RunAsync(
            RepositoryRoot.Path,
            TimeSpan.FromSeconds(60),
            ["--target=Lint", $"--state-dir={state.Path}"],
            environment,
            sigintIgnored ? ["env", "--ignore-signal=INT"] : null);

        Assert.True(exitCode == run.ExitCode, run.ToString());
        var summary = LastRun.Read(Path.Combine(state.Path, "local"))!;
        Assert.Equal(signal, summary.InterruptedBy);
        Assert.Equal("Lint", summary.InterruptedTask);
        Assert.Equal("interrupted", summary.Status("Lint"));
        Assert.Equal("not taken", summary.DeployLockAfterInterruption);
        Assert.Equal($"interrupted by {signal}", summary.Error);
    }
}
