namespace TableOrder.Build.Remote;

/// <summary>Where and how to reach the app server over SSH, with the host key it must present.</summary>
public sealed record SshTarget(string Host, int Port, string User, string PrivateKeyPath, PinnedHostKey HostKey)
{
    /// <summary>The prefix of every line of remote output.</summary>
    public string Label => $"{User}@{Host}:{Port}";
}

/// <summary>
/// The one host key we accept, as an OpenSSH public key line ("ssh-ed25519 AAAA..."). SSH.NET trusts
/// every key unless told otherwise; <see cref="SshSession"/> compares the server's key with this one.
/// </summary>
public sealed record PinnedHostKey(string Algorithm, byte[] KeyBlob)
{
    public static PinnedHostKey Parse(string openSshPublicKey)
    {
        var parts = (openSshPublicKey ?? string.Empty).Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2)
        {
            throw new RemoteException($"'{openSshPublicKey}' is not an OpenSSH public key line (expected 'ssh-ed25519 AAAA...').");
        }

        try
        {
            return new PinnedHostKey(parts[0], Convert.FromBase64String(parts[1]));
        }
        catch (FormatException)
        {
            throw new RemoteException($"The host key '{parts[0]} {parts[1]}' is not valid base64.");
        }
    }

    public static PinnedHostKey FromFile(string path) =>
        File.Exists(path)
            ? Parse(File.ReadAllText(path))
            : throw new RemoteException($"The host key file '{path}' does not exist: the server's key cannot be pinned.");

    public bool Matches(string algorithm, byte[] keyBlob) =>
        string.Equals(Algorithm, algorithm, StringComparison.Ordinal) && KeyBlob.AsSpan().SequenceEqual(keyBlob);

    /// <summary>SHA256 fingerprint as OpenSSH prints it.</summary>
    public string Fingerprint => "SHA256:" + Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(KeyBlob)).TrimEnd('=');
}

/// <summary>Something went wrong on or on the way to the server; the message says what.</summary>
public class RemoteException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A remote command exited non-zero.</summary>
public sealed class RemoteCommandException(string description, int exitCode, IReadOnlyList<string> lastLines)
    : RemoteException($"{description} failed with exit code {exitCode}." + (lastLines.Count == 0 ? string.Empty : " Last lines:" + Environment.NewLine + string.Join(Environment.NewLine, lastLines)))
{
    public int ExitCode { get; } = exitCode;
}
