namespace TableOrder.Build.Terraform;

/// <summary>
/// Finds a local provider mirror (a folder holding a registry.terraform.io/ tree) and writes a
/// CLI config that makes terraform install providers from it only. With no mirror, terraform
/// keeps its own configuration and registry, so the same commands work on a connected machine.
/// </summary>
public static class ProviderMirror
{
    /// <summary>The environment variable that names a provider mirror folder.</summary>
    public const string EnvironmentVariable = "TABLEORDER_TERRAFORM_MIRROR";

    private const string RegistryFolder = "registry.terraform.io";

    /// <summary>Terraform's implied local mirror folders on Unix, then the usual install roots, searched two levels deep.</summary>
    public static IReadOnlyList<string> CandidateFolders(string home, Func<string, string?> environmentVariable)
    {
        ArgumentNullException.ThrowIfNull(environmentVariable);
        var dataHome = environmentVariable("XDG_DATA_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(home, ".local", "share");
        var dataDirs = (environmentVariable("XDG_DATA_DIRS") is { Length: > 0 } dirs ? dirs : "/usr/local/share:/usr/share")
            .Split(':', StringSplitOptions.RemoveEmptyEntries);
        List<string> implied = [Path.Combine(home, ".terraform.d", "plugins"), Path.Combine(dataHome, "terraform", "plugins")];
        implied.AddRange(dataDirs.Select(d => Path.Combine(d, "terraform", "plugins")));
        return implied;
    }

    public static IReadOnlyList<string> SearchRoots(string home) => ["/opt", "/usr/local", "/usr/local/share", "/usr/share", "/var/lib", home];

    /// <summary>The first mirror found: implied folders first, then a shallow search of the roots; null when there is none.</summary>
    public static string? Discover(IEnumerable<string> impliedFolders, IEnumerable<string> searchRoots)
    {
        foreach (var folder in impliedFolders)
        {
            if (IsMirror(folder))
            {
                return Path.GetFullPath(folder);
            }
        }

        foreach (var root in searchRoots.Where(Directory.Exists))
        {
            foreach (var candidate in ShallowFolders(root, depth: 2))
            {
                if (IsMirror(candidate))
                {
                    return Path.GetFullPath(candidate);
                }
            }
        }

        return null;
    }

    /// <summary>A mirror holds registry.terraform.io/&lt;namespace&gt;/&lt;provider&gt;/... with at least one provider.</summary>
    public static bool IsMirror(string folder)
    {
        var registry = Path.Combine(folder, RegistryFolder);
        return Directory.Exists(registry) &&
               Directory.EnumerateDirectories(registry).Any(ns => Directory.EnumerateDirectories(ns).Any());
    }

    /// <summary>The CLI config text: filesystem_mirror only, so no provider comes from anywhere else.</summary>
    public static string CliConfig(string mirrorFolder) =>
        $$"""
        # Written by the TableOrder build: providers come from this local mirror only.
        provider_installation {
          filesystem_mirror {
            path    = "{{mirrorFolder.Replace("\\", "/", StringComparison.Ordinal)}}"
            include = ["registry.terraform.io/*/*"]
          }
        }

        """;

    public static string WriteCliConfig(string mirrorFolder, string stateRoot)
    {
        Directory.CreateDirectory(stateRoot);
        var path = Path.Combine(stateRoot, "terraform-mirror.tfrc");
        var text = CliConfig(mirrorFolder);
        if (!File.Exists(path) || File.ReadAllText(path) != text)
        {
            File.WriteAllText(path, text);
        }

        return path;
    }

    private static IEnumerable<string> ShallowFolders(string root, int depth)
    {
        IEnumerable<string> children;
        try
        {
            children = Directory.EnumerateDirectories(root).ToList();
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            yield break;
        }

        foreach (var child in children.Order(StringComparer.Ordinal))
        {
            yield return child;
            if (depth > 1)
            {
                foreach (var grandchild in ShallowFolders(child, depth - 1))
                {
                    yield return grandchild;
                }
            }
        }
    }
}
