using System.Security.Cryptography;
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
    /// <summary>Uploaded with the scripts: the fingerprint of what was uploaded, which the server probe reads back.</summary>
    public const string FingerprintFile = "inputs.sha256";

    private static readonly string[] Parts = ["bootstrap.sh", "slot.sh", "verify.sh", "server", "cloudwatch"];

    /// <summary>
    /// The SHA-256 of what <see cref="Pack"/> uploads (every file's path and bytes, and the server
    /// map): the same scripts give the same fingerprint on every machine.
    /// </summary>
    public static string Fingerprint(string appDeployDirectory, IReadOnlyDictionary<string, byte[]>? extraFiles = null)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, bytes) in Inputs(appDeployDirectory, extraFiles))
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"{name}\0{bytes.Length}\0"));
            hash.AppendData(bytes);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// What bootstrap.sh would install: the scripts' fingerprint and its flags (ports, policy).
    /// bootstrap.sh keeps it on the server when it finishes, so a run can tell nothing changed.
    /// </summary>
    public static string BootstrapFingerprint(string scriptsFingerprint, ServerPorts ports, ServerPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(ports);
        ArgumentNullException.ThrowIfNull(policy);
        var flags = $"{ports.Http} {ports.Api} {ports.ApiGreen} {string.Join(' ', policy.BootstrapFlags())}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(scriptsFingerprint + "\n" + flags)));
    }

    public static async Task UploadAsync(IRemoteShell shell, string appDeployDirectory, IReadOnlyDictionary<string, byte[]>? extraFiles = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shell);
        using var archive = Pack(appDeployDirectory, extraFiles);
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

    /// <summary>The scripts, the map and <paramref name="extraFiles"/> (e.g. a test ACME server's CA) beside them.</summary>
    public static MemoryStream Pack(string appDeployDirectory, IReadOnlyDictionary<string, byte[]>? extraFiles = null)
    {
        var files = Files(appDeployDirectory);
        var generated = new Dictionary<string, byte[]>(extraFiles ?? new Dictionary<string, byte[]>(), StringComparer.Ordinal)
        {
            [ServerMap.ShellFileName] = Encoding.UTF8.GetBytes(ServerMap.ShellFile()),
            [FingerprintFile] = Encoding.UTF8.GetBytes(Fingerprint(appDeployDirectory, extraFiles) + "\n"),
        };
        return TarGz.Pack(appDeployDirectory, files, generated);
    }

    private static IEnumerable<(string Name, byte[] Bytes)> Inputs(string appDeployDirectory, IReadOnlyDictionary<string, byte[]>? extraFiles) =>
        Files(appDeployDirectory)
            .Select(f => (f.Replace('\\', '/'), File.ReadAllBytes(Path.Combine(appDeployDirectory, f))))
            .Concat((extraFiles ?? new Dictionary<string, byte[]>()).OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => (e.Key, e.Value)))
            .Append((ServerMap.ShellFileName, Encoding.UTF8.GetBytes(ServerMap.ShellFile())));

    private static List<string> Files(string appDeployDirectory)
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

        return files;
    }
}
