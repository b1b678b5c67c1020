using System.Reflection;
using System.Text.RegularExpressions;
using Cake.Frosting;
using TableOrder.Build.Configuration;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Workflows;

/// <summary>The CI workflows only call targets and arguments the build has: a rename breaks this test, not production.</summary>
[Trait("Category", "Unit")]
public sealed partial class WorkflowTargetsTests
{
    private static readonly string Folder = Path.Combine(RepositoryRoot.Path, ".github", "workflows");

    public static TheoryData<string> Workflows()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Folder, "*.yml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Workflows))]
    public void Every_target_a_workflow_calls_exists(string workflow)
    {
        var text = File.ReadAllText(Path.Combine(Folder, workflow));
        var targets = TargetPattern().Matches(text).Select(m => m.Groups[1].Value).Distinct().ToList();
        var known = typeof(BuildContext).Assembly.GetTypes()
            .Select(t => t.GetCustomAttribute<TaskNameAttribute>()?.Name)
            .OfType<string>()
            .ToHashSet(StringComparer.Ordinal);

        Assert.NotEmpty(targets);
        Assert.All(targets, target => Assert.Contains(target, known));
    }

    [Theory]
    [MemberData(nameof(Workflows))]
    public void Every_argument_a_workflow_passes_to_the_build_exists(string workflow)
    {
        var lines = File.ReadAllLines(Path.Combine(Folder, workflow));
        var arguments = lines
            .Where(l => l.Contains("--project build --", StringComparison.Ordinal) || l.TrimStart().StartsWith("--", StringComparison.Ordinal))
            .SelectMany(l => ArgumentPattern().Matches(l).Select(m => m.Groups[1].Value))
            .Where(a => a is not ("project" or "target" or "filter" or "logger" or "results-directory"))
            .Distinct()
            .ToList();
        var host = new[] { "exclusive", "verbosity", "dryrun", "tree" };

        Assert.All(arguments, argument => Assert.True(BuildArguments.Known.ContainsKey(argument) || host.Contains(argument), $"--{argument} in {workflow} is not an argument of the build"));
    }

    [GeneratedRegex(@"--target=([A-Za-z]+)")]
    private static partial Regex TargetPattern();

    [GeneratedRegex(@"(?<![\w-])--([a-z][a-z-]+)")]
    private static partial Regex ArgumentPattern();
}
