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
public sealed record ServerPolicy(bool CloudWatchAgent, PythonPackages PythonPackages)
{
    /// <summary>Each release's requirements are installed into the server's venv only when pip is the source.</summary>
    public bool InstallsRequirements => PythonPackages == PythonPackages.Pip;

    public IReadOnlyList<string> BootstrapFlags() =>
    [
        "--python-deps", PythonPackages == PythonPackages.Pip ? "pip" : "distro",
        "--cloudwatch", CloudWatchAgent ? "on" : "off",
    ];
}

/// <summary>The ports Nginx and the API use on the server: 80/8000 on EC2, their own ports locally.</summary>
public sealed record ServerPorts(int Http, int Api)
{
    public static readonly ServerPorts Production = new(80, 8000);
}
