using System.Text;
using Cake.Core.Diagnostics;

namespace TableOrder.Build.Local;

/// <summary>
/// A private Redis 7 for the local environment (plays ElastiCache): own folder, loopback, own port,
/// TLS only (a CA and a server certificate of its own, made once with openssl) and a password, so
/// the app connects with the same rediss:// code as in production.
/// </summary>
public sealed class LocalRedis(LocalLayout layout, LocalProcess process, ICakeLog log)
{
    private const string ServiceUser = "redis";
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private string ConfigFile => Path.Combine(layout.RedisDirectory, "redis.conf");

    private string PidFile => Path.Combine(layout.RedisDirectory, "redis.pid");

    private static string? RunAs => LocalProcess.IsRoot && UserExists(ServiceUser) ? ServiceUser : null;

    public int? RunningPid => ProcessIds.ReadAlive(PidFile, "redis-server");

    private LocalCertificateAuthority Tls => new(layout.RedisTlsDirectory, "redis", "TableOrder local Redis CA", process, log);

    /// <summary>The CA the server certificate is signed with: the app verifies Redis against it.</summary>
    public string CaCertificateFile => Tls.CaCertificateFile;

    private string ServerCertificateFile => Tls.CertificateFile;

    private string ServerKeyFile => Tls.KeyFile;

    public void Start(LocalSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        Directory.CreateDirectory(layout.RedisDirectory);
        EnsureCertificates();
        if (RunningPid is { } pid)
        {
            if (File.Exists(ConfigFile) && File.ReadAllText(ConfigFile) == Config(layout, secrets.RedisPassword, CaCertificateFile, ServerCertificateFile, ServerKeyFile))
            {
                log.Information("Redis: already running on 127.0.0.1:{0} with TLS (pid {1})", layout.Ports.Redis, pid);
                return;
            }

            // A Redis started by an older build (no TLS) or with other settings: start it again with these.
            log.Information("Redis: running with other settings (pid {0}); restarting it with TLS and the password", pid);
            Stop();
        }

        PortCheck.EnsureFree(layout.Ports.Redis, "Redis");
        WriteConfig(secrets.RedisPassword);
        if (RunAs is { } user)
        {
            process.Run("chown", ["-R", $"{user}:{user}", layout.RedisDirectory]);
        }

        log.Information("Redis: starting on 127.0.0.1:{0} (TLS only, password)", layout.Ports.Redis);
        process.Run("redis-server", [ConfigFile], RunAs);
        Waiting.Until(() => RunningPid is not null && PortCheck.IsListening(layout.Ports.Redis), TimeSpan.FromSeconds(20), "Redis did not start listening; see " + Path.Combine(layout.RedisDirectory, "redis.log"));
    }

    public void Stop()
    {
        if (RunningPid is { } pid)
        {
            log.Information("Redis: stopping (pid {0})", pid);
            ProcessIds.Terminate(pid, TimeSpan.FromSeconds(20));
        }
    }

    /// <summary>TLS (rediss://) with the password; the app verifies the server against <see cref="CaCertificateFile"/>.</summary>
    public string RedisUrl(string password) => RedisUrlFor(password, layout.Ports.Redis);

    public static string RedisUrlFor(string password, int port) => $"rediss://:{Uri.EscapeDataString(password)}@127.0.0.1:{port}/0";

    /// <summary>The redis.conf of a TLS-only Redis: no plain port, server-authenticated TLS, a password.</summary>
    public static string Config(LocalLayout layout, string password, string caFile, string certificateFile, string keyFile)
    {
        ArgumentNullException.ThrowIfNull(layout);
        return string.Join('\n',
            "port 0",
            $"tls-port {layout.Ports.Redis}",
            $"tls-cert-file {certificateFile}",
            $"tls-key-file {keyFile}",
            $"tls-ca-cert-file {caFile}",
            "tls-auth-clients no",
            "bind 127.0.0.1",
            "protected-mode yes",
            "daemonize yes",
            $"pidfile {Path.Combine(layout.RedisDirectory, "redis.pid")}",
            $"logfile {Path.Combine(layout.RedisDirectory, "redis.log")}",
            $"dir {layout.RedisDirectory}",
            "save \"\"",
            "appendonly no",
            $"requirepass {password}",
            string.Empty);
    }

    /// <summary>Made once per stack, in the state folder; an incomplete set is made again.</summary>
    public void EnsureCertificates() => Tls.Ensure();

    /// <summary>Writes redis.conf (it holds the password) with mode 0600 from its creation.</summary>
    public void WriteConfig(string password)
    {
        Directory.CreateDirectory(layout.RedisDirectory);
        if (File.Exists(ConfigFile))
        {
            File.Delete(ConfigFile);
        }

        // Created with its final mode: the password is never in a file others could read, not even for a moment.
        CreateOwnerOnly(ConfigFile, Config(layout, password, CaCertificateFile, ServerCertificateFile, ServerKeyFile));
    }

    /// <summary>Creates a file that is 0600 from its first byte (no chmod afterwards).</summary>
    public static void CreateOwnerOnly(string path, string content)
    {
        using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = OwnerOnly,
        });
        var bytes = Encoding.UTF8.GetBytes(content);
        stream.Write(bytes);
    }

    private static bool UserExists(string user) =>
        File.ReadLines("/etc/passwd").Any(l => l.StartsWith(user + ":", StringComparison.Ordinal));
}
