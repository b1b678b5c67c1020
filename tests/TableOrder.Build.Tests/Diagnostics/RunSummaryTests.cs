using TableOrder.Build.Diagnostics;
using TableOrder.Build.Testing;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Diagnostics;

/// <summary>The run summary is what tests and benchmarks read: its shape is a contract.</summary>
[Trait("Category", "Unit")]
public sealed class RunSummaryTests
{
    [Fact]
    public void Each_task_has_its_status_duration_and_what_it_recorded()
    {
        using var state = new TempDirectory("summary");
        var summary = new RunSummary("local", ["Deploy"]);
        summary.TaskStarted("Release");
        summary.Record("uploaded", true);
        summary.Record("release", "abc");
        summary.TaskFinished("Release", TimeSpan.FromMilliseconds(1234), skipped: false, failed: false);
        summary.TaskStarted("Migrate");
        summary.Record("migrated", new[] { "0001" });
        summary.TaskFinished("Migrate", TimeSpan.FromSeconds(2), skipped: false, failed: true);
        summary.Write(state.Path, succeeded: false, "Migration to revision 0001 failed");

        var run = LastRun.Read(state.Path)!;
        Assert.False(run.Succeeded);
        Assert.Equal("Migration to revision 0001 failed", run.Error);
        Assert.Equal(["Release", "Migrate"], run.TaskNames);
        Assert.Equal("ran", run.Status("Release"));
        Assert.Equal(1.234, run.TaskSeconds("Release"));
        Assert.True(run.Flag("Release", "uploaded"));
        Assert.Equal("abc", run.Text("Release", "release"));
        Assert.Equal("failed", run.Status("Migrate"));
        Assert.Equal(1, run.Outcome("Migrate", "migrated")!.Value.GetArrayLength());
        Assert.Null(run.Status("Activate"));
        Assert.False(File.Exists(Path.Combine(state.Path, RunSummary.FileName + ".tmp")));
    }
}
