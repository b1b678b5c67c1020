using Cake.Frosting;
using TableOrder.Build.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace TableOrder.Build.Tests.Host;

/// <summary>The host in-process, with test-only tasks: what the orchestrator does with any task.</summary>
[Trait("Category", "Unit")]
[Collection(ConsoleTests.Name)]
public sealed class CakeHostTests
{
    private readonly ITestOutputHelper _output;

    public CakeHostTests(ITestOutputHelper output)
    {
        _output = output;
        HostTestContext.Reset();
    }

    private (int ExitCode, string Output) Run(params string[] args)
    {
        int exitCode;
        string text;
        using (var console = new ConsoleCapture())
        {
            exitCode = new CakeHost()
                .UseContext<HostTestContext>()
                .UseLifetime<HostTestLifetime>()
                .AddAssembly(typeof(HostTestContext).Assembly)
                .Run([.. args, "--verbosity=normal"]);
            text = console.Text;
        }

        _output.WriteLine(Describe(exitCode, text));
        return (exitCode, text);
    }

    private static string Describe(int exitCode, string output) =>
        $"exit code {exitCode}; executed [{string.Join(", ", HostTestContext.Executed)}]\n{output}";

    [Fact]
    public void Dependencies_run_first_in_order()
    {
        var (exitCode, output) = Run("--target=C");

        Assert.True(exitCode == 0, Describe(exitCode, output));
        var executed = HostTestContext.Executed.Where(e => !e.StartsWith("Setup", StringComparison.Ordinal) && !e.StartsWith("Teardown", StringComparison.Ordinal)).ToList();
        Assert.Equal(["A", "B", "AsyncWork:start", "AsyncWork:end", "C"], executed);
    }

    [Fact]
    public void Lifetime_wraps_the_tasks()
    {
        var (exitCode, output) = Run("--target=B");

        Assert.True(exitCode == 0, Describe(exitCode, output));
        Assert.Equal(["Setup:A+B", "A", "B", "Teardown:ok"], HostTestContext.Executed);
    }

    [Fact]
    public void Async_task_is_awaited()
    {
        var (exitCode, output) = Run("--target=AsyncWork");

        Assert.True(exitCode == 0, Describe(exitCode, output));
        Assert.Contains("AsyncWork:end", HostTestContext.Executed);
    }

