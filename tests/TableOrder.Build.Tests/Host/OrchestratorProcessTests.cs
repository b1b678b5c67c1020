using TableOrder.Build.Testing;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Host;

/// <summary>The real orchestrator, run as a child process the way a person runs it.</summary>
[Trait("Category", "Unit")]
public sealed class OrchestratorProcessTests
{
    private const string TaskHeader = "========================================";

    [Fact]
    public async Task Tree_of_Provision_shows_Plan_under_it()
    {
        var run = await Orchestrator.RunAsync("--tree", "--target=Provision");

        Assert.True(run.ExitCode == 0, run.ToString());
        AssertChildOf(run, "Provision", "Plan");
    }

    [Fact]
    public async Task Tree_of_Default_shows_Validate()
    {
        var run = await Orchestrator.RunAsync("--tree");

        Assert.True(run.ExitCode == 0, run.ToString());
        AssertChildOf(run, "Default", "Validate");
    }

    [Fact]
    public async Task Dry_run_of_production_Provision_lists_tasks_and_runs_no_terraform()
    {
        using var state = new TempDirectory("dryrun-state");
        using var module = new TempDirectory("dryrun-module");
        module.WriteFile("main.tf", "terraform {}\n");

        var run = await Orchestrator.RunAsync(
            "--dryrun", "--target=Provision", "--environment=production", $"--state-dir={state.Path}", $"--terraform-dir={module.Path}");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Plan", run.Output, StringComparison.Ordinal);
        Assert.Contains("Provision", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Terraform providers:", run.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(module.Path, ".terraform")), "terraform init ran in a dry run");
        Assert.Equal(["main.tf"], Directory.GetFileSystemEntries(module.Path).Select(Path.GetFileName));
        // The only trace of a dry run is its run summary, which says that no task ran.
        Assert.Equal([Path.Combine("production", "last-run.json")], Directory.GetFiles(state.Path, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(state.Path, f)));
        Assert.Empty(LastRun.Read(Path.Combine(state.Path, "production"))!.TaskNames);
    }

    [Fact]
    public async Task Unknown_environment_fails_before_any_task()
    {
        var run = await Orchestrator.RunAsync("--environment=staging");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("--environment=staging is not an environment", run.Output, StringComparison.Ordinal);
        Assert.Contains("--environment=production", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(TaskHeader, run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--environment=", "--environment needs a value")]
    [InlineData("--target=Deploy --purge", "--purge does not apply to --target=Deploy")]
    [InlineData("--target=Status --release=0123456789ab", "--release does not apply to --target=Status")]
    [InlineData("--target=Rollback --release=placeholder", "--release=placeholder is not a release")]
    [InlineData("--target=Status --unlock", "--unlock does not apply to --target=Status")]
    [InlineData("--target=Status --environment=production", "--ssh-key is required for --target=Status")]
    [InlineData("--target=Plan", "--target=Plan acts on the AWS stack")]
    public async Task Bad_argument_is_one_error_naming_it_exit_1_before_any_task(string arguments, string expected)
    {
        var run = await Orchestrator.RunAsync(arguments.Split(' '));

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains(expected, run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(TaskHeader, run.Output, StringComparison.Ordinal);
        Assert.Single(run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("Error", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Help_lists_host_options_and_the_arguments_by_target()
    {
        var run = await Orchestrator.RunAsync("--help");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("--verbosity", run.Output, StringComparison.Ordinal);
        Assert.Contains("LocalDown:", run.Output, StringComparison.Ordinal);
        Assert.Contains("--confirm-rebuild", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_target_names_the_known_targets()
    {
        var run = await Orchestrator.RunAsync("--target=Nope");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("'Nope' was not found", run.Output, StringComparison.Ordinal);
        Assert.Contains("Validate", run.Output, StringComparison.Ordinal);
        Assert.Contains("Provision", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(TaskHeader, run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Misspelt_argument_suggests_the_right_one()
    {
        var run = await Orchestrator.RunAsync("--enviroment=production");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("Did you mean --environment", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(TaskHeader, run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Destroy_without_confirmation_is_refused()
    {
        var run = await Orchestrator.RunAsync("--target=Destroy", "--environment=production");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("--confirm-destroy=production", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(TaskHeader, run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Description_lists_Validate_with_its_description()
    {
        var run = await Orchestrator.RunAsync("--description");

        Assert.True(run.ExitCode == 0, run.ToString());
        var line = run.Output.Split('\n').FirstOrDefault(l => l.TrimStart().StartsWith("Validate", StringComparison.Ordinal));
        Assert.NotNull(line);
        Assert.Contains("Checks the Terraform offline", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_exits_zero()
    {
        var run = await Orchestrator.RunAsync("--version");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.False(string.IsNullOrWhiteSpace(run.Output), run.ToString());
    }

    /// <summary>Somewhere in the tree, <paramref name="parent"/> has <paramref name="child"/> on the line below, one level deeper.</summary>
    private static void AssertChildOf(OrchestratorRun run, string parent, string child)
    {
        var lines = run.Output.Split('\n').Select(l => l.TrimEnd()).ToList();
        static string Name(string line) => line.TrimStart(' ', '\u2502', '\u2514', '\u251c', '\u2500');
        static int Depth(string line) => line.Length - Name(line).Length;
        var found = Enumerable.Range(0, lines.Count - 1)
            .Any(i => Name(lines[i]) == parent && Name(lines[i + 1]) == child && Depth(lines[i + 1]) > Depth(lines[i]));
        Assert.True(found, $"{child} is not under {parent}:\n{run}");
    }
}
