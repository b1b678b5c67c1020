using Cake.Core.Diagnostics;

namespace TableOrder.Build.Local;

/// <summary>
/// A local stack part's own CA and its server certificate for 127.0.0.1 (the address clients connect
/// to), made once with openssl in a folder of their own: keys are written into files that are 0600
/// before a byte is in them. Clients verify the server against <see cref="CaCertificateFile"/>, its
/// address included, as they verify ElastiCache and RDS against AWS's CAs.
/// </summary>
public sealed class LocalCertificateAuthority(string directory, string serverName, string caSubject, LocalProcess process, ICakeLog log)
{
    /// <summary>The server certificate's extensions: for 127.0.0.1, TLS server only.</summary>
    public const string ServerExtensions = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n";

    public string CaCertificateFile => Path.Combine(directory, "ca.pem");

    private string CaKeyFile => Path.Combine(directory, "ca.key");

    public string CertificateFile => Path.Combine(directory, serverName + ".pem");

    public string KeyFile => Path.Combine(directory, serverName + ".key");

    /// <summary>The openssl commands that make the CA and the server certificate in <paramref name="folder"/>.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> Commands(string folder, string serverName, string caSubject)
    {
        var caKey = Path.Combine(folder, "ca.key");
        var ca = Path.Combine(folder, "ca.pem");
        var key = Path.Combine(folder, serverName + ".key");
        var request = Path.Combine(folder, serverName + ".csr");
        return
        [
            ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", caKey],
            ["req", "-x509", "-new", "-key", caKey, "-sha256", "-days", "3650", "-subj", "/CN=" + caSubject, "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", ca],
            ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key],
            ["req", "-new", "-key", key, "-subj", "/CN=127.0.0.1", "-out", request],
            ["x509", "-req", "-in", request, "-CA", ca, "-CAkey", caKey, "-CAcreateserial", "-sha256", "-days", "825", "-extfile", Path.Combine(folder, serverName + ".ext"), "-out", Path.Combine(folder, serverName + ".pem")],
        ];
    }

    /// <summary>Makes the CA and the certificate unless the whole set is there (an incomplete set is made again); true when it made them.</summary>
    public bool Ensure()
    {
        if (File.Exists(CaCertificateFile) && File.Exists(CaKeyFile) && File.Exists(CertificateFile) && File.Exists(KeyFile))
        {
            return false;
        }

        if (!LocalProcess.CommandExists("openssl"))
        {
            throw new LocalEnvironmentException($"openssl is missing: it makes the local TLS certificates ({caSubject}). Install it (apt-get install openssl) and run again.");
        }

        log.Information("{0}: making a CA and a server certificate for 127.0.0.1 in {1}", caSubject, directory);
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var keyFile in new[] { CaKeyFile, KeyFile })
        {
            LocalRedis.CreateOwnerOnly(keyFile, string.Empty);
        }

        File.WriteAllText(Path.Combine(directory, serverName + ".ext"), ServerExtensions);
        foreach (var arguments in Commands(directory, serverName, caSubject))
        {
            process.Run("openssl", arguments);
        }

        File.Delete(Path.Combine(directory, serverName + ".csr"));
        File.SetUnixFileMode(CaCertificateFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return true;
    }
}
