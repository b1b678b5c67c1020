using System.Buffers.Binary;
using System.Text;
using Renci.SshNet;

namespace TableOrder.Build.Remote;

/// <summary>
/// Tells whether a file is a private key SSH.NET can use without asking anything: not a public
/// key, not encrypted (the build has no way to ask for a passphrase), in a format it reads.
/// </summary>
public static class PrivateKeyCheck
{
    /// <summary>Null when the file is a usable private key; otherwise what is wrong and what to do, in one sentence.</summary>
    public static string? Problem(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"'{path}' cannot be read ({ex.Message}). Make it readable by this user (chmod 600 '{path}') or name a copy that is.";
        }

        var trimmed = text.TrimStart();
        if (trimmed.StartsWith("ssh-", StringComparison.Ordinal) || trimmed.StartsWith("ecdsa-", StringComparison.Ordinal) ||
            trimmed.StartsWith("sk-", StringComparison.Ordinal) || trimmed.Contains("PUBLIC KEY-----", StringComparison.Ordinal))
        {
            var guess = path.EndsWith(".pub", StringComparison.Ordinal) ? $" (probably '{path[..^4]}')" : string.Empty;
            return $"'{path}' is a public key. Pass the private key file{guess}.";
        }

        if (trimmed.StartsWith("PuTTY-User-Key-File", StringComparison.Ordinal))
        {
            return $"'{path}' is a PuTTY key. Convert it first: puttygen '{path}' -O private-openssh -o key.pem, then pass --ssh-key=key.pem.";
        }

        if (IsEncrypted(trimmed))
        {
            return $"'{path}' is encrypted with a passphrase and the build cannot ask for it. Give it an unencrypted copy kept private: cp '{path}' key && ssh-keygen -p -N '' -f key, then --ssh-key=key.";
        }

        if (!trimmed.StartsWith("-----BEGIN ", StringComparison.Ordinal) || !trimmed.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            return $"'{path}' is not a private key (no '-----BEGIN ... PRIVATE KEY-----' line). Pass the private key file, in OpenSSH or PEM format (e.g. the .pem EC2 gave you).";
        }

        try
        {
            using var key = new PrivateKeyFile(path);
            return null;
        }
        catch (Exception ex) when (ex is Renci.SshNet.Common.SshException or ArgumentException or FormatException or NotSupportedException or InvalidOperationException)
        {
            return $"'{path}' is not a private key SSH can read ({ex.Message}). Pass an OpenSSH or PEM private key (ssh-keygen -t ed25519 makes one).";
        }
    }

    private static bool IsEncrypted(string text)
    {
        if (text.Contains("ENCRYPTED", StringComparison.Ordinal))
        {
            return true; // PKCS#8 "BEGIN ENCRYPTED PRIVATE KEY", or PEM "Proc-Type: 4,ENCRYPTED".
        }

        const string begin = "-----BEGIN OPENSSH PRIVATE KEY-----";
        const string end = "-----END OPENSSH PRIVATE KEY-----";
        var start = text.IndexOf(begin, StringComparison.Ordinal);
        var stop = text.IndexOf(end, StringComparison.Ordinal);
        if (start < 0 || stop < start)
        {
            return false;
        }

        try
        {
            // openssh-key-v1\0, then a string: the cipher name ("none" when not encrypted).
            var bytes = Convert.FromBase64String(text[(start + begin.Length)..stop].Replace("\n", string.Empty, StringComparison.Ordinal).Replace("\r", string.Empty, StringComparison.Ordinal).Trim());
            const string magic = "openssh-key-v1\0";
            if (bytes.Length < magic.Length + 4 || Encoding.ASCII.GetString(bytes, 0, magic.Length) != magic)
            {
                return false;
            }

            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(magic.Length));
            return length > 0 && magic.Length + 4 + length <= bytes.Length &&
                Encoding.ASCII.GetString(bytes, magic.Length + 4, length) != "none";
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
