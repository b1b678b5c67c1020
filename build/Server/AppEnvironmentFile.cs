using System.Security.Cryptography;
using System.Text;
using TableOrder.Build.Remote;

namespace TableOrder.Build.Server;

/// <summary>
/// The app's settings on the server (<see cref="ServerMap.EnvFile"/>): 0600, owned by the app user.
/// Its content (passwords) travels over the transport's upload into a file that is 0600 before a
/// byte is written; it never appears in a command line or a log.
/// </summary>
public static class AppEnvironmentFile
{
    public static string Render(IEnumerable<KeyValuePair<string, string>> settings) =>
        string.Concat(settings.Select(s => $"{s.Key}={s.Value}\n"));

    /// <summary>Writes the file when its content differs; true when it changed.</summary>
    public static async Task<bool> WriteAsync(IRemoteShell shell, string content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shell);
        ArgumentNullException.ThrowIfNull(content);
        var bytes = Encoding.UTF8.GetBytes(content);
        var current = await shell.RunAsync(FileCommands.Checksum(ServerMap.EnvFile), cancellationToken);
        if (current.Text.Trim() == Convert.ToHexStringLower(SHA256.HashData(bytes)))
        {
            return false;
        }

        await shell.InstallFileAsync(bytes, ServerMap.EnvFile, "0600", ServerMap.AppUser, cancellationToken);
        return true;
    }
}
