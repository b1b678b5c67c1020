using System.Security.Cryptography;
using System.Text;
using TableOrder.Build.Server;

namespace TableOrder.Build.Release;

/// <summary>
/// An app folder packed for the server. Its id derives from its content only (paths and bytes),
/// so the same app is the same release and is never uploaded twice.
/// </summary>
public sealed class ReleaseArchive
{
    private static readonly string[] Skipped = ["__pycache__", ".venv", "venv", ".git", ".pytest_cache", "node_modules", "tests"];

    private ReleaseArchive(string id, IReadOnlyList<string> files, string sourceDirectory)
    {
        Id = id;
        Files = files;
        SourceDirectory = sourceDirectory;
    }

    public string Id { get; }

    public string SourceDirectory { get; }

    /// <summary>Paths relative to the app folder, in archive order.</summary>
    public IReadOnlyList<string> Files { get; }

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

        var files = Directory.EnumerateFiles(appDirectory, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(appDirectory, f).Replace('\\', '/'))
            .Where(f => !f.Split('/').Any(part => Skipped.Contains(part)) && !f.EndsWith(".pyc", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(file + "\0"));
            hash.AppendData(File.ReadAllBytes(Path.Combine(appDirectory, file)));
            hash.AppendData([0]);
        }

        return new ReleaseArchive(Convert.ToHexStringLower(hash.GetHashAndReset())[..12], files, appDirectory);
    }

    /// <summary>The app as a gzip'd tar: the same content always packs the same way.</summary>
    public MemoryStream Pack() => TarGz.Pack(SourceDirectory, Files);
}

/// <summary>A release step failed; the message says what and what to do.</summary>
public class ReleaseException(string message) : Exception(message);
