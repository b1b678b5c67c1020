using System.Text.RegularExpressions;

namespace TableOrder.Build.Configuration;

/// <summary>The arguments that name files and folders: each is resolved against the repository root and checked to exist (or to be what it should be) here.</summary>
public static partial class BuildArguments
{
    /// <summary>A private key SSH can use as it is: a public key, an encrypted key or another format is refused here, not at the first connection.</summary>
    private static string? PrivateKey(IReadOnlyDictionary<string, string?> arguments, string root)
    {
        var path = ExistingFile(arguments, "ssh-key", root);
        return path is not null && Remote.PrivateKeyCheck.Problem(path) is { } problem
            ? throw new BuildArgumentException($"--ssh-key: {problem}")
            : path;
    }

    private static string AppDirectory(IReadOnlyDictionary<string, string?> arguments, string root)
    {
        // The default (the reference app) is checked when it is packed; a named folder, here.
        if (Value(arguments, "app-dir") is not { } named)
        {
            return Path.Combine(root, "app-deploy", "reference-app");
        }

        var path = Path.GetFullPath(ExpandHome(named), root);
        if (!Directory.Exists(path))
        {
            throw new BuildArgumentException($"--app-dir: the folder '{path}' does not exist. Name the app's folder (it holds app/main.py and alembic.ini), or leave --app-dir out for the reference app.");
        }

        if (!File.Exists(Path.Combine(path, "app", "main.py")) || !File.Exists(Path.Combine(path, "alembic.ini")))
        {
            throw new BuildArgumentException($"--app-dir: '{path}' is not a Table Order app: it needs app/main.py (served as app.main:app) and alembic.ini.");
        }

        return path;
    }

    /// <summary>An OpenSSH public key line, given inline or as a file.</summary>
    private static string? HostKey(IReadOnlyDictionary<string, string?> arguments, string root, DeploymentEnvironment environment)
    {
        if (Value(arguments, "ssh-host-key") is not { } value)
        {
            return arguments.ContainsKey("ssh-host-key") ? throw new BuildArgumentException("--ssh-host-key needs a key: --ssh-host-key=\"ssh-ed25519 AAAA...\" or a file that holds it.") : null;
        }

        if (!environment.HasAwsStack)
        {
            throw new BuildArgumentException(
                $"--ssh-host-key does not apply to --environment={environment.Name}: the build reads the local machine's host key from its disk and pins it. Leave --ssh-host-key out.");
        }

        var file = Path.GetFullPath(ExpandHome(value), root);
        var line = File.Exists(file) ? File.ReadAllText(file).Trim() : value;
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 && parts[0].StartsWith("ssh-", StringComparison.Ordinal) || parts.Length >= 2 && parts[0].StartsWith("ecdsa-", StringComparison.Ordinal)
            ? $"{parts[0]} {parts[1]}"
            : throw new BuildArgumentException($"--ssh-host-key: '{value}' is neither a key line like 'ssh-ed25519 AAAA...' nor a file holding one.");
    }

    /// <summary>True when a *.tf file of the root module has a <c>backend "..." {</c> block (comments skipped).</summary>
    public static bool HasBackendBlock(string terraformDirectory) =>
        Directory.GetFiles(terraformDirectory, "*.tf").Any(file => File.ReadLines(file)
            .Select(line => line.TrimStart())
            .Any(line => !line.StartsWith('#') && !line.StartsWith("//", StringComparison.Ordinal) && BackendBlock().IsMatch(line)));

    private static string? ExistingFile(IReadOnlyDictionary<string, string?> arguments, string name, string root)
    {
        if (!arguments.ContainsKey(name))
        {
            return null;
        }

        var value = Value(arguments, name) ?? throw new BuildArgumentException($"--{name} needs a file path: --{name}=<path>.");
        var path = Path.GetFullPath(ExpandHome(value), root);
        return File.Exists(path)
            ? path
            : throw new BuildArgumentException($"--{name}: the file '{path}' does not exist. Check the path, or leave --{name} out to use the default.");
    }

    private static string? ExistingOrNewDirectory(IReadOnlyDictionary<string, string?> arguments, string name, string root)
    {
        if (!arguments.ContainsKey(name))
        {
            return null;
        }

        var value = Value(arguments, name) ?? throw new BuildArgumentException($"--{name} needs a folder: --{name}=<path>.");
        var path = Path.GetFullPath(ExpandHome(value), root);
        return File.Exists(path)
            ? throw new BuildArgumentException($"--{name}: '{path}' is a file. Name a folder (it is created when missing).")
            : path;
    }

    /// <summary>--debian-mirror, else TABLEORDER_DEBIAN_MIRROR; null: the host's own (found when the image is built).</summary>
    private static Local.DebianMirror? DebianMirror(IReadOnlyDictionary<string, string?> arguments, Func<string, string?> environmentVariable)
    {
        var (source, value) = arguments.ContainsKey("debian-mirror")
            ? ("--debian-mirror", Value(arguments, "debian-mirror"))
            : (Local.DebianMirror.EnvironmentVariable, environmentVariable(Local.DebianMirror.EnvironmentVariable));
        if (value is null && source == "--debian-mirror")
        {
            throw new BuildArgumentException("--debian-mirror needs the URL of a Debian archive: --debian-mirror=http://deb.debian.org/debian.");
        }

        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return Local.DebianMirror.IsArchiveUrl(value.Trim())
            ? Local.DebianMirror.FromArchive(value.Trim())
            : throw new BuildArgumentException($"{source}: '{value}' is not the URL of a Debian archive. Type an http(s):// or file:// URL, e.g. --debian-mirror=http://deb.debian.org/debian (or your local mirror's).");
    }

    private static string? MirrorDirectory(IReadOnlyDictionary<string, string?> arguments, Func<string, string?> environmentVariable, string root)
    {
        var (source, value) = arguments.ContainsKey("terraform-mirror")
            ? ("--terraform-mirror", Value(arguments, "terraform-mirror") ?? throw new BuildArgumentException("--terraform-mirror needs a folder: --terraform-mirror=<dir>."))
            : (MirrorVariable, environmentVariable(MirrorVariable));
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var path = Path.GetFullPath(ExpandHome(value), root);
        if (!Directory.Exists(path))
        {
            throw new BuildArgumentException($"{source}: the folder '{path}' does not exist. Name a provider mirror folder (one that holds registry.terraform.io/), or leave it out to let the build look for one.");
        }

        return path;
    }

    private static string FindRoot(string workingDirectory)
    {
        for (var directory = new DirectoryInfo(workingDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "TableOrder.Build.sln")))
            {
                return directory.FullName;
            }
        }

        throw new BuildArgumentException(
            $"No TableOrder.Build.sln in '{workingDirectory}' or above. Run the build from the repository, or pass --working=<repository folder>.");
    }

    private static string ExpandHome(string path) =>
        path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), path[2..])
            : path;

    [GeneratedRegex(@"^backend\s+""[A-Za-z0-9_-]+""\s*\{")]
    private static partial Regex BackendBlock();
}
