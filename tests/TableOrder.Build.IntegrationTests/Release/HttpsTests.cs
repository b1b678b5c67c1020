using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.IntegrationTests.Local;
using TableOrder.Build.IntegrationTests.Support;
using TableOrder.Build.Local;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;
using Xunit;
using Xunit.Abstractions;

namespace TableOrder.Build.IntegrationTests.Release;

/// <summary>
/// HTTPS on the local stack, for real: Deploy with --domain gets a certificate from the stack's
/// Pebble over HTTP-01 through Nginx, Smoke checks the chain against Pebble's root, HTTP redirects;
/// a forced renewal while clients keep calling drops no request and Nginx serves the new certificate.
/// And what Nginx adds to every answer: security headers, per-client limits (429).
/// </summary>
[Trait("Category", "Integration")]
[Collection(LocalEnvironmentGroup.Name)]
public sealed class HttpsTests(LocalEnvironmentFixture stack, ITestOutputHelper output)
{
    private const string Domain = "tableorder.test";

    private LocalPorts Ports => stack.Layout.Ports;

    [Fact]
    public async Task Deploy_with_a_domain_serves_https_with_a_pebble_certificate_and_http_redirects()
    {
        var deploy = await Run("--target=Deploy", $"--domain={Domain}");
        Assert.Equal(0, deploy.ExitCode);
        Assert.Equal("https", deploy.Run.Text("Bootstrap", "site"));
        var checks = deploy.Run.Outcome("Smoke", "checks")!.Value.EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Equal(["customer UI", "admin UI", "superadmin UI", "health", "SSE round trip", "publishing is staff only", "staff stream is staff only", "customer order", "HTTP redirects to HTTPS"], checks);
        Assert.Equal($"https://{Domain}:{Ports.Https}/", deploy.Run.Text("Smoke", "url"));

        // the served chain ends in the root Pebble hands out now (asked here, not the build's copy)
        var root = PebbleRoot();
        var served = ServedCertificate();
        Assert.Contains(Domain, served.GetNameInfo(X509NameType.DnsName, forIssuer: false), StringComparison.Ordinal);
        Assert.True(ServedChainEndsIn(root), "the served certificate (with the intermediate Nginx sends) does not chain to Pebble's current root");

        using var http = new HttpClient(Tls(root).Handler()) { Timeout = TimeSpan.FromSeconds(10) };
        using (var page = await http.GetAsync(new Uri($"https://{Domain}:{Ports.Https}/admin/")))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("max-age=31536000", page.Headers.GetValues("Strict-Transport-Security").Single());
        }

        using (var plain = await http.GetAsync(new Uri($"http://{Domain}:{Ports.Http}/superadmin/?x=1")))
        {
            Assert.Equal(HttpStatusCode.MovedPermanently, plain.StatusCode);
            Assert.Equal(new Uri($"https://{Domain}:{Ports.Https}/superadmin/?x=1"), plain.Headers.Location);
        }

        // the ACME challenge path stays on plain HTTP (renewals need it): a missing token is a 404, not a redirect
        using (var challenge = await http.GetAsync(new Uri($"http://{Domain}:{Ports.Http}/.well-known/acme-challenge/none")))
        {
            Assert.Equal(HttpStatusCode.NotFound, challenge.StatusCode);
        }

