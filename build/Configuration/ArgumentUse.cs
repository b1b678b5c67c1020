namespace TableOrder.Build.Configuration;

/// <summary>
/// Checked in Setup, against the tasks Cake is about to run, before any task body: each argument
/// given is declared by one of those tasks (<see cref="UsesArgumentsAttribute"/>), each argument they
/// need is there, and a target that acts on an AWS stack runs only where there is one.
/// </summary>
public static class ArgumentUse
{
    /// <param name="options">The parsed options (their environment, targets and given arguments).</param>
    /// <param name="tasksToExecute">What Cake will run: the targets and every task they depend on.</param>
    public static void Check(BuildOptions options, IEnumerable<string> tasksToExecute)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(tasksToExecute);
        var tasks = tasksToExecute.Select(TaskDeclarations.Find).OfType<TaskDeclaration>().ToList();
        RejectTargetsWithoutTheirStack(options);

        var targets = string.Join(" ", options.Targets.Select(t => $"--target={TaskDeclarations.Find(t)?.Name ?? t}"));
        foreach (var name in options.Given)
        {
            if (ArgumentCatalog.Find(name) is not { AppliesToEveryTarget: false } argument || tasks.Any(t => t.Arguments.Contains(argument.Name)))
            {
                continue;
            }

            throw new BuildArgumentException(
                $"--{argument.Name} does not apply to {targets}: it is for {string.Join(", ", argument.Targets)} only. Leave --{argument.Name} out, or run a target that uses it (e.g. --target={argument.Targets[0]} {argument.Example}).");
        }

        foreach (var requirement in ArgumentCatalog.Requirements)
        {
            var needing = tasks.FirstOrDefault(t => t.Arguments.Contains(requirement.Argument));
            if (needing is not null && requirement.IsRequired(options) && !requirement.IsGiven(options))
            {
                var target = options.Targets.Count == 1 ? targets : $"--target={needing.Name}";
                throw new BuildArgumentException(
                    $"--{requirement.Argument} is required for {target} with --environment={options.EnvironmentName}: {requirement.Fix(options)}.");
            }
        }
    }

    /// <summary>Plan, Outputs and Destroy make no sense where there is no AWS stack (the local environment).</summary>
    private static void RejectTargetsWithoutTheirStack(BuildOptions options)
    {
        if (options.Environment.HasAwsStack)
        {
            return;
        }

        if (options.Targets.Select(TaskDeclarations.Find).FirstOrDefault(t => t is { ActsOnAwsStack: true }) is { } target)
        {
            throw new BuildArgumentException(
                $"--target={target.Name} acts on the AWS stack: add --environment=production. The {options.EnvironmentName} environment has no Terraform state; --target=Validate checks the Terraform offline and --target=LocalStatus shows the local stack.");
        }
    }
}
