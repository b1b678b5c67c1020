using System.Security.Cryptography;
using System.Text;
using TableOrder.Build.Remote;

namespace TableOrder.Build.Server;

/// <summary>
/// The app's settings on the server, /etc/tableorder/app.env: 0600, owned by the app user. Its
/// content (passwords) travels over SFTP into a file that is 0600 before a byte is written; it
/// never appears in a command line or a log.
/// </summary>
public static class AppEnvironmentFile
{
    public const string RemotePath = "/etc/tableorder/app.env";

    public static string Render(IEnumerable<KeyValuePair<string, string>> settings) =>
        string.Concat(settings.Select(s => $"{s.Key}={s.Value}\n"));

    /// <summary>Writes the file when its content differs; true when it changed.</summary>
    public static async Task<bool> WriteAsync(IRemoteShell shell, string content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shell);
        ArgumentNullException.ThrowIfNull(content);
        var bytes = Encoding.UTF8.GetBytes(content);
        var wanted = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var current = await shell.RunAsync(
            Shell.Sudo($"sha256sum {RemotePath} 2>/dev/null | cut -d' ' -f1"),
            new RemoteRunOptions { Description = "read the env file's checksum", Stream = false, AllowFailure = true },
            cancellationToken);
        if (current.Text.Trim() == wanted)
        {
            return false;
        }

        const string upload = ".tableorder-app.env.upload";
        await shell.RunAsync($"install -m 0600 /dev/null ~/{upload}", new RemoteRunOptions { Description = "prepare the env file upload", Stream = false }, cancellationToken);
        using (var stream = new MemoryStream(bytes))
        {
            await shell.UploadAsync(stream, upload, cancellationToken);
        }

        await shell.RunAsync(
            $"sudo -n install -m 0600 -o tableorder -g tableorder ~/{upload} {RemotePath}; status=$?; rm -f ~/{upload}; exit $status",
            new RemoteRunOptions { Description = "install the env file", Stream = false },
            cancellationToken);
        return true;
    }
}
