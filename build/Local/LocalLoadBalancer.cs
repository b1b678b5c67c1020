using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Cake.Core.Diagnostics;
using TableOrder.Build.Environments;

namespace TableOrder.Build.Local;

/// <summary>
/// HAProxy (Debian's package) in front of a local stack's app servers, playing the ALB: it
/// health-checks each machine's Nginx on /api/health and is drained through its runtime API (a
/// unix socket in the stack's folder). One instance per stack, on a port of its own.
/// </summary>
public sealed class LocalLoadBalancer(LocalLayout layout, LocalProcess process, ICakeLog log) : ILoadBalancer
{
    public const string Backend = "app";

    /// <summary>Where HAProxy's requests reach the servers from (it connects over loopback): the servers trust its forwarded headers from there only.</summary>
    public static readonly IReadOnlyList<string> SourceCidrs = ["127.0.0.1/32"];

    private string Directory => Path.Combine(layout.StateDirectory, "haproxy");

    public string ConfigFile => Path.Combine(Directory, "haproxy.cfg");

    public string PidFile => Path.Combine(Directory, "haproxy.pid");

    public string Socket => Path.Combine(Directory, "admin.sock");

    /// <summary>Its own port block (a state folder below this stack's), remembered there like the stack's ports.</summary>
    public int Port => LocalPorts.LoadOrChoose(Directory, preferDefaults: false, PortCheck.IsListening).Http;

    public Uri PublicUrl => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/");

    public int? RunningPid => ProcessIds.ReadAlive(PidFile, "haproxy");

    /// <summary>
    /// The configuration: per-request balancing (server connections close after each response, so a
    /// graceful Nginx reload never meets a reused connection), idempotent requests retried on another
    /// server, fast health checks so a drained server comes back within seconds.
    /// </summary>
    /// <param name="port">Where it listens.</param>
    /// <param name="socket">Its runtime API's unix socket.</param>
    /// <param name="servers">Every app server; one not <c>Enabled</c> starts in maintenance (no traffic, no checks) until set ready.</param>
    public static string Render(int port, string socket, IReadOnlyList<(string Name, int HttpPort, bool Enabled)> servers)
    {
        ArgumentNullException.ThrowIfNull(servers);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"""
            # Written by the TableOrder build: the local stand-in of the ALB.
            global
                stats socket {socket} mode 600 level admin
                maxconn 4096

            defaults
                mode http
                timeout connect 2s
                timeout client 10m
                timeout server 10m
                timeout http-request 10s
                option http-server-close
                option redispatch 1
                retries 3
                retry-on conn-failure empty-response response-timeout 502 503 504

            frontend tableorder
                bind 127.0.0.1:{port}
                # as the ALB does: the client's address appended to X-Forwarded-For, the scheme it
                # used (this one serves plain HTTP) in X-Forwarded-Proto, whatever the client sent
                option forwardfor
                http-request set-header X-Forwarded-Proto http
                default_backend {Backend}

            backend {Backend}
                balance roundrobin
                option httpchk GET /api/health
                http-check expect status 200
                default-server inter 1s fall 2 rise 2

            """);
        foreach (var (name, httpPort, enabled) in servers)
        {
            text.Append(CultureInfo.InvariantCulture, $"    server {name} 127.0.0.1:{httpPort} check{(enabled ? string.Empty : " disabled")}\n");
        }

