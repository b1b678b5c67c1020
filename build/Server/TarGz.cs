using System.Formats.Tar;
using System.IO.Compression;

namespace TableOrder.Build.Server;

/// <summary>
/// A gzip'd tar of files under one folder, with fixed owners, modes and times: the same files
/// always pack to the same bytes. Used for the deploy scripts and for releases.
/// </summary>
public static class TarGz
{
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Packs the files (0644 unless <paramref name="modes"/> names another), then any generated entries (name to bytes) after them.</summary>
    public static MemoryStream Pack(string baseDirectory, IEnumerable<string> relativeFiles, IReadOnlyDictionary<string, byte[]>? generated = null, IReadOnlyDictionary<string, UnixFileMode>? modes = null)
    {
        ArgumentNullException.ThrowIfNull(relativeFiles);
        var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: false))
        {
            foreach (var file in relativeFiles)
            {
                using var content = File.OpenRead(Path.Combine(baseDirectory, file));
                tar.WriteEntry(Entry(file, content, modes?.GetValueOrDefault(file, FileMode) ?? FileMode));
            }

            foreach (var (name, bytes) in (generated ?? new Dictionary<string, byte[]>()).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                using var content = new MemoryStream(bytes);
                tar.WriteEntry(Entry(name, content, FileMode));
            }
        }

        buffer.Position = 0;
        return buffer;
    }

    private static PaxTarEntry Entry(string name, Stream content, UnixFileMode mode) =>
        new(TarEntryType.RegularFile, name.Replace('\\', '/'))
        {
            DataStream = content,
            Mode = mode,
            ModificationTime = DateTimeOffset.UnixEpoch,
            Uid = 0,
            Gid = 0,
        };
}
