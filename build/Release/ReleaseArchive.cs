using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using TableOrder.Build.Server;

namespace TableOrder.Build.Release;

/// <summary>
/// An app folder packed for the server, by allow-list: the app's tracked files when the folder is
/// inside a git work tree (<c>git ls-files</c>), else only <see cref="IncludeList"/>. Dotfiles are
/// never packed, secret-bearing names (<c>.env</c>, <c>*.pem</c>, ...) and symlinks are refused with
/// the file named. File modes travel (executable or not). The id derives from the content only
/// (paths, modes and bytes), so the same app is the same release and is never uploaded twice.
/// </summary>
public sealed class ReleaseArchive
{
    /// <summary>What a release holds when the app folder is not in a git work tree.</summary>
    public static readonly IReadOnlyList<string> IncludeList = ["app/", "migrations/", "ui/", "alembic.ini", "requirements.txt", ServerMap.RequirementsLock];

    private const UnixFileMode Regular = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode Executable = Regular | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    private static readonly string[] Skipped = ["__pycache__", ".venv", "venv", ".git", ".pytest_cache", "node_modules", "tests"];

    private ReleaseArchive(string id, IReadOnlyList<string> files, IReadOnlyDictionary<string, UnixFileMode> modes, string sourceDirectory, ReleaseSource source)
    {
        Id = id;
        Files = files;
        Modes = modes;
        SourceDirectory = sourceDirectory;
        Source = source;
    }

    public string Id { get; }

    public string SourceDirectory { get; }

    /// <summary>Where the list of files came from.</summary>
    public ReleaseSource Source { get; }

    /// <summary>Paths relative to the app folder, in archive order.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>Each file's mode in the archive: 0755 when the source is executable, else 0644.</summary>
    public IReadOnlyDictionary<string, UnixFileMode> Modes { get; }

