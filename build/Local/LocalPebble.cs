using System.Net;
using System.Text.Json;
using Cake.Core.Diagnostics;
using TableOrder.Build.Server;

namespace TableOrder.Build.Local;

/// <summary>
/// The local stand-in of Let's Encrypt: Pebble (Debian's ACME test server) on this stack's own
/// ports, with pebble-challtestsrv as its DNS server answering every name with 127.0.0.1, so
/// Pebble's HTTP-01 validation really fetches the token from the stack's Nginx (the machine shares
/// this host's network). Pebble serves its API with a TLS certificate from a CA of our own (made
/// once per stack); it makes a new root for the certificates it issues on every start, which is
/// fetched from its management interface and kept in <see cref="RootFile"/>.
/// </summary>
public sealed class LocalPebble(LocalLayout layout, LocalProcess process, ICakeLog log)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The name the local site is served under (Pebble's DNS answers it with this machine).</summary>
    public const string Domain = "tableorder.test";

    private string Directory => Path.Combine(layout.StateDirectory, "pebble");

    private string ConfigFile => Path.Combine(Directory, "pebble-config.json");

    private string PebblePidFile => Path.Combine(Directory, "pebble.pid");

    private string DnsPidFile => Path.Combine(Directory, "challtestsrv.pid");

    private string ServerCertificateFile => Path.Combine(Directory, "tls", "pebble.pem");

    private string ServerKeyFile => Path.Combine(Directory, "tls", "pebble.key");

    /// <summary>The CA of Pebble's own API certificate: certbot trusts it for its calls to Pebble, nothing else does.</summary>
    public string ApiCaFile => Path.Combine(Directory, "tls", "ca.pem");

    private string ApiCaKeyFile => Path.Combine(Directory, "tls", "ca.key");

    /// <summary>The root of the certificates this Pebble run issues (from its management interface).</summary>
    public string RootFile => Path.Combine(Directory, "root.pem");

    public Uri DirectoryUrl => new($"https://127.0.0.1:{layout.Ports.Acme}/dir");

    public int? RunningPid => ProcessIds.ReadAlive(PebblePidFile, "pebble");

    public int? DnsRunningPid => ProcessIds.ReadAlive(DnsPidFile, "pebble-challtestsrv");

    /// <summary>HTTPS for the local site, certificates from this Pebble.</summary>
    public ServerTls Tls => new(Domain, layout.Ports.Https, DirectoryUrl, ApiCaFile, RootFile, IPAddress.Loopback);

    /// <summary>Pebble's settings: its API and management on loopback, HTTP-01 validation on the stack's Nginx port.</summary>
    public static string Config(LocalPorts ports, string certificateFile, string keyFile)
    {
        ArgumentNullException.ThrowIfNull(ports);
        var config = new
        {
            pebble = new Dictionary<string, object>
            {
                ["listenAddress"] = $"127.0.0.1:{ports.Acme}",
                ["managementListenAddress"] = $"127.0.0.1:{ports.AcmeManagement}",
                ["certificate"] = certificateFile,
                ["privateKey"] = keyFile,
                ["httpPort"] = ports.Http,
                ["tlsPort"] = ports.Https,
                ["ocspResponderURL"] = string.Empty,
                ["externalAccountBindingRequired"] = false,
            },
        };
        return JsonSerializer.Serialize(config, Indented) + "\n";
    }

    /// <summary>pebble-challtestsrv as a DNS server only: every A query is 127.0.0.1, no AAAA (Nginx listens on IPv4), no challenge servers of its own.</summary>
    public static IReadOnlyList<string> DnsArguments(LocalPorts ports)
    {
        ArgumentNullException.ThrowIfNull(ports);
        return
        [
            "-defaultIPv4", "127.0.0.1", "-defaultIPv6", string.Empty,
            "-dns01", $"127.0.0.1:{ports.Dns}",
            "-http01", string.Empty, "-https01", string.Empty, "-tlsalpn01", string.Empty,
            // its management interface is never used: any free port
            "-management", "127.0.0.1:0",
        ];
    }

    /// <summary>Pebble without its random validation delays, and without rejecting good nonces at random (certbot is not under test).</summary>
    public static IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string>
    {
        ["PEBBLE_VA_NOSLEEP"] = "1",
        ["PEBBLE_WFE_NONCEREJECT"] = "0",
    };

    public void Start()
    {
        System.IO.Directory.CreateDirectory(Directory);
        EnsureCertificates();
        var config = Config(layout.Ports, ServerCertificateFile, ServerKeyFile);
        var configChanged = !File.Exists(ConfigFile) || File.ReadAllText(ConfigFile) != config;
        if (configChanged)
        {
            Stop();
            File.WriteAllText(ConfigFile, config);
        }

        if (DnsRunningPid is null)
        {
            PortCheck.EnsureFree(layout.Ports.Dns, "pebble-challtestsrv (DNS)");
            log.Information("Pebble DNS: pebble-challtestsrv on 127.0.0.1:{0} answers every name with 127.0.0.1", layout.Ports.Dns);
            Detach("pebble-challtestsrv", DnsArguments(layout.Ports), DnsPidFile, "challtestsrv.log");
        }

        if (RunningPid is { } pid)
        {
            log.Information("Pebble: already running on 127.0.0.1:{0} (pid {1})", layout.Ports.Acme, pid);
        }
        else
        {
            PortCheck.EnsureFree(layout.Ports.Acme, "Pebble");
            log.Information("Pebble: the ACME test server on 127.0.0.1:{0}, validating HTTP-01 on port {1}", layout.Ports.Acme, layout.Ports.Http);
            Detach("pebble", ["-config", ConfigFile, "-dnsserver", $"127.0.0.1:{layout.Ports.Dns}"], PebblePidFile, "pebble.log");
            Waiting.Until(() => RunningPid is not null && PortCheck.IsListening(layout.Ports.Acme) && PortCheck.IsListening(layout.Ports.AcmeManagement), TimeSpan.FromSeconds(20), "Pebble did not start listening; see " + Path.Combine(Directory, "pebble.log"));
            File.Delete(RootFile);
        }

        if (!File.Exists(RootFile))
        {
            File.WriteAllText(RootFile, FetchRoot());
        }
    }

    public void Stop()
    {
        foreach (var (pid, what) in new[] { (RunningPid, "Pebble"), (DnsRunningPid, "Pebble DNS") })
        {
            if (pid is { } alive)
            {
                log.Information("{0}: stopping (pid {1})", what, alive);
                ProcessIds.Terminate(alive, TimeSpan.FromSeconds(10));
            }
        }
    }

    /// <summary>The root of this run's issued certificates, from Pebble's management interface (over TLS checked against our CA).</summary>
    public string FetchRoot()
    {
        var ca = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(ApiCaFile);
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            certificate is System.Security.Cryptography.X509Certificates.X509Certificate2 served && ServerTls.ChainsTo(served, chain, ca, errors);
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        return http.GetStringAsync(new Uri($"https://127.0.0.1:{layout.Ports.AcmeManagement}/roots/0")).GetAwaiter().GetResult();
    }

    /// <summary>The extensions of Pebble's API certificate: for 127.0.0.1 and localhost, TLS server only.</summary>
    public const string ServerExtensions = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n";

    private void EnsureCertificates()
    {
        var directory = Path.Combine(Directory, "tls");
        if (File.Exists(ApiCaFile) && File.Exists(ServerCertificateFile) && File.Exists(ServerKeyFile))
        {
            return;
        }

        if (System.IO.Directory.Exists(directory))
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }

        System.IO.Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        LocalRedis.CreateOwnerOnly(ApiCaKeyFile, string.Empty);
        LocalRedis.CreateOwnerOnly(ServerKeyFile, string.Empty);
        var request = Path.Combine(directory, "pebble.csr");
        var extensions = Path.Combine(directory, "pebble.ext");
        File.WriteAllText(extensions, ServerExtensions);
        string[][] commands =
        [
            ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", ApiCaKeyFile],
            ["req", "-x509", "-new", "-key", ApiCaKeyFile, "-sha256", "-days", "3650", "-subj", "/CN=TableOrder local Pebble API CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", ApiCaFile],
            ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", ServerKeyFile],
            ["req", "-new", "-key", ServerKeyFile, "-subj", "/CN=localhost", "-out", request],
            ["x509", "-req", "-in", request, "-CA", ApiCaFile, "-CAkey", ApiCaKeyFile, "-CAcreateserial", "-sha256", "-days", "825", "-extfile", extensions, "-out", ServerCertificateFile],
        ];
        foreach (var arguments in commands)
        {
            process.Run("openssl", arguments);
        }

        File.Delete(request);
    }

    /// <summary>Starts a program detached from this build (it outlives it), its pid in <paramref name="pidFile"/>.</summary>
    private void Detach(string program, IReadOnlyList<string> arguments, string pidFile, string logName)
    {
        File.Delete(pidFile);
        var environment = string.Join(' ', Environment.Select(e => $"{e.Key}={e.Value}"));
        var command = $"echo $$ > {Remote.Shell.Quote(pidFile)}; exec env {environment} {program} {string.Join(' ', arguments.Select(Remote.Shell.Quote))}";
        process.Run("bash", ["-c", $"setsid bash -c {Remote.Shell.Quote(command)} </dev/null >>{Remote.Shell.Quote(Path.Combine(Directory, logName))} 2>&1 &"]);
        Waiting.Until(() => ProcessIds.ReadAlive(pidFile, program) is not null, TimeSpan.FromSeconds(10), $"{program} did not start; see {Path.Combine(Directory, logName)}.");
    }
}
