namespace TableOrder.Build.Server;

/// <summary>Where the app's Python packages come from on the server.</summary>
public enum PythonPackages
{
    /// <summary>Debian's python3-* packages, seen by the venv (no package index needed).</summary>
    Distro,

    /// <summary>Debian's packages first, then pip for what the app's requirements add.</summary>
    Pip,
}

/// <summary>
/// The named choices that differ between environments, decided once by the environment and
/// handed to bootstrap.sh as flags (the script decides nothing from an environment name).
/// </summary>
public sealed record ServerPolicy(bool CloudWatchAgent, PythonPackages PythonPackages, ServerTls? Tls = null)
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

    /// <summary>Each release's requirements are installed into the server's venv only when pip is the source.</summary>
    public bool InstallsRequirements => PythonPackages == PythonPackages.Pip;

    public IReadOnlyList<string> BootstrapFlags() =>
    [
        "--python-deps", PythonPackages == PythonPackages.Pip ? "pip" : "distro",
        "--cloudwatch", CloudWatchAgent ? "on" : "off",
        .. Tls?.BootstrapFlags() ?? [],
        .. HttpsOff ? ["--http-only"] : Array.Empty<string>(),
        .. LoadBalancerCidrs.Count > 0 ? ["--load-balancer-cidrs", string.Join(',', LoadBalancerCidrs)] : Array.Empty<string>(),
    ];

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