    [Fact]
    public void Dry_run_runs_no_task_body()
    {
        var (exitCode, output) = Run("--target=C", "--dryrun");

        Assert.True(exitCode == 0, Describe(exitCode, output));
        Assert.DoesNotContain(HostTestContext.Executed, e => e is "A" or "B" or "C" || e.StartsWith("AsyncWork", StringComparison.Ordinal));
        Assert.Contains("A", output, StringComparison.Ordinal);
        Assert.Contains("C", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_run_false_skips_the_body_and_the_build_goes_on()
    {
        var (exitCode, output) = Run("--target=AfterSkipped");

        Assert.True(exitCode == 0, Describe(exitCode, output));
        Assert.Contains("Skipped:ShouldRun", HostTestContext.Executed);
        Assert.DoesNotContain("Skipped", HostTestContext.Executed);
        Assert.Contains("AfterSkipped", HostTestContext.Executed);
    }

    [Fact]
    public void Failing_task_fails_the_build_and_stops_what_depends_on_it()
    {
        var (exitCode, output) = Run("--target=AfterFailing");

        Assert.True(exitCode != 0, Describe(exitCode, output));
        Assert.Contains("Failing", HostTestContext.Executed);
        Assert.Contains("Failing:Finally", HostTestContext.Executed);
        Assert.DoesNotContain("AfterFailing", HostTestContext.Executed);
        Assert.Contains("Teardown:failed", HostTestContext.Executed);
        Assert.Contains(FailingTask.Message, output, StringComparison.Ordinal);
    }

    [Fact]
    public void Failing_async_task_fails_the_build()
    {
        var (exitCode, output) = Run("--target=FailingAsync");

        Assert.True(exitCode != 0, Describe(exitCode, output));
        Assert.Contains("The async task failed on purpose.", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Summary_is_printed_when_the_build_fails()
    {
        var (exitCode, output) = Run("--target=Failing");

        Assert.True(exitCode != 0, Describe(exitCode, output));
        Assert.Contains("Task", output, StringComparison.Ordinal);
        Assert.Contains("Duration", output, StringComparison.Ordinal);
        var summary = output[output.IndexOf("Duration", StringComparison.Ordinal)..].Split('\n');
        Assert.Contains(summary, l => l.StartsWith("A ", StringComparison.Ordinal) && l.Contains("Succeeded", StringComparison.Ordinal));
        Assert.Contains(summary, l => l.StartsWith("Failing ", StringComparison.Ordinal) && l.Contains("Failed", StringComparison.Ordinal));
        Assert.Contains(summary, l => l.StartsWith("Total:", StringComparison.Ordinal));
    }

    [Fact]
    public void Summary_is_printed_when_the_build_succeeds()
    {
        var (exitCode, output) = Run("--target=B");

        Assert.True(exitCode == 0, Describe(exitCode, output));
        Assert.Contains("Duration", output, StringComparison.Ordinal);
        Assert.Contains("Total:", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Overridden_OnError_handles_the_error()
    {
        var (exitCode, output) = Run("--target=HandledFailure");

        Assert.Contains("OnError:handled", HostTestContext.Executed);
        Assert.True(exitCode == 0, Describe(exitCode, output));
    }

    [Fact]
    public void Continue_on_error_lets_dependents_run()
    {
        var (exitCode, output) = Run("--target=AfterContinue");

        Assert.True(exitCode == 0, Describe(exitCode, output));
        Assert.Equal(["ContinuesOnError", "AfterContinue"], HostTestContext.Executed.Where(e => !e.Contains(':', StringComparison.Ordinal)));
    }

    [Fact]
    public void Unknown_target_fails_and_names_the_targets()
    {
        var (exitCode, output) = Run("--target=Nope");

        Assert.True(exitCode != 0, Describe(exitCode, output));
        Assert.Contains("'Nope' was not found", output, StringComparison.Ordinal);
        Assert.Contains("AfterSkipped", output, StringComparison.Ordinal);
        Assert.Empty(HostTestContext.Executed);
    }

    [Fact]
    public void Target_names_are_case_insensitive()
    {
        var (exitCode, output) = Run("--target=b");

        Assert.True(exitCode == 0, Describe(exitCode, output));
        Assert.Contains("B", HostTestContext.Executed);
    }

    [Fact]
    public void Exclusive_runs_only_the_target()
    {
        var (exitCode, output) = Run("--target=B", "--exclusive");

        Assert.True(exitCode == 0, Describe(exitCode, output));
        Assert.Contains("B", HostTestContext.Executed);
        Assert.DoesNotContain("A", HostTestContext.Executed);
    }

    [Fact]
    public void Other_arguments_reach_the_context()
    {
        var (exitCode, output) = Run("--target=ReadsArgument", "--color=blue");

        Assert.True(exitCode == 0, Describe(exitCode, output));
        Assert.Contains("color=blue", HostTestContext.Executed);
    }

    [Fact]
    public void Tree_shows_dependencies_without_running_anything()
    {
        var (exitCode, output) = Run("--target=C", "--tree");

        Assert.True(exitCode == 0, Describe(exitCode, output));
        Assert.Contains("AsyncWork", output, StringComparison.Ordinal);
        Assert.DoesNotContain(HostTestContext.Executed, e => !e.Contains(':', StringComparison.Ordinal));
    }

    [Fact]
    public void Description_shows_task_descriptions()
    {
        var (exitCode, output) = Run("--target=A", "--description");

        Assert.True(exitCode == 0, Describe(exitCode, output));
        Assert.Contains("The first task.", output, StringComparison.Ordinal);
    }
}
