using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Core.Graph;
using Cake.Frosting;
using Cake.Frosting.Internal;
using TableOrder.Build.Configuration;

namespace TableOrder.Build.Tests.Support;

/// <summary>
/// What Cake runs for some targets: the build's tasks registered in a Cake engine with their
/// dependencies, as the host registers them, and Cake's own graph traversal (what Setup's
/// ISetupContext.TasksToExecute holds).
/// </summary>
internal static class CakeTasks
{
    private static readonly CakeGraph Graph = BuildGraph();

    public static IReadOnlyList<string> ToExecute(IEnumerable<string> targets) =>
        [.. Graph.Traverse(targets.Select(t => Graph.Nodes.First(n => string.Equals(n, t, StringComparison.OrdinalIgnoreCase)))).Distinct(StringComparer.OrdinalIgnoreCase)];

    /// <summary>Parses as the build does, then checks the arguments as Setup does, against the tasks Cake would run.</summary>
    public static BuildOptions Parse(
        IReadOnlyDictionary<string, string?> arguments,
        IReadOnlyList<string> targets,
        string workingDirectory,
        Func<string, string?>? environmentVariable = null,
        IReadOnlyList<DeploymentEnvironment>? environments = null)
    {
        var options = BuildArguments.Parse(arguments, targets, environmentVariable ?? (_ => null), workingDirectory, environments);
        ArgumentUse.Check(options, ToExecute(options.Targets));
        return options;
    }

    private static CakeGraph BuildGraph()
    {
        var engine = new CakeEngine(new CakeDataService(), new NullLog());
        foreach (var type in typeof(BuildContext).Assembly.GetTypes().Where(t => typeof(IFrostingTask).IsAssignableFrom(t) && t is { IsClass: true, IsAbstract: false }))
        {
            TaskRegistration.RegisterDependencies(engine.RegisterTask(TaskNames.Of(type)), type);
        }

        return CakeGraphBuilder.Build(engine.Tasks);
    }
}
