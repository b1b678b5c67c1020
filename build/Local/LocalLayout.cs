namespace TableOrder.Build.Local;

/// <summary>
/// Where one local stack keeps everything, and its ports and machine name (each state folder is
/// its own stack). The machine image cache is shared by every state folder's stack and survives
/// LocalDown --purge.
/// </summary>
public sealed record LocalLayout(string StateDirectory, string CacheDirectory, string RepositoryRoot)
{
    public const string LoginUser = "admin";

    /// <summary>The port baked into the image; each stack's copy is set to its own port before boot.</summary>
    public const int ImageSshPort = 2222;
    public const string DatabaseName = "tableorder";
    /// <summary>The database's owner: the migrations log in as it.</summary>
    public const string DatabaseUser = "tableorder";

    /// <summary>The app's own role (data rights only), as production's (build/Aws/AppDatabaseRole.cs DefaultRole).</summary>
    public const string AppDatabaseUser = "tableorder_app";

    /// <summary>Machine images are the same for every state folder: one cache per repository.</summary>
    public static string CacheFor(string repositoryRoot) => Path.Combine(repositoryRoot, ".tableorder", "cache");

    private LocalPorts? _ports;

    /// <summary>The Debian archive the machine image is built from; null: this host's own apt sources' (<see cref="DebianMirror.FromHost"/>).</summary>
    public DebianMirror? DebianMirror { get; init; }

    /// <summary>Packages downloaded for the machine image, kept for the next image build (purged with the images).</summary>
    public string AptCacheDirectory => Path.Combine(CacheDirectory, "machine", "apt-archives");

    /// <summary>This stack's ports, chosen on first use and remembered in the state folder.</summary>
    public LocalPorts Ports => _ports ??= LocalPorts.LoadOrChoose(StateDirectory, IsDeveloperStack, PortCheck.IsListening);

    /// <summary>After a purge: the next use chooses (and remembers) ports again.</summary>
    public void ForgetPorts() => _ports = null;

    public string MachineName => LocalPorts.MachineName(StateDirectory, IsDeveloperStack);

    /// <summary>A short id unique to this state folder (for names that must never be shared, like the machine's cgroup).</summary>
    public string StackId => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(StateDirectory).TrimEnd('/'))))[..12];

    /// <summary>The repository's own default stack, <c>.tableorder/local</c>: it gets the documented ports and name.</summary>
    public bool IsDeveloperStack =>
        Path.GetFullPath(StateDirectory).TrimEnd('/') == Path.GetFullPath(Path.Combine(RepositoryRoot, ".tableorder", "local"));

    public string SecretsFile => Path.Combine(StateDirectory, "secrets.json");

    public string LockFile => Path.Combine(StateDirectory, "local.lock");

    public string PostgresDirectory => Path.Combine(StateDirectory, "postgres");

    public string PostgresData => Path.Combine(PostgresDirectory, "data");

    public string PostgresSocketDirectory => Path.Combine(PostgresDirectory, "run");

    public string PostgresLog => Path.Combine(PostgresDirectory, "postgres.log");

    /// <summary>pgBackRest's repository, config, logs and locks for this stack's PostgreSQL (purged with the stack).</summary>
    public string BackupDirectory => Path.Combine(StateDirectory, "backups");

    public string RedisDirectory => Path.Combine(StateDirectory, "redis");

    /// <summary>Redis's CA and server certificate (made once per stack; keys 0600).</summary>
    public string RedisTlsDirectory => Path.Combine(RedisDirectory, "tls");

    public string MachineDirectory => Path.Combine(StateDirectory, "machine");

    public string MachineRootfs => Path.Combine(MachineDirectory, "rootfs");

    public string MachinePidFile => Path.Combine(MachineDirectory, "nspawn.pid");

    public string MachineConsoleLog => Path.Combine(MachineDirectory, "console.log");

    public string LoginKey => LoginKeyIn(CacheDirectory);

    /// <summary>The login key of the machines made from the image cache <paramref name="cacheDirectory"/>.</summary>
    public static string LoginKeyIn(string cacheDirectory) => Path.Combine(cacheDirectory, "machine", "login_ed25519");

    public string RootfsScript => Path.Combine(RepositoryRoot, "app-deploy", "local", "make-rootfs.sh");

    public string MachineHostKey => Path.Combine(MachineRootfs, "etc", "ssh", "ssh_host_ed25519_key.pub");
}
