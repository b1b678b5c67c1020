using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace TableOrder.Build.Server;

/// <summary>
/// HTTPS for the site: the name certbot gets a certificate for (ACME HTTP-01 through Nginx), the
/// port Nginx serves it on, and, for a test ACME server (local Pebble), the CA certbot trusts for
/// that server and the root the served chain must end in. Null on an environment without a domain:
/// the site is HTTP only, and the run says so.
/// </summary>
/// <param name="Domain">The DNS name the certificate is for.</param>
/// <param name="HttpsPort">Nginx's HTTPS port (443 in production).</param>
/// <param name="AcmeServer">The ACME directory; null: Let's Encrypt.</param>
/// <param name="AcmeCaFile">A CA file on this machine that certbot trusts for the ACME server only; null: the system's.</param>
/// <param name="AcmeRootFile">The root (on this machine) the served chain must end in; null: the system's trust store.</param>
/// <param name="Address">Where the domain is served from when DNS does not know it (local: 127.0.0.1); null: DNS.</param>
public sealed record ServerTls(string Domain, int HttpsPort, Uri? AcmeServer = null, string? AcmeCaFile = null, string? AcmeRootFile = null, IPAddress? Address = null)
{
    /// <summary>Where the files for bootstrap.sh land beside it (in the uploaded scripts folder).</summary>
    public const string UploadedCaName = "acme-ca.pem";
    public const string UploadedRootName = "acme-root.pem";

    public IReadOnlyList<string> BootstrapFlags()
    {
        var scripts = $"\"$HOME/{ServerMap.ScriptsFolder}/";
        return
        [
            "--domain", Domain,
            "--https-port", HttpsPort.ToString(CultureInfo.InvariantCulture),
            .. AcmeServer is null ? Array.Empty<string>() : ["--acme-server", Remote.Shell.Quote(AcmeServer.ToString())],
            .. AcmeCaFile is null ? Array.Empty<string>() : ["--acme-ca", scripts + UploadedCaName + "\""],
            .. AcmeRootFile is null ? Array.Empty<string>() : ["--acme-root", scripts + UploadedRootName + "\""],
        ];
    }

    /// <summary>The files bootstrap.sh reads beside itself (the test CA and root), by name.</summary>
    public IReadOnlyDictionary<string, byte[]> UploadFiles()
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (AcmeCaFile is not null)
        {
            files[UploadedCaName] = File.ReadAllBytes(AcmeCaFile);
        }

        if (AcmeRootFile is not null)
        {
            files[UploadedRootName] = File.ReadAllBytes(AcmeRootFile);
        }

        return files;
    }

    /// <summary>The site's address as users reach it.</summary>
    public Uri SiteUrl => new UriBuilder("https", Domain, HttpsPort).Uri;

    /// <summary>
    /// A client of the site as a browser sees it: TLS to <see cref="Domain"/> (SNI and host name
    /// checked), the chain verified against <see cref="AcmeRootFile"/> (only that root) or the
    /// system's store; connections go to <see cref="Address"/> when DNS does not know the name.
    /// </summary>
    public SocketsHttpHandler Handler()
    {
        var handler = new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromSeconds(30) };
        if (Address is { } address)
        {
            handler.ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    var host = string.Equals(context.DnsEndPoint.Host, Domain, StringComparison.OrdinalIgnoreCase) ? address : null;
                    await (host is null
                        ? socket.ConnectAsync(context.DnsEndPoint, cancellationToken)
                        : socket.ConnectAsync(new IPEndPoint(host, context.DnsEndPoint.Port), cancellationToken));
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }

        if (AcmeRootFile is { } rootFile)
        {
            var root = X509CertificateLoader.LoadCertificateFromFile(rootFile);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                certificate is X509Certificate2 served && ChainsTo(served, chain, root, errors);
        }

        return handler;
    }

    /// <summary>True when the served certificate is valid for the name and chains to exactly <paramref name="root"/>.</summary>
    public static bool ChainsTo(X509Certificate2 served, X509Chain? presented, X509Certificate2 root, SslPolicyErrors errors)
    {
        ArgumentNullException.ThrowIfNull(served);
        ArgumentNullException.ThrowIfNull(root);
        if ((errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements.Skip(1))
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(served) && chain.ChainElements[^1].Certificate.Thumbprint == root.Thumbprint;
    }
}
