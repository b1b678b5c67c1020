namespace TableOrder.Build.Configuration;

/// <summary>What --help shows after the host's options: the targets, then the arguments by target, from the catalog.</summary>
public static class BuildHelp
{
    /// <param name="environments">The environments to list (tests add one); null: the build's.</param>
    public static string Text(IReadOnlyList<DeploymentEnvironment>? environments = null)
    {
        var targets = TaskDeclarations.All;
        var text = new System.Text.StringBuilder("TARGETS (--target=NAME; --description says what each does, --tree what each runs):\n  ")
            .AppendJoin(", ", targets.Select(t => t.Name)).Append('\n');
        return text.Append('\n').Append(ArgumentCatalog.HelpText(targets, environments ?? Environments.DeploymentEnvironments.All)).ToString();
    }
}
