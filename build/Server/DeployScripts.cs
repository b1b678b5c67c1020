using System.Text;
using TableOrder.Build.Remote;

namespace TableOrder.Build.Server;

/// <summary>
/// Puts app-deploy/'s server scripts (bootstrap, verify, templates; not the app) and the server
/// map (<see cref="ServerMap.ShellFileName"/>) in the login user's home on the server, in one
/// archive over the existing connection.
/// </summary>
public static class DeployScripts
{
    private static readonly string[] Parts = ["bootstrap.sh", "slot.sh", "verify.sh", "server", "cloudwatch"];

    public static async Task UploadAsync(IRemoteShell shell, string appDeployDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shell);
        using var archive = Pack(appDeployDirectory);
        await shell.UploadAsync(archive, ServerMap.ScriptsFolder + ".tgz", cancellationToken);
        await shell.RunAsync(UnpackCommand(), cancellationToken);
    }

    public static RemoteCommand UnpackCommand()
    {
        const string folder = ServerMap.ScriptsFolder;
        return RemoteCommand.User(
            $"rm -rf ~/{folder} && mkdir -p ~/{folder} && tar -xzf ~/{folder}.tgz -C ~/{folder} && rm -f ~/{folder}.tgz",
            "unpack the deploy scripts");
    }

    public static MemoryStream Pack(string appDeployDirectory)
    {
        var files = new List<string>();
        foreach (var part in Parts)
        {
            var path = Path.Combine(appDeployDirectory, part);
            IEnumerable<string> found = Directory.Exists(path)
                ? Directory.GetFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
                : File.Exists(path) ? [path] : throw new RemoteException($"'{path}' is missing: the deploy scripts are incomplete.");
            files.AddRange(found.Select(f => Path.GetRelativePath(appDeployDirectory, f)));
        }

        return TarGz.Pack(appDeployDirectory, files, new Dictionary<string, byte[]> { [ServerMap.ShellFileName] = Encoding.UTF8.GetBytes(ServerMap.ShellFile()) });
    }
}
