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
        ArgumentNullException.ThrowIfNull(content);
        return await WriteFileAsync(shell, Encoding.UTF8.GetBytes(content), ServerMap.EnvFile, "0600", ServerMap.AppUser, cancellationToken);
    }

    /// <summary>Installs a settings file (owner and mode) when its content differs; true when it changed.</summary>
    public static async Task<bool> WriteFileAsync(IRemoteShell shell, byte[] bytes, string remotePath, string mode, string owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shell);
        ArgumentNullException.ThrowIfNull(bytes);
        var current = await shell.RunAsync(FileCommands.Checksum(remotePath), cancellationToken);
        if (current.Text.Trim() == Convert.ToHexStringLower(SHA256.HashData(bytes)))
        {
            return false;
        }

        await shell.InstallFileAsync(bytes, remotePath, mode, owner, cancellationToken);
        return true;
    }
}
