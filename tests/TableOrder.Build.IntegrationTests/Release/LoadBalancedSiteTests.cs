using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using TableOrder.Build.IntegrationTests.Support;
using TableOrder.Build.Local;
using TableOrder.Build.Server;
using Xunit;
using Xunit.Abstractions;

namespace TableOrder.Build.IntegrationTests.Release;

/// <summary>
/// The site behind a load balancer, on a real Nginx with the site bootstrap.sh renders and a real
/// HAProxy with the local stack's configuration in front, as on AWS: the load balancer is not on
/// loopback (this host's own address plays its subnet; HAProxy listens and connects from there)
/// and the API behind Nginx is a small Nginx server that echoes what reached it. Loopback clients
/// (the server itself) are never limited, so the outside is this host's address.
/// </summary>
[Trait("Category", "Integration")]
public sealed class LoadBalancedSiteTests : IAsyncLifetime, IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly TempDirectory _work = new("edge-site");
    // this host's own address plays the load balancer's subnet
    private readonly IPAddress _balancer = HttpsTests.NonLoopbackAddress();
    private readonly int _sitePort = FreePort();
    private readonly int _apiPort = FreePort();
    private readonly int _haproxyPort = FreePort();
    private HttpClient _http = null!;

    public LoadBalancedSiteTests(ITestOutputHelper output) => _output = output;

    private string Socket => _work.Combine("haproxy.sock");

    public async Task InitializeAsync()
    {
        var prefix = _work.Path;
        Directory.CreateDirectory(_work.Combine("logs"));
        File.WriteAllText(_work.Combine("live.conf"), $"upstream tableorder_api {{ server 127.0.0.1:{_apiPort}; keepalive 16; }}\nmap $host $tableorder_ui_root {{ default \"{prefix}\"; }}\n");
        File.WriteAllText(_work.Combine("site.conf"), RenderSite($"{_balancer}/32"));
        File.WriteAllText(_work.Combine("nginx.conf"), $$"""
            user root;
            pid {{prefix}}/nginx.pid;
            error_log {{prefix}}/logs/error.log;
            events { worker_connections 1024; }
            http {
                client_body_temp_path {{prefix}}/tmp-body;
                proxy_temp_path {{prefix}}/tmp-proxy;
                fastcgi_temp_path {{prefix}}/tmp-fastcgi;
                uwsgi_temp_path {{prefix}}/tmp-uwsgi;
                scgi_temp_path {{prefix}}/tmp-scgi;
                include {{prefix}}/site.conf;
                # the API: answers with what reached it (the address Nginx keyed the request on, the scheme)
                server {
                    listen 127.0.0.1:{{_apiPort}};
                    access_log off;
                    default_type application/json;
                    location / { return 200 '{"realIp":"$http_x_real_ip","proto":"$http_x_forwarded_proto","forwardedFor":"$http_x_forwarded_for"}'; }
                }
            }
            """);
        Run("nginx", $"-p {prefix} -c {prefix}/nginx.conf");

        // the local stack's HAProxy, listening and connecting from the load balancer's address
        var config = LocalLoadBalancer.Render(_haproxyPort, Socket, [("app-1", _sitePort, true)])
            .Replace($"bind 127.0.0.1:{_haproxyPort}", $"bind {_balancer}:{_haproxyPort}", StringComparison.Ordinal)
            .Replace($"127.0.0.1:{_sitePort} check", $"127.0.0.1:{_sitePort} check source {_balancer}", StringComparison.Ordinal);
        File.WriteAllText(_work.Combine("haproxy.cfg"), config);
        Run("haproxy", $"-D -f {_work.Combine("haproxy.cfg")} -p {_work.Combine("haproxy.pid")}");

        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 32 }) { Timeout = TimeSpan.FromSeconds(10) };
        var deadline = Stopwatch.StartNew();
        while (!(await TryHaproxyStat()).StartsWith("UP", StringComparison.Ordinal))
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), "HAProxy never called the site UP");
            await Task.Delay(200);
        }
    }

    public void Dispose()
    {
        _http?.Dispose();
        _work.Dispose();
    }

    public async Task DisposeAsync()
    {
        foreach (var pidFile in new[] { "haproxy.pid", "nginx.pid" })
        {
            // the processes this test started, by their pid: Nginx's master takes its workers with it
            if (File.Exists(_work.Combine(pidFile)) && int.TryParse(File.ReadAllText(_work.Combine(pidFile)).Trim(), out var pid))
            {
                using var kill = Process.Start("kill", ["-TERM", pid.ToString(CultureInfo.InvariantCulture)]);
                kill.WaitForExit();
            }
        }

        await Task.Delay(300);
    }

    [Fact]
    public async Task Two_clients_behind_the_load_balancer_have_limits_of_their_own()
    {
        // the client's address is the last one before the load balancer's own (HAProxy appends the
        // address it was reached from, here the load balancer's network; the ALB appends the client's)
        Assert.Equal("198.51.100.1", (await Echo(Through(), "198.51.100.1")).RealIp);

        // client A far over the API's rate and burst: 429s, keyed on that address
        var first = await Burst("/api/orders", forwardedFor: "198.51.100.1");
        Assert.Contains(HttpStatusCode.TooManyRequests, first);

        // client B right after: its own limit, untouched by A
        var second = await Burst("/api/orders", forwardedFor: "198.51.100.2", count: ServerMap.ApiBurst / 2);
        Assert.All(second, s => Assert.Equal(HttpStatusCode.OK, s));
    }

    [Fact]
    public async Task A_forwarded_for_from_outside_the_load_balancer_changes_nothing()
    {
        // straight to Nginx from an address that is not the load balancer's: its own address counts
        var direct = await Echo(Direct(IPAddress.Loopback), "198.51.100.9");
        Assert.Equal("127.0.0.1", direct.RealIp);

        // through the load balancer, what a client writes itself stays to the left of its real address
        var spoofed = await Echo(Through(), "198.51.100.7, 198.51.100.8");
        Assert.Equal("198.51.100.8", spoofed.RealIp);

        // and the same client keeps one limit however it rotates what it claims before that
        var rotating = await Task.WhenAll(Enumerable.Range(0, (ServerMap.ApiBurst + ServerMap.ApiRequestsPerSecond) * 3)
            .Select(i => Status(Through(), "/api/orders", $"203.0.113.{i % 200}, 198.51.100.5")));
        Assert.Contains(HttpStatusCode.TooManyRequests, rotating);
    }

    [Fact]
    public async Task The_health_check_is_never_429_under_a_load_that_gives_the_api_429()
    {
        // the worst case: every request keyed like the load balancer's own (no X-Forwarded-For from it)
        var checksBefore = await HaproxyStat();
        var load = await Task.WhenAll(Enumerable.Range(0, (ServerMap.ApiBurst + ServerMap.ApiRequestsPerSecond) * 3)
            .Select(_ => Status(Direct(_balancer), "/api/orders", null)));
        Assert.Contains(HttpStatusCode.TooManyRequests, load);

        var health = await Task.WhenAll(Enumerable.Range(0, (ServerMap.ApiBurst + ServerMap.ApiRequestsPerSecond) * 3)
            .Select(_ => Status(Direct(_balancer), "/api/health", null)));
        Assert.All(health, s => Assert.Equal(HttpStatusCode.OK, s));

        // HAProxy's own checks all the while: the server stayed UP and no check failed
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var checksAfter = await HaproxyStat();
        Assert.StartsWith("UP", checksAfter.Status, StringComparison.Ordinal);
        Assert.Equal(checksBefore.FailedChecks, checksAfter.FailedChecks);

        // a client is still limited on the health check (each call queries the database and Redis)
        var flood = await Burst("/api/health", forwardedFor: "198.51.100.3");
        Assert.Contains(HttpStatusCode.TooManyRequests, flood);
    }

    [Fact]
    public async Task Hsts_and_the_scheme_follow_x_forwarded_proto_only_from_the_load_balancer()
    {
        // the load balancer ended TLS: the app hears https and the browser gets HSTS
        using (var https = await Get(Direct(_balancer), "/api/health", proto: "https"))
        {
            Assert.Equal("max-age=31536000", https.Headers.GetValues("Strict-Transport-Security").Single());
        }

        Assert.Equal("https", (await Echo(Direct(_balancer), null, proto: "https", path: "/api/orders")).Proto);

        // plain HTTP at the load balancer: no HSTS
        using (var plain = await Get(Direct(_balancer), "/api/health", proto: "http"))
        {
            Assert.False(plain.Headers.Contains("Strict-Transport-Security"));
        }

        // a client that claims https itself, straight or through HAProxy (which sets the scheme it served): neither
        using (var claimed = await Get(Direct(IPAddress.Loopback), "/api/health", proto: "https"))
        {
            Assert.False(claimed.Headers.Contains("Strict-Transport-Security"));
        }

        Assert.Equal("http", (await Echo(Direct(IPAddress.Loopback), null, proto: "https", path: "/api/orders")).Proto);
        using (var through = await Get(Through(), "/api/health", proto: "https"))
        {
            Assert.False(through.Headers.Contains("Strict-Transport-Security"));
        }
    }

    private string Through() => $"http://{_balancer}:{_haproxyPort}";

    private string Direct(IPAddress from) => $"http://{from}:{_sitePort}";

    private async Task<HttpStatusCode[]> Burst(string path, string forwardedFor, int? count = null) =>
        await Task.WhenAll(Enumerable.Range(0, count ?? (ServerMap.ApiBurst + ServerMap.ApiRequestsPerSecond) * 3).Select(_ => Status(Through(), path, forwardedFor)));

    private async Task<HttpStatusCode> Status(string site, string path, string? forwardedFor)
    {
        using var response = await Get(site, path, forwardedFor);
        return response.StatusCode;
    }

    private async Task<HttpResponseMessage> Get(string site, string path, string? forwardedFor = null, string? proto = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(site + path));
        if (forwardedFor is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        }

        if (proto is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", proto);
        }

        return await _http.SendAsync(request);
    }

    private async Task<(string RealIp, string Proto)> Echo(string site, string? forwardedFor, string? proto = null, string path = "/api/echo")
    {
        using var response = await Get(site, path, forwardedFor, proto);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        _output.WriteLine(body);
        using var json = JsonDocument.Parse(body);
        return (json.RootElement.GetProperty("realIp").GetString()!, json.RootElement.GetProperty("proto").GetString()!);
    }

    private async Task<string> TryHaproxyStat()
    {
        try
        {
            return (await HaproxyStat()).Status;
        }
        catch (SocketException)
        {
            return "starting";
        }
    }

    /// <summary>HAProxy's view of the site: its status and how many of its health checks failed so far.</summary>
    private async Task<(string Status, int FailedChecks)> HaproxyStat()
    {
        using var socket = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(Socket));
        await socket.SendAsync(Encoding.ASCII.GetBytes("show stat\n"), SocketFlags.None);
        var answer = new StringBuilder();
        var buffer = new byte[8192];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
        {
            answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        var lines = answer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0][2..].Split(',');
        var row = lines.Skip(1).Select(l => l.Split(',')).Single(f => f[1] == "app-1");
        return (row[Array.IndexOf(header, "status")], int.Parse(row[Array.IndexOf(header, "chkfail")], CultureInfo.InvariantCulture));
    }

    /// <summary>The site as bootstrap.sh renders it, HTTP only, with <paramref name="cidrs"/> as the load balancer's networks.</summary>
    private string RenderSite(string cidrs)
    {
        var server = Path.Combine(RepositoryRoot.Path, "app-deploy", "server");
        var values = string.Join(' ', new[]
        {
            $"HTTP_PORT={_sitePort}", "HTTPS_PORT=443", "HTTPS_REDIRECT_PORT=", "DOMAIN=", "CERT_DIR=/nonexistent", $"ACME_WEBROOT={_work.Path}",
            $"LIVE_CONF={_work.Combine("live.conf")}", $"MAINTENANCE_CONF={_work.Combine("maintenance.conf")}", $"NGINX_LOG_DIR={_work.Combine("logs")}",
            $"API_RATE={ServerMap.ApiRequestsPerSecond}", $"API_BURST={ServerMap.ApiBurst}", $"STREAMS_PER_CLIENT={ServerMap.StreamsPerClient}",
        });
        // the site includes the maintenance file: its "off" form, as bootstrap.sh writes it before the site
        var maintenance = new[] { ("STATE", "off"), ("ON", "0"), ("PASS", "off"), ("RETRY_AFTER", "60") }
            .Aggregate(File.ReadAllText(Path.Combine(server, "nginx-maintenance.conf.in")), (text, value) => text.Replace($"@{value.Item1}@", value.Item2, StringComparison.Ordinal));
        File.WriteAllText(_work.Combine("maintenance.conf"), maintenance);
        return Run("bash", $"-c \". '{server}/site-template.sh' && site_render 0 0 '{server}' '{cidrs}' {values}\"");
    }

    private static string Run(string program, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {arguments}: exit {process.ExitCode}\n{error}");
        return output;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