    public static ReleaseArchive FromDirectory(string appDirectory)
    {
        if (!File.Exists(Path.Combine(appDirectory, "app", "main.py")))
        {
            throw new ReleaseException($"'{appDirectory}' is not a Table Order app: it has no app/main.py (the service is `app.main:app`). Pass the app's folder with --app-dir.");
        }

        if (!File.Exists(Path.Combine(appDirectory, "alembic.ini")))
        {
            throw new ReleaseException($"'{appDirectory}' has no alembic.ini: the pipeline migrates the database with `alembic upgrade head`.");
        }

        var tracked = TrackedFiles(appDirectory);
        var source = tracked is null ? ReleaseSource.IncludeList : ReleaseSource.GitTracked;
        var listed = tracked ?? Included(appDirectory);

        var files = new List<string>();
        foreach (var file in listed.Distinct(StringComparer.Ordinal))
        {
            var parts = file.Split('/');
            if (IsSecretName(parts[^1]))
            {
                throw new ReleaseException(
                    $"'{file}' in {appDirectory} looks like a secrets file and is never packed into a release (releases are readable on the server). " +
                    $"Remove it from the app{(source == ReleaseSource.GitTracked ? $" and from git (git rm --cached '{file}'; add it to .gitignore)" : string.Empty)}; " +
                    "the app's settings reach the server through its env file (/etc/tableorder/app.env, 0600), written by Bootstrap.");
            }

            if (parts.Any(part => Skipped.Contains(part)) || file.EndsWith(".pyc", StringComparison.Ordinal) || parts.Any(part => part.StartsWith('.')))
            {
                continue;
            }

            var full = Path.Combine(appDirectory, file);
            var info = new FileInfo(full);
            if (info.LinkTarget is not null || AnyParentIsLink(appDirectory, parts))
            {
                throw new ReleaseException(
                    $"'{file}' in {appDirectory} is a symbolic link; releases hold regular files only (a link could point outside the release or at a secret). " +
                    "Replace it with a copy of the file it points to, or remove it.");
            }

            if (!info.Exists)
            {
                // Tracked but deleted in the work tree: the release is what is on disk.
                continue;
            }

            files.Add(file);
        }

        files.Sort(StringComparer.Ordinal);
        var modes = files.ToDictionary(f => f, f => ArchiveMode(Path.Combine(appDirectory, f)), StringComparer.Ordinal);

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(file + "\0" + Convert.ToString((int)modes[file], 8) + "\0"));
            hash.AppendData(File.ReadAllBytes(Path.Combine(appDirectory, file)));
            hash.AppendData([0]);
        }

        return new ReleaseArchive(Convert.ToHexStringLower(hash.GetHashAndReset())[..12], files, modes, appDirectory, source);
    }

    /// <summary>The app as a gzip'd tar: the same content always packs the same way.</summary>
    public MemoryStream Pack() => TarGz.Pack(SourceDirectory, Files, modes: Modes);

    /// <summary>Names that hold settings or keys: never in a release.</summary>
    public static bool IsSecretName(string name) =>
        name == ".env"
        || name.StartsWith(".env.", StringComparison.Ordinal)
        || name.EndsWith(".env", StringComparison.Ordinal)
        || name.EndsWith(".pem", StringComparison.Ordinal)
        || name.EndsWith(".key", StringComparison.Ordinal);

    /// <summary>0755 when anyone may execute the file, else 0644: the bits that matter, nothing umask-dependent.</summary>
    private static UnixFileMode ArchiveMode(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return Regular;
        }

        var mode = File.GetUnixFileMode(path);
        return (mode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0 ? Executable : Regular;
    }

    private static bool AnyParentIsLink(string root, string[] parts)
    {
        var path = root;
        foreach (var part in parts[..^1])
        {
            path = Path.Combine(path, part);
            if (new DirectoryInfo(path).LinkTarget is not null)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The include list's files; directories are walked without following links (a link is listed, then refused).</summary>
    private static IEnumerable<string> Included(string appDirectory)
    {
        foreach (var entry in IncludeList)
        {
            var path = Path.Combine(appDirectory, entry.TrimEnd('/'));
            if (!entry.EndsWith('/'))
            {
                if (File.Exists(path) || new FileInfo(path).LinkTarget is not null)
                {
                    yield return entry;
                }

                continue;
            }

            if (!Directory.Exists(path))
            {
                continue;
            }

            var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false };
            foreach (var item in new DirectoryInfo(path).EnumerateFileSystemInfos("*", options))
            {
                if (item is FileInfo || item.LinkTarget is not null)
                {
                    yield return Path.GetRelativePath(appDirectory, item.FullName).Replace('\\', '/');
                }
            }
        }
    }

    /// <summary>The files git tracks below the app folder, relative to it; null when the folder is not in a git work tree.</summary>
    private static List<string>? TrackedFiles(string appDirectory)
    {
        var inside = Git(appDirectory, "rev-parse", "--is-inside-work-tree");
        if (inside is null || inside.Trim() != "true")
        {
            return null;
        }

        var listed = Git(appDirectory, "ls-files", "-z", "--", ".")
            ?? throw new ReleaseException($"git ls-files failed in {appDirectory}: the release is made of the app's tracked files. Check `git -C {appDirectory} ls-files`.");
        return [.. listed.Split('\0', StringSplitOptions.RemoveEmptyEntries)];
    }

    private static string? Git(string directory, params string[] arguments)
    {
        var info = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = directory };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(info);
            if (process is null)
            {
                return null;
            }

            var errors = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            _ = errors.Result;
            return process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no git on this machine: the include list applies
        }
    }
}

/// <summary>Where a release's file list came from.</summary>
public enum ReleaseSource
{
    /// <summary><c>git ls-files</c> in the app folder.</summary>
    GitTracked,

    /// <summary><see cref="ReleaseArchive.IncludeList"/> (the app folder is not in a git work tree).</summary>
    IncludeList,
}

/// <summary>A release step failed; the message says what and what to do.</summary>
public class ReleaseException(string message) : Exception(message);