        try
        {
            var again = await Run("--target=Bootstrap", $"--domain={Domain}");
            Assert.Equal(0, again.ExitCode);
            Assert.Equal(0, again.Run.Number("Bootstrap", "changes"));

            // with HTTPS too, a second Deploy learns the server in one call (health read over HTTPS) and does nothing else
            var noOp = await Run("--target=Deploy", $"--domain={Domain}");
            Assert.Equal(0, noOp.ExitCode);
            foreach (var task in new[] { "Bootstrap", "Release", "Migrate", "Activate", "Smoke" })
            {
                Assert.Equal(ServerState.UpToDate, noOp.Run.Text(task, "skipped"));
            }

            // the domain is the stack's now: a Deploy without --domain keeps serving HTTPS
            var plain = await Run("--target=Deploy");
            Assert.Equal(0, plain.ExitCode);
            Assert.Equal("https", plain.Run.Text("Bootstrap", "site"));
            Assert.Equal(Domain, plain.Run.Text("Bootstrap", "domain"));
            Assert.Equal("https", plain.Run.Text("Smoke", "site"));
            using (var page = await http.GetAsync(new Uri($"https://{Domain}:{Ports.Https}/api/health")))
            {
                Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            }

            // and the server itself refuses a bootstrap that would drop it without saying so
            var refused = await Ssh($"bash ~admin/{ServerMap.ScriptsFolder}/bootstrap.sh --http-port {Ports.Http} --api-port {Ports.Api} --green-port {Ports.ApiGreen} 2>&1; echo \"exit $?\"");
            output.WriteLine(refused);
            Assert.Contains($"this server serves HTTPS for {Domain}", refused, StringComparison.Ordinal);
            Assert.Contains("exit 1", refused, StringComparison.Ordinal);
            using (var still = await http.GetAsync(new Uri($"https://{Domain}:{Ports.Https}/api/health")))
            {
                Assert.Equal(HttpStatusCode.OK, still.StatusCode);
            }
        }
        finally
        {
            await TurnHttpsOff();
        }
    }

    [Fact]
    public async Task After_local_down_pebble_forgot_the_account_and_a_deploy_with_the_domain_registers_anew()
    {
        try
        {
            Assert.Equal(0, (await Run("--target=Deploy", $"--domain={Domain}")).ExitCode);
            Assert.Equal(0, (await Run("--target=LocalDown")).ExitCode);

            // Pebble starts over: a new root, and no account or certificate of the last run
            var deploy = await Run("--target=Deploy", $"--domain={Domain}");
            Assert.Equal(0, deploy.ExitCode);
            Assert.Equal("https", deploy.Run.Text("Smoke", "site"));
            Assert.True(ServedChainEndsIn(PebbleRoot()), "the served certificate does not chain to the restarted Pebble's root");
            var account = await Ssh($"sed -n 's/^account = //p' /etc/letsencrypt/renewal/{Domain}.conf; ls /etc/letsencrypt/accounts/*/*/");
            output.WriteLine(account);
            var lines = account.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.Equal(2, lines.Length);
            Assert.Equal(lines[0], lines[1]);
        }
        finally
        {
            await TurnHttpsOff();
        }
    }

    [Fact]
    public async Task Http_only_is_said_on_purpose_and_the_run_says_the_site_is_http_only()
    {
        var deploy = await Run("--target=Deploy", "--http-only");
        Assert.Equal(0, deploy.ExitCode);
        Assert.Equal("http-only", deploy.Run.Text("Bootstrap", "site"));
        Assert.Equal("http-only", deploy.Run.Text("Smoke", "site"));
        Assert.Null(deploy.Run.Text("Bootstrap", "domain"));

        // and the stack stays so
        var plain = await Run("--target=Deploy");
        Assert.Equal(0, plain.ExitCode);
        Assert.Equal("http-only", plain.Run.Text("Bootstrap", "site"));
    }

    /// <summary>Leaves the shared stack as the other tests expect it: plain HTTP, said on purpose (and the HSTS warning recorded).</summary>
    private async Task TurnHttpsOff()
    {
        var off = await Run("--target=Deploy", "--http-only");
        Assert.Equal(0, off.ExitCode);
        Assert.Equal("http-only", off.Run.Text("Bootstrap", "site"));
        Assert.Equal(Domain, off.Run.Text("Bootstrap", "httpsTurnedOff"));
    }

    [Fact]
    public async Task A_forced_renewal_under_load_drops_no_request_and_nginx_serves_the_new_certificate()
    {
        try
        {
            await RenewUnderLoad();
        }
        finally
        {
            await TurnHttpsOff();
        }
    }

    private async Task RenewUnderLoad()
    {
        Assert.Equal(0, (await Run("--target=Deploy", $"--domain={Domain}")).ExitCode);
        var root = PebbleRoot();
        var before = ServedCertificate().SerialNumber;

        // a bounded client loop: new TLS connections all the time (the pool recycles them), so the
        // requests straddle the reload and the certificate swap
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var requests = 0;
        var failures = new List<string>();
        var tls = Tls(root);
        async Task Client()
        {
            using var handler = tls.Handler();
            handler.PooledConnectionLifetime = TimeSpan.FromMilliseconds(200);
            using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
            var paths = new[] { "/", "/admin/", "/api/health" };
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                try
                {
                    using var response = await http.GetAsync(new Uri($"https://{Domain}:{Ports.Https}{paths[i % paths.Length]}"), stop.Token);
                    Interlocked.Increment(ref requests);
                    if (!response.IsSuccessStatusCode)
                    {
                        lock (failures) { failures.Add($"HTTP {(int)response.StatusCode}"); }
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    break;
                }
                catch (HttpRequestException error)
                {
                    Interlocked.Increment(ref requests);
                    lock (failures) { failures.Add(error.Message); }
                }
            }
        }

        var clients = Enumerable.Range(0, 4).Select(_ => Task.Run(Client)).ToList();
        await Task.Delay(TimeSpan.FromSeconds(2));
        var renew = await Ssh($"REQUESTS_CA_BUNDLE={ServerMap.ConfigDirectory}/acme-ca.pem certbot renew --force-renewal --no-random-sleep-on-renew 2>&1; echo \"exit $?\"");
        output.WriteLine(renew);
        Assert.Contains("exit 0", renew, StringComparison.Ordinal);

        var watch = Stopwatch.StartNew();
        var after = before;
        while (after == before && watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(500);
            after = ServedCertificate().SerialNumber;
        }

        await Task.Delay(TimeSpan.FromSeconds(2));
        await stop.CancelAsync();
        await Task.WhenAll(clients);
        output.WriteLine($"requests {requests}, failed {failures.Count}: {string.Join("; ", failures.Take(5))}");
        Assert.NotEqual(before, after);
        Assert.True(requests > 50, $"only {requests} requests were made");
        Assert.Empty(failures);
    }

    [Fact]
    public async Task Every_answer_carries_the_security_headers_and_the_uis_a_strict_csp()
    {
        Assert.Equal(0, (await Run("--target=Deploy")).ExitCode);
        // 32 connections at a time, as a busy browser-side client would: unbounded, 450 at once on
        // both addresses outrun Nginx's worker_connections (Debian's 768) and get resets, not 429s.
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 32 }) { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var path in new[] { "/", "/admin/", "/superadmin/", "/admin/app.js", "/api/health", "/no-such-page" })
        {
            using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{Ports.Http}{path}"));
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            Assert.Equal("strict-origin-when-cross-origin", response.Headers.GetValues("Referrer-Policy").Single());
            var csp = response.Headers.TryGetValues("Content-Security-Policy", out var values) ? values.Single() : null;
            if (path.StartsWith("/api/", StringComparison.Ordinal))
            {
                Assert.Null(csp);
            }
            else
            {
                Assert.NotNull(csp);
                Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
                Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
                Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task A_client_over_its_limits_gets_429_and_loopback_is_not_counted()
    {
        Assert.Equal(0, (await Run("--target=Deploy")).ExitCode);
        var address = NonLoopbackAddress();
        output.WriteLine($"client address: {address}");
        var site = $"http://{address}:{Ports.Http}";

        // streams: the first few are served, one more from the same address is refused
        using var streams = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 100 }) { Timeout = Timeout.InfiniteTimeSpan };
        var open = new List<HttpResponseMessage>();
        try
        {
            for (var i = 0; i < ServerMap.StreamsPerClient; i++)
            {
                var stream = await OpenStream(streams, $"{site}/api/events/limits-{i}");
                open.Add(stream);
                Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
            }

            using (var refused = await OpenStream(streams, $"{site}/api/events/limits-extra"))
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            }

            // the same number of streams again from loopback is fine: the limit is per client address
            using var local = await OpenStream(streams, $"http://127.0.0.1:{Ports.Http}/api/events/limits-local");
            Assert.Equal(HttpStatusCode.OK, local.StatusCode);
        }
        finally
        {
            open.ForEach(s => s.Dispose());
        }

        // requests: a burst far above rate + burst from one address meets 429s; loopback never does
        // 32 connections at a time, as a busy browser-side client would: unbounded, 450 at once on
        // both addresses outrun Nginx's worker_connections (Debian's 768) and get resets, not 429s.
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 32 }) { Timeout = TimeSpan.FromSeconds(10) };
        var total = (ServerMap.ApiBurst + ServerMap.ApiRequestsPerSecond) * 3;
        var remote = await Task.WhenAll(Enumerable.Range(0, total).Select(_ => StatusOf(http, $"{site}/api/health")));
        Assert.Contains(HttpStatusCode.TooManyRequests, remote);
        Assert.Contains(HttpStatusCode.OK, remote);
        var loopback = await Task.WhenAll(Enumerable.Range(0, total).Select(_ => StatusOf(http, $"http://127.0.0.1:{Ports.Http}/api/health")));
        Assert.All(loopback, s => Assert.Equal(HttpStatusCode.OK, s));
    }

    private static async Task<HttpResponseMessage> OpenStream(HttpClient http, string url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd("text/event-stream");
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private static async Task<HttpStatusCode> StatusOf(HttpClient http, string url)
    {
        using var response = await http.GetAsync(new Uri(url));
        return response.StatusCode;
    }

    /// <summary>This host's first non-loopback IPv4 address: Nginx sees the tests as an outside client there.</summary>
    internal static IPAddress NonLoopbackAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .First(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));

    private ServerTls Tls(X509Certificate2 root)
    {
        var rootFile = Path.Combine(stack.Layout.StateDirectory, "pebble", "test-root.pem");
        File.WriteAllText(rootFile, root.ExportCertificatePem());
        return new ServerTls(Domain, Ports.Https, AcmeRootFile: rootFile, Address: IPAddress.Loopback);
    }

    /// <summary>Pebble's current root, from its management interface (its API certificate checked against the stack's Pebble CA).</summary>
    private X509Certificate2 PebbleRoot()
    {
        var log = new RecordingLog(output);
        var pem = new LocalPebble(stack.Layout, new LocalProcess(log), log).FetchRoot();
        return X509Certificate2.CreateFromPem(pem);
    }

    /// <summary>The certificate Nginx serves for the domain now (a new connection, SNI set).</summary>
    private X509Certificate2 ServedCertificate()
    {
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, Ports.Https);
        // read whatever is served (its chain is checked elsewhere): the serial is all that is wanted here
        X509Certificate2? seen = null;
        using var ssl = new SslStream(client.GetStream(), false, (_, certificate, _, _) =>
        {
            seen = certificate is null ? null : new X509Certificate2(certificate);
            return seen is not null;
        });
        ssl.AuthenticateAsClient(Domain);
        return seen!;
    }

    /// <summary>A TLS handshake that accepts only a chain (as the server sends it) ending in <paramref name="root"/> and valid for the domain.</summary>
    private bool ServedChainEndsIn(X509Certificate2 root)
    {
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, Ports.Https);
        var valid = false;
        using var ssl = new SslStream(client.GetStream(), false, (_, certificate, chain, errors) =>
            valid = certificate is X509Certificate2 c && ServerTls.ChainsTo(c, chain, root, errors));
        try
        {
            ssl.AuthenticateAsClient(Domain);
        }
        catch (AuthenticationException)
        {
            return false;
        }

        return valid;
    }

    private async Task<BuildResult> Run(params string[] arguments)
    {
        var run = await BuildRun.RunAsync(LocalEnvironmentFixture.LongRun, arguments);
        output.WriteLine(run.ToString());
        return run;
    }

    private async Task<string> Ssh(string rootCommand)
    {
        var log = new RecordingLog(output);
        using var session = await SshSession.ConnectAsync(new LocalMachine(stack.Layout, new LocalProcess(log), log).SshTarget, log, new SecretMasker(), TimeSpan.FromSeconds(30));
        return (await session.RunAsync(RemoteCommand.Root(rootCommand, "test step") with { AllowFailure = true, Timeout = TimeSpan.FromMinutes(3) })).Text;
    }
}
