using Cake.Core.Diagnostics;

namespace TableOrder.Build.Local;

/// <summary>A private Redis 7 for the local environment (plays ElastiCache): own folder, loopback, own port, a password.</summary>
public sealed class LocalRedis(LocalLayout layout, LocalProcess process, ICakeLog log)
{
    private const string ServiceUser = "redis";

    private string ConfigFile => Path.Combine(layout.RedisDirectory, "redis.conf");

    private string PidFile => Path.Combine(layout.RedisDirectory, "redis.pid");

    private static string? RunAs => LocalProcess.IsRoot && UserExists(ServiceUser) ? ServiceUser : null;

    public int? RunningPid => ProcessIds.ReadAlive(PidFile, "redis-server");

    public void Start(LocalSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        if (RunningPid is { } pid)
        {
            log.Information("Redis: already running on 127.0.0.1:{0} (pid {1})", layout.Ports.Redis, pid);
            return;
        }

        PortCheck.EnsureFree(layout.Ports.Redis, "Redis");
        Directory.CreateDirectory(layout.RedisDirectory);
        WriteConfig(secrets.RedisPassword);
        if (RunAs is { } user)
        {
            process.Run("chown", ["-R", $"{user}:{user}", layout.RedisDirectory]);
        }

        log.Information("Redis: starting on 127.0.0.1:{0}", layout.Ports.Redis);
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

    public string RedisUrl(string password) => $"redis://:{password}@127.0.0.1:{layout.Ports.Redis}/0";

    private void WriteConfig(string password)
    {
        var config = string.Join('\n',
            $"port {layout.Ports.Redis}",
            "bind 127.0.0.1",
            "protected-mode yes",
            "daemonize yes",
            $"pidfile {PidFile}",
            $"logfile {Path.Combine(layout.RedisDirectory, "redis.log")}",
            $"dir {layout.RedisDirectory}",
            "save \"\"",
            "appendonly no",
            $"requirepass {password}",
            string.Empty);
        File.WriteAllText(ConfigFile, config);
        File.SetUnixFileMode(ConfigFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private static bool UserExists(string user) =>
        File.ReadLines("/etc/passwd").Any(l => l.StartsWith(user + ":", StringComparison.Ordinal));
}
