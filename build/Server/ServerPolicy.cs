using System.Text;
using TableOrder.Build.Remote;

namespace TableOrder.Build.Server;

/// <summary>Where the app's Python packages come from on the server.</summary>
public enum PythonPackages
{
    /// <summary>Debian's python3-* packages, seen by the venv; nothing is installed from a package index.</summary>
    Distro,

    /// <summary>
    /// Debian's packages first; what a release's requirements add beyond them only from its
    /// <see cref="ServerMap.RequirementsLock"/> (pip --require-hashes --no-deps, as <see cref="ServerMap.BuildUser"/>).
    /// A release that needs more than Debian's packages and has no lock is refused.
    /// </summary>
    Lock,
}

/// <summary>
/// The named choices that differ between environments, decided once by the environment and
/// handed to bootstrap.sh as flags (the script decides nothing from an environment name). A server
/// that installs itself (the fleet's user data) reads the same choices from <see cref="ShellFileName"/>,
/// which travels with the deploy scripts: the build and the user data never disagree.
/// </summary>
public sealed record ServerPolicy(bool CloudWatchAgent, PythonPackages PythonPackages, ServerTls? Tls = null, DatabaseCa? DatabaseCa = null)
{
    /// <summary>
    /// --http-only: a server that serves HTTPS goes back to plain HTTP on purpose. Without it (and
    /// without <see cref="Tls"/>) bootstrap.sh refuses to drop the HTTPS a server has.
    /// </summary>
    public bool HttpsOff { get; init; }

    /// <summary>With <see cref="HttpsOff"/>: the domain the stack served before, when the build knows it (for the HSTS warning).</summary>
    public string? DroppedDomain { get; init; }

    /// <summary>
    /// The load balancer's own addresses (CIDRs) when one is in front: Nginx takes the client's address
    /// from X-Forwarded-For and the scheme from X-Forwarded-Proto only from these. Empty: no load balancer.
    /// </summary>
    public IReadOnlyList<string> LoadBalancerCidrs { get; init; } = [];

    /// <summary>The policy file beside the deploy scripts: PYTHON_DEPS and SERVER_POLICY_FLAGS, for bash.</summary>
    public const string ShellFileName = "server-policy.env";

    /// <summary>bootstrap.sh's and slot.sh's --python-deps value.</summary>
    public string PythonDeps => PythonPackages == PythonPackages.Lock ? "lock" : "distro";

    /// <summary>What the server is, whatever its site: packages, agent, the database's CA.</summary>
    public IReadOnlyList<string> PolicyFlags() =>
    [
        "--python-deps", PythonDeps,
        "--cloudwatch", CloudWatchAgent ? "on" : "off",
        .. DatabaseCa?.BootstrapFlags() ?? [],
    ];

    /// <summary>The policy's flags and the site's: HTTPS (or dropping it on purpose), the load balancer in front.</summary>
    public IReadOnlyList<string> BootstrapFlags() =>
    [
        .. PolicyFlags(),
        .. Tls?.BootstrapFlags() ?? [],
        .. HttpsOff ? ["--http-only"] : Array.Empty<string>(),
        .. LoadBalancerCidrs.Count > 0 ? ["--load-balancer-cidrs", string.Join(',', LoadBalancerCidrs)] : Array.Empty<string>(),
    ];

    /// <summary>The policy file's text: the values the fleet's user data passes on (no secret, no site).</summary>
    public string ShellFile()
    {
        var text = new StringBuilder("# The server policy, rendered by the build from build/Server/ServerPolicy.cs. Do not edit.\n")
            .Append("# A server that installs itself (the fleet's user data) passes these to bootstrap.sh and slot.sh prepare.\n")
            .Append("PYTHON_DEPS=").Append(PythonDeps).Append('\n')
            .Append("SERVER_POLICY_FLAGS=(").Append(string.Join(' ', PolicyFlags().Select(Shell.Quote))).Append(")\n");
        return text.ToString();
    }

    /// <summary>The files bootstrap.sh reads beside itself: the policy file, the database's CA, the test ACME CA and root.</summary>
    public IReadOnlyDictionary<string, byte[]> UploadFiles()
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal) { [ShellFileName] = Encoding.UTF8.GetBytes(ShellFile()) };
        foreach (var (name, bytes) in (DatabaseCa?.UploadFiles() ?? new Dictionary<string, byte[]>()).Concat(Tls?.UploadFiles() ?? new Dictionary<string, byte[]>()))
        {
            files[name] = bytes;
        }

        return files;
    }

    /// <summary>The site as users reach it: HTTPS on the domain when there is one, else plain HTTP on <paramref name="host"/>.</summary>
    public Uri SiteUrl(string host, ServerPorts ports)
    {
        ArgumentNullException.ThrowIfNull(ports);
        return Tls?.SiteUrl ?? new UriBuilder("http", host, ports.Http).Uri;
    }

    /// <summary>For the run summary and the log: what the site serves.</summary>
    public string SiteProtocol => Tls is null ? "http-only" : "https";
}

/// <summary>
/// The CA the app and the migrations verify the database server's certificate against
/// (sslmode=verify-full), which bootstrap.sh installs as <see cref="ServerMap.DatabaseCaFile"/>:
/// either a file of this machine uploaded beside the scripts (a local stack's own CA), or a download
/// checked against a pinned SHA-256 (Amazon RDS's bundle); a download that does not match is refused.
/// </summary>
public sealed record DatabaseCa
{
    /// <summary>Where an uploaded CA lands beside bootstrap.sh.</summary>
    public const string UploadedName = "db-ca.pem";

    private DatabaseCa()
    {
    }

    /// <summary>A CA file on this machine.</summary>
    public string? File { get; private init; }

    public Uri? Url { get; private init; }

    /// <summary>The SHA-256 (64 lowercase hex digits) the download must have.</summary>
    public string? Sha256 { get; private init; }

    public static DatabaseCa FromFile(string path) => new() { File = path };

    public static DatabaseCa Download(Uri url, string sha256)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(sha256);
        // the URL goes into command lines and the policy file as one word: plain characters only
        if (url.Scheme != Uri.UriSchemeHttps || !url.ToString().All(c => char.IsAsciiLetterOrDigit(c) || c is ':' or '/' or '.' or '_' or '-') ||
            sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException($"A database CA download needs a plain https:// URL and a SHA-256 of 64 lowercase hex digits (got {url}, '{sha256}').");
        }

        return new() { Url = url, Sha256 = sha256 };
    }

    public IReadOnlyList<string> BootstrapFlags() =>
        File is not null
            ? ["--db-ca", UploadedName]
            : ["--db-ca-url", Url!.ToString(), "--db-ca-sha256", Sha256!];

    public IReadOnlyDictionary<string, byte[]> UploadFiles() =>
        File is null
            ? new Dictionary<string, byte[]>()
            : new Dictionary<string, byte[]>(StringComparer.Ordinal) { [UploadedName] = System.IO.File.ReadAllBytes(File) };
}

/// <summary>
/// The ports Nginx and the API's two slots use on the server (loopback for the slots): 80 and
/// 8000/8001 on EC2, each local stack's own ports locally.
/// </summary>
public sealed record ServerPorts(int Http, int Api, int ApiGreen)
{
    /// <summary>With HTTPS: the site's name and port (the health gate goes there; plain HTTP only redirects).</summary>
    public ServerTls? Tls { get; init; }

    public static readonly ServerPorts Production = new(80, 8000, 8001);

    /// <summary>The loopback port of a slot (blue or green).</summary>
    public int For(string slot) => slot == "green" ? ApiGreen : Api;
}
