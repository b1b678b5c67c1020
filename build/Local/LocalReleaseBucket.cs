using TableOrder.Build.Release;

namespace TableOrder.Build.Local;

/// <summary>
/// The local stand-in of the release bucket: the same layout as s3://&lt;bucket&gt;/releases/
/// (&lt;id&gt;.tar.gz and current) in release-bucket/releases/ below the state folder. A machine
/// that joins the stack (--servers growing) reads it, as a new AWS server's user data reads S3.
/// </summary>
public sealed class LocalReleaseBucket(string stateDirectory) : IReleaseStore
{
    public const string FolderName = "release-bucket";

    public string Releases => Path.Combine(stateDirectory, FolderName, "releases");

    public string CurrentFile => Path.Combine(Releases, "current");

    public string ArchiveFile(string id) => Path.Combine(Releases, id + ".tar.gz");

    /// <summary>The release new machines must serve; null before the first roll-out (or when its archive is gone).</summary>
    public string? Current
    {
        get
        {
            if (!File.Exists(CurrentFile))
            {
                return null;
            }

            var id = File.ReadLines(CurrentFile).FirstOrDefault()?.Trim() ?? string.Empty;
            return ReleaseBucket.IsReleaseId(id) && File.Exists(ArchiveFile(id)) ? id : null;
        }
    }

    public Task KeepAsync(ReleaseArchive archive, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(archive);
        if (!File.Exists(ArchiveFile(archive.Id)))
        {
            Directory.CreateDirectory(Releases);
            using (var packed = archive.Pack())
            {
                File.WriteAllBytes(ArchiveFile(archive.Id) + ".tmp", packed.ToArray());
            }

            File.Move(ArchiveFile(archive.Id) + ".tmp", ArchiveFile(archive.Id), overwrite: true);
        }

        return Task.CompletedTask;
    }

    public Task<byte[]?> ArchiveAsync(string id, CancellationToken cancellationToken = default) =>
        Task.FromResult(ReleaseBucket.IsReleaseId(id) && File.Exists(ArchiveFile(id)) ? File.ReadAllBytes(ArchiveFile(id)) : null);

    public Task<bool> SetCurrentAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(ArchiveFile(id)))
        {
            // never a current without its archive: a joining machine then waits for the next Deploy
            File.Delete(CurrentFile);
            return Task.FromResult(false);
        }

        File.WriteAllText(CurrentFile + ".tmp", id + "\n");
        File.Move(CurrentFile + ".tmp", CurrentFile, overwrite: true);
        return Task.FromResult(true);
    }
}
