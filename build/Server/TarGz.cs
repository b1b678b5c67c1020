using System.Formats.Tar;
using System.IO.Compression;

namespace TableOrder.Build.Server;

/// <summary>
/// A gzip'd tar of files under one folder, with fixed owners, modes and times: the same files
/// always pack to the same bytes. Used for the deploy scripts and for releases.
/// </summary>
public static class TarGz
{
    public static MemoryStream Pack(string baseDirectory, IEnumerable<string> relativeFiles)
    {
        ArgumentNullException.ThrowIfNull(relativeFiles);
        var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: false))
        {
            foreach (var file in relativeFiles)
            {
                using var content = File.OpenRead(Path.Combine(baseDirectory, file));
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, file.Replace('\\', '/'))
                {
                    DataStream = content,
                    Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                    ModificationTime = DateTimeOffset.UnixEpoch,
                    Uid = 0,
                    Gid = 0,
                });
            }
        }

        buffer.Position = 0;
        return buffer;
    }
}
