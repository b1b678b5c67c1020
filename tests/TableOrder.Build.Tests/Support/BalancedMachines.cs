using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using TableOrder.Build.Testing;
using Xunit;

namespace TableOrder.Build.Tests.Support;

/// <summary>
/// The rehearsal's load balancer for a test: a real HAProxy in front of one small HTTP server per
/// instance, told to moto's bridge as the rehearsal tells it (instance → HAProxy server, the runtime
/// API's socket). The target group's calls move HAProxy, and HAProxy's own checks of each server's
/// /api/health are the target's health. A server answers 503 while <see cref="Server.Unhealthy"/>;
/// <see cref="HoldAsync"/> keeps a request open on it (a session a drain waits for).
/// </summary>
internal sealed class BalancedMachines : IDisposable
{
    private readonly TempDirectory _folder = new("balanced");
    private readonly Process _haproxy;

    public BalancedMachines(MotoAws moto, IReadOnlyList<string> instances)
    {
        ArgumentNullException.ThrowIfNull(moto);
        ArgumentNullException.ThrowIfNull(instances);
        Servers = [.. instances.Select((id, i) => new Server(id, $"app-{i + 1}"))];
        FrontendPort = FreePort();
        var socket = _folder.Combine("admin.sock");
        var config = string.Join('\n', [
            "global",
            $"    stats socket {socket} mode 600 level admin",
            "defaults",
            "    mode http",
            "    timeout connect 2s",
            "    timeout client 60s",
            "    timeout server 60s",
            "frontend web",
            $"    bind 127.0.0.1:{FrontendPort}",
            "    default_backend app",
            "backend app",
            "    option httpchk GET /api/health",
            "    http-check expect status 200",
            "    default-server inter 100ms fall 2 rise 2",
            .. Servers.Select(s => $"    use-server {s.Name} if {{ path_beg /hold/{s.Name} }}"),
            .. Servers.Select(s => $"    server {s.Name} 127.0.0.1:{s.Port} check disabled"),
            string.Empty]);
        var file = _folder.WriteFile("haproxy.cfg", config);
        var haproxy = File.Exists("/usr/sbin/haproxy") ? "/usr/sbin/haproxy" : "haproxy";
        _haproxy = Process.Start(new ProcessStartInfo(haproxy, ["-f", file]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException("haproxy did not start (apt-get install haproxy: the rehearsal's load balancer)");
        for (var i = 0; i < 100 && !File.Exists(socket); i++)
        {
            Thread.Sleep(50);
        }

        Assert.True(File.Exists(socket), "HAProxy's runtime API did not come up");
        moto.Bridge(new Dictionary<string, object>
        {
            ["instances"] = Servers.ToDictionary(
                s => s.InstanceId,
                s => (object)new Dictionary<string, object> { ["machine"] = s.Name, ["nspawnPidFile"] = "/nonexistent", ["consoleLog"] = "/nonexistent", ["sshPort"] = s.Port, ["balancerServer"] = s.Name }),
            ["loadBalancer"] = new Dictionary<string, object> { ["socket"] = socket, ["backend"] = "app" },
        });
    }

    public IReadOnlyList<Server> Servers { get; }

    public int FrontendPort { get; }

    public Server this[string instanceId] => Servers.Single(s => s.InstanceId == instanceId);

    /// <summary>A request through HAProxy that the server keeps open until released (dispose the result).</summary>
    public async Task<IAsyncDisposable> HoldAsync(string instanceId)
    {
        var server = this[instanceId];
        var held = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        var request = held.GetAsync(new Uri($"http://127.0.0.1:{FrontendPort}/hold/{server.Name}"));
        for (var i = 0; i < 100 && server.Holding == 0; i++)
        {
            await Task.Delay(50);
        }

        Assert.True(server.Holding > 0, $"the held request did not reach {server.Name}");
        return new Held(server, request, held);
    }

    public void Dispose()
    {
        if (!_haproxy.HasExited)
        {
            _haproxy.Kill();
            _haproxy.WaitForExit(5000);
        }

        _haproxy.Dispose();
        foreach (var server in Servers)
        {
            server.Dispose();
        }

        _folder.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class Held(Server server, Task<HttpResponseMessage> request, HttpClient client) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            server.Release();
            try
            {
                using var response = await request;
            }
            catch (HttpRequestException)
            {
                // the load balancer may have ended it (a drain's delay over)
            }

            client.Dispose();
        }
    }

    /// <summary>One instance's web server: /api/health (200, or 503 while unhealthy), /hold/... (open until released).</summary>
    internal sealed class Server : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;
        private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _holding;

        public Server(string instanceId, string name)
        {
            (InstanceId, Name, Port) = (instanceId, name, FreePort());
            _listener.Prefixes.Add($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/");
            _listener.Start();
            _loop = Task.Run(LoopAsync);
        }

        public string InstanceId { get; }

        public string Name { get; }

        public int Port { get; }

        private volatile bool _unhealthy;

        /// <summary>While true, /api/health answers 503.</summary>
        public bool Unhealthy
        {
            get => _unhealthy;
            set => _unhealthy = value;
        }

        public int Holding => Volatile.Read(ref _holding);

        public void Release()
        {
            var release = _release;
            _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            release.TrySetResult();
        }

        public void Dispose()
        {
            Release();
            _listener.Close();
            try
            {
                _loop.Wait(TimeSpan.FromSeconds(5));
            }
            catch (AggregateException)
            {
                // closed under the loop
            }
        }

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                _ = Task.Run(() => AnswerAsync(context));
            }
        }

        private async Task AnswerAsync(HttpListenerContext context)
        {
            try
            {
                if (context.Request.Url!.AbsolutePath.StartsWith("/hold/", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref _holding);
                    await _release.Task;
                    Interlocked.Decrement(ref _holding);
                }

                context.Response.StatusCode = Unhealthy && context.Request.Url.AbsolutePath == "/api/health" ? 503 : 200;
                context.Response.Close();
            }
            catch (HttpListenerException)
            {
                // the client went away
            }
        }
    }
}