        return text.ToString();
    }

    /// <summary>Starts it, or reloads it softly (-sf: the old process finishes its connections) when the servers changed.</summary>
    public void Start(IReadOnlyList<(string Name, int HttpPort, bool Enabled)> servers)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var config = Render(Port, Socket, servers);
        var running = RunningPid;
        if (running is not null && File.Exists(ConfigFile) && File.ReadAllText(ConfigFile) == config)
        {
            log.Information("HAProxy: already running (pid {0}) on {1}", running, PublicUrl);
            return;
        }

        // temp name, validate, rename: a broken file never replaces a working one
        var temporary = ConfigFile + ".tmp";
        File.WriteAllText(temporary, config);
        process.Run("haproxy", ["-c", "-q", "-f", temporary]);
        File.Move(temporary, ConfigFile, overwrite: true);
        if (running is { } old)
        {
            log.Information("HAProxy: {0} servers now; reloading (pid {1} finishes its connections)", servers.Count, old);
            Daemon($"-sf {old.ToString(CultureInfo.InvariantCulture)}");
        }
        else
        {
            PortCheck.EnsureFree(Port, "HAProxy (the local load balancer)");
            log.Information("HAProxy: starting on {0} in front of {1}", PublicUrl, string.Join(", ", servers.Select(s => $"{s.Name} (:{s.HttpPort}{(s.Enabled ? string.Empty : ", in maintenance")})")));
            Daemon(string.Empty);
        }

        Waiting.Until(() => RunningPid is not null && File.Exists(Socket), TimeSpan.FromSeconds(10), $"HAProxy did not start; see {LogFile}.");
    }

    /// <summary>HAProxy forks itself away (-D); its output goes to a file, never to the build's pipes, which it would hold open.</summary>
    private void Daemon(string extra)
    {
        var command = $"haproxy -D -f {Remote.Shell.Quote(ConfigFile)} -p {Remote.Shell.Quote(PidFile)} {extra} </dev/null >>{Remote.Shell.Quote(LogFile)} 2>&1";
        process.Run("bash", ["-c", command]);
    }

    public string LogFile => Path.Combine(Directory, "haproxy.log");

    public void Stop()
    {
        if (RunningPid is { } pid)
        {
            log.Information("HAProxy: stopping (pid {0})", pid);
            ProcessIds.Terminate(pid, TimeSpan.FromSeconds(10));
        }

        // A stack made before the load balancer existed has no folder for it.
        if (File.Exists(PidFile))
        {
            File.Delete(PidFile);
        }
    }

    public Task DrainAsync(string server, CancellationToken cancellationToken = default) =>
        SetStateAsync(server, "drain", cancellationToken);

    public Task ReadyAsync(string server, CancellationToken cancellationToken = default) =>
        SetStateAsync(server, "ready", cancellationToken);

    /// <summary>No traffic and no health checks, and what is still open is closed (as the ALB ends a deregistered target's connections).</summary>
    public async Task MaintenanceAsync(string server, CancellationToken cancellationToken = default)
    {
        await SetStateAsync(server, "maint", cancellationToken);
        var answer = (await CommandAsync(ShutdownCommand(server), cancellationToken)).Trim();
        if (answer.Length > 0)
        {
            throw new LocalEnvironmentException($"HAProxy refused `{ShutdownCommand(server)}`: {answer}");
        }
    }

    public static string ShutdownCommand(string server) => $"shutdown sessions server {Backend}/{server}";

    public async Task<IReadOnlyList<BalancedServer>> ServersAsync(CancellationToken cancellationToken = default) =>
        ParseStat(await CommandAsync(StatCommand, cancellationToken));

    public const string StatCommand = "show stat";

    public static string StateCommand(string server, string state) => $"set server {Backend}/{server} state {state}";

    /// <summary>The backend's servers from `show stat` (CSV; its header names the columns).</summary>
    public static IReadOnlyList<BalancedServer> ParseStat(string csv)
    {
        ArgumentNullException.ThrowIfNull(csv);
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0 || !lines[0].StartsWith("# ", StringComparison.Ordinal))
        {
            throw new LocalEnvironmentException($"HAProxy's `show stat` answered no CSV: {csv.Trim()}");
        }

        var header = lines[0][2..].Split(',');
        int Column(string name) => Array.IndexOf(header, name);
        var (proxy, name, sessions, status) = (Column("pxname"), Column("svname"), Column("scur"), Column("status"));
        return [.. lines.Skip(1)
            .Select(l => l.Split(','))
            .Where(f => f.Length > status && f[proxy] == Backend && f[name] is not ("BACKEND" or "FRONTEND"))
            .Select(f => new BalancedServer(f[name], f[status], int.TryParse(f[sessions], CultureInfo.InvariantCulture, out var n) ? n : 0))];
    }

    private async Task SetStateAsync(string server, string state, CancellationToken cancellationToken)
    {
        var answer = (await CommandAsync(StateCommand(server, state), cancellationToken)).Trim();
        if (answer.Length > 0)
        {
            throw new LocalEnvironmentException($"HAProxy refused `{StateCommand(server, state)}`: {answer}");
        }

        log.Verbose("HAProxy: {0} is {1}", server, state);
    }

    /// <summary>One command on the runtime API: HAProxy answers and closes the connection.</summary>
    private async Task<string> CommandAsync(string command, CancellationToken cancellationToken)
    {
        using var socket = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(Socket), cancellationToken);
        await socket.SendAsync(Encoding.ASCII.GetBytes(command + "\n"), SocketFlags.None, cancellationToken);
        var answer = new StringBuilder();
        var buffer = new byte[8192];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken)) > 0)
        {
            answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return answer.ToString();
    }
}
