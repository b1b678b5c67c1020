using System.Text.RegularExpressions;

namespace TableOrder.Build.Terraform;

/// <summary>
/// The outputs a terraform module declares, read from its configuration files (<c>output "name" {</c>
/// at the start of a line, as terraform fmt writes it): known before any plan, so a Provision can be
/// refused before it starts when the build could not read what it would apply.
/// </summary>
public static partial class RootModuleOutputs
{
    public static IReadOnlySet<string> Declared(string moduleDirectory)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (!Directory.Exists(moduleDirectory))
        {
            return names;
        }

        // Only the module's own files: outputs of child modules are not the root's.
        foreach (var file in Directory.EnumerateFiles(moduleDirectory, "*.tf", SearchOption.TopDirectoryOnly))
        {
            foreach (Match match in OutputBlock().Matches(File.ReadAllText(file)))
            {
                names.Add(match.Groups[1].Value);
            }
        }

        return names;
    }

    [GeneratedRegex(@"^[ \t]*output[ \t]+""([A-Za-z_][A-Za-z0-9_-]*)""[ \t]*\{", RegexOptions.Multiline)]
    private static partial Regex OutputBlock();
}
