using TableOrder.Build.Remote;

namespace TableOrder.Build.Server;

/// <summary>
/// Puts app-deploy/'s server scripts (bootstrap, verify, templates; not the app) in the login
/// user's home on the server, in one archive over the existing connection.
/// </summary>
public static class DeployScripts
{
    public const string RemoteFolder = "tableorder-deploy";

    private static readonly string[] Parts = ["bootstrap.sh", "verify.sh", "server", "cloudwatch"];

    public static async Task UploadAsync(IRemoteShell shell, string appDeployDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shell);
        using var archive = Pack(appDeployDirectory);
        await shell.UploadAsync(archive, RemoteFolder + ".tgz", cancellationToken);
        await shell.RunAsync(
            $"rm -rf ~/{RemoteFolder} && mkdir -p ~/{RemoteFolder} && tar -xzf ~/{RemoteFolder}.tgz -C ~/{RemoteFolder} && rm -f ~/{RemoteFolder}.tgz",
            new RemoteRunOptions { Description = "unpack the deploy scripts" },
            cancellationToken);
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

        return TarGz.Pack(appDeployDirectory, files);
    }
}
