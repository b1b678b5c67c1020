using System.Reflection;
using Cake.Frosting;

namespace TableOrder.Build.Configuration;

/// <summary>What --help shows after the host's options: the targets, then the arguments by target, from the catalog.</summary>
public static class BuildHelp
{
    public static string Text()
    {
        var targets = typeof(BuildContext).Assembly.GetTypes()
            .Where(t => typeof(IFrostingTask).IsAssignableFrom(t) && t is { IsClass: true, IsAbstract: false })
            .Select(t => (Name: t.GetCustomAttribute<TaskNameAttribute>()?.Name ?? t.Name, Description: t.GetCustomAttribute<TaskDescriptionAttribute>()?.Description ?? string.Empty))
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .ToList();
        var text = new System.Text.StringBuilder("TARGETS (--target=NAME; --description says what each does, --tree what each runs):\n  ")
            .AppendJoin(", ", targets.Select(t => t.Name)).Append('\n');
        return text.Append('\n').Append(ArgumentCatalog.HelpText(targets)).ToString();
    }
}
