namespace TableOrder.Build.Local;

/// <summary>
/// Where the local environment keeps everything, and the ports it uses. The machine image cache
/// is shared by every state folder's environment and survives LocalDown --purge.
/// </summary>
public sealed record LocalLayout(string StateDirectory, string CacheDirectory, string RepositoryRoot)
{
    public const string LoginUser = "admin";
    public const int SshPort = 2222;
    public const int HttpPort = 8080;
    public const int ApiPort = 18000;
    public const int PostgresPort = 15432;
    public const int RedisPort = 16379;
    public const string DatabaseName = "tableorder";
    public const string DatabaseUser = "tableorder";

    /// <summary>Machine images are the same for every state folder: one cache per repository.</summary>
    public static string CacheFor(string repositoryRoot) => Path.Combine(repositoryRoot, ".tableorder", "cache");

    public string SecretsFile => Path.Combine(StateDirectory, "secrets.json");

    public string LockFile => Path.Combine(StateDirectory, "local.lock");

    public string PostgresDirectory => Path.Combine(StateDirectory, "postgres");

    public string PostgresData => Path.Combine(PostgresDirectory, "data");

    public string PostgresSocketDirectory => Path.Combine(PostgresDirectory, "run");

    public string PostgresLog => Path.Combine(PostgresDirectory, "postgres.log");

    public string RedisDirectory => Path.Combine(StateDirectory, "redis");

    public string MachineDirectory => Path.Combine(StateDirectory, "machine");

    public string MachineRootfs => Path.Combine(MachineDirectory, "rootfs");

    public string MachinePidFile => Path.Combine(MachineDirectory, "nspawn.pid");

    public string MachineConsoleLog => Path.Combine(MachineDirectory, "console.log");

    public string LoginKey => Path.Combine(CacheDirectory, "machine", "login_ed25519");

    public string RootfsScript => Path.Combine(RepositoryRoot, "app-deploy", "local", "make-rootfs.sh");

    public string MachineHostKey => Path.Combine(MachineRootfs, "etc", "ssh", "ssh_host_ed25519_key.pub");
}
