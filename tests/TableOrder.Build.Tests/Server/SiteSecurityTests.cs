using System.Net;
using System.Text.RegularExpressions;
using TableOrder.Build.Local;
using TableOrder.Build.Release;
using TableOrder.Build.Server;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Server;

/// <summary>HTTPS as flags and commands, the Nginx site's limits and headers, and UIs a strict CSP can serve.</summary>
[Trait("Category", "Unit")]
public sealed partial class SiteSecurityTests
{
    private static readonly string AppDeploy = Path.Combine(RepositoryRoot.Path, "app-deploy");

    private static readonly LocalPorts Ports = new(2222, 8080, 18000, 15432, 16379, 18001, 8443, 14000, 15000, 18053);

    [Theory]
    [InlineData("customer", "/")]
    [InlineData("admin", "/admin/")]
    [InlineData("superadmin", "/superadmin/")]
    public void The_reference_uis_have_no_inline_script_or_style_so_the_csp_holds(string ui, string prefix)
    {
        var folder = Path.Combine(AppDeploy, "reference-app", "ui", ui);
        var html = File.ReadAllText(Path.Combine(folder, "index.html"));
        Assert.DoesNotMatch(InlineScript(), html);
        Assert.DoesNotContain("<style", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(InlineAttribute(), html);

        // the files it loads instead are there, at absolute paths (an SPA fallback must not serve index.html for them)
        Assert.Contains($"<script src=\"{prefix}app.js\"></script>", html, StringComparison.Ordinal);
        Assert.Contains($"<link rel=\"stylesheet\" href=\"{prefix}app.css\">", html, StringComparison.Ordinal);
        Assert.True(new FileInfo(Path.Combine(folder, "app.js")).Length > 100);
        Assert.True(new FileInfo(Path.Combine(folder, "app.css")).Length > 100);
    }

    [Fact]
    public void The_site_limits_streams_and_requests_per_client_address_and_answers_429()
    {
        var site = File.ReadAllText(Path.Combine(AppDeploy, "server", "nginx-site.conf.in"));
        var app = File.ReadAllText(Path.Combine(AppDeploy, "server", "nginx-app.conf.in"));

        // keyed by the client's address, loopback (the server's own checks) not counted
        Assert.Contains("limit_req_zone  $tableorder_client zone=tableorder_api:10m rate=@API_RATE@r/s;", site, StringComparison.Ordinal);
        Assert.Contains("limit_conn_zone $tableorder_client zone=tableorder_streams:10m;", site, StringComparison.Ordinal);
        Assert.Matches(@"127\.0\.0\.0/8\s+0;", site);
        Assert.Matches(@"map \$tableorder_limited \$tableorder_client \{\s+0\s+"""";\s+default\s+\$binary_remote_addr;", site);

        Assert.Matches(@"location /api/events/ \{\s+limit_conn tableorder_streams @STREAMS_PER_CLIENT@;\s+limit_req zone=tableorder_api burst=@API_BURST@ nodelay;", app);
        Assert.Matches(@"location /api/ \{\s+limit_req zone=tableorder_api burst=@API_BURST@ nodelay;", app);
        Assert.Contains("limit_req_status 429;", app, StringComparison.Ordinal);
        Assert.Contains("limit_conn_status 429;", app, StringComparison.Ordinal);

        // the values come from the one server map
        var map = ServerMap.ShellFile();
        Assert.Contains($"readonly STREAMS_PER_CLIENT='{ServerMap.StreamsPerClient}'", map, StringComparison.Ordinal);
        Assert.Contains($"readonly API_RATE='{ServerMap.ApiRequestsPerSecond}'", map, StringComparison.Ordinal);
        Assert.Contains($"readonly API_BURST='{ServerMap.ApiBurst}'", map, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_answer_gets_the_security_headers_and_the_uis_a_csp_without_unsafe_inline()
    {
        var site = File.ReadAllText(Path.Combine(AppDeploy, "server", "nginx-site.conf.in"));
        var app = File.ReadAllText(Path.Combine(AppDeploy, "server", "nginx-app.conf.in"));
        foreach (var header in new[] { "add_header X-Content-Type-Options \"nosniff\" always;", "add_header X-Frame-Options \"DENY\" always;", "add_header Referrer-Policy \"strict-origin-when-cross-origin\" always;", "add_header Content-Security-Policy $tableorder_csp always;" })
        {
            Assert.Contains(header, app, StringComparison.Ordinal);
        }

        // no location adds a header of its own (that would drop the server's ones there); one of them is
        // maintenance's Retry-After, empty (not sent) outside maintenance
        Assert.Equal(7, Regex.Count(app, "add_header"));
        var csp = Regex.Match(site, "default  \"(?<csp>[^\"]+)\";").Groups["csp"].Value;
        Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe", csp, StringComparison.Ordinal);
        Assert.Matches(@"~\^/api/\s+"""";", site);

        // HTTPS: HSTS on HTTPS answers (see the load balancer test), plain HTTP answers the ACME challenge and redirects the rest
        Assert.Contains("add_header Strict-Transport-Security $tableorder_hsts always;", app, StringComparison.Ordinal);
        Assert.DoesNotContain("Strict-Transport-Security", site, StringComparison.Ordinal);
        Assert.Contains("@ACME@    location ^~ /.well-known/acme-challenge/ {", site, StringComparison.Ordinal);
        Assert.Contains("@TLS@        return 301 https://$host@HTTPS_REDIRECT_PORT@$request_uri;", site, StringComparison.Ordinal);
    }

    [Fact]
    public void Behind_a_load_balancer_the_client_and_the_scheme_come_from_its_headers_only_from_its_networks()
    {
        var site = Rendered(tls: false, "10.0.1.0/24,10.0.4.0/24");
        Assert.DoesNotContain("@", site.Replace("@tableorder", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);

        // realip: only the load balancer's networks are believed, walking X-Forwarded-For from the right
        Assert.Contains("set_real_ip_from 10.0.1.0/24;\nset_real_ip_from 10.0.4.0/24;\nreal_ip_header X-Forwarded-For;\nreal_ip_recursive on;\n", site, StringComparison.Ordinal);
        Assert.Equal(2, Regex.Count(site, "set_real_ip_from"));

        // X-Forwarded-Proto only from the load balancer itself (its address before realip), HSTS only for https
        Assert.Matches(@"geo \$realip_remote_addr \$tableorder_from_balancer \{\s+default\s+0;\s+10\.0\.1\.0/24\s+1;\s+10\.0\.4\.0/24\s+1;\s+\}", site);
        Assert.Matches(@"map ""\$tableorder_from_balancer:\$http_x_forwarded_proto"" \$tableorder_scheme \{\s+default\s+\$scheme;\s+1:https\s+https;\s+1:http\s+http;\s+\}", site);
        Assert.Matches(@"map \$tableorder_scheme \$tableorder_hsts \{\s+default\s+"""";\s+https\s+""max-age=31536000"";\s+\}", site);
        Assert.Contains("proxy_set_header X-Forwarded-Proto $tableorder_scheme;", site, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Forwarded-Proto $scheme", site, StringComparison.Ordinal);

        // no load balancer: nothing is believed from anyone, the geo blocks are their default only
        var alone = Rendered(tls: true, string.Empty);
        Assert.DoesNotContain("set_real_ip_from", alone, StringComparison.Ordinal);
        Assert.Matches(@"geo \$realip_remote_addr \$tableorder_from_balancer \{\s+default\s+0;\s+\}", alone);
        Assert.Matches(@"geo \$tableorder_balancer_itself \{\s+default\s+0;\s+\}", alone);
    }

    [Fact]
    public void The_health_check_has_its_own_limit_that_never_counts_the_load_balancers_own_checks()
    {
        var site = Rendered(tls: false, "10.0.1.0/24,10.0.4.0/24");

        // an exact location, before /api/, with a zone of its own: a busy API's limit never reaches it
        Assert.Matches(@"location = /api/health \{\s+limit_req zone=tableorder_health burst=\d+ nodelay;\s+proxy_pass http://tableorder_api;\s+\}", site);
        Assert.True(site.IndexOf("location = /api/health", StringComparison.Ordinal) < site.IndexOf("location /api/ {", StringComparison.Ordinal));
        Assert.Contains($"limit_req_zone  $tableorder_health_client zone=tableorder_health:10m rate={ServerMap.ApiRequestsPerSecond}r/s;", site, StringComparison.Ordinal);

        // the load balancer's own requests (its address after realip: no client behind them) are not
        // counted; everyone else keeps a key there (loopback is not counted anywhere)
        Assert.Matches(@"geo \$tableorder_balancer_itself \{\s+default\s+0;\s+10\.0\.1\.0/24\s+1;\s+10\.0\.4\.0/24\s+1;\s+\}", site);
        Assert.Matches(@"map \$tableorder_balancer_itself \$tableorder_health_client \{\s+1\s+"""";\s+default\s+\$tableorder_client;\s+\}", site);
    }

    [Fact]
    public void Https_reaches_bootstrap_as_flags_with_the_test_ca_files_uploaded_beside_it()
    {
        using var dir = new TempDirectory("tls");
        var ca = dir.WriteFile("ca.pem", "CA");
        var root = dir.WriteFile("root.pem", "ROOT");
        var tls = new ServerTls("tableorder.test", 8443, new Uri("https://127.0.0.1:14000/dir"), ca, root, IPAddress.Loopback);
        var flags = string.Join(' ', new ServerPolicy(false, PythonPackages.Distro, tls).BootstrapFlags());
        Assert.Equal(
            "--python-deps distro --cloudwatch off --domain tableorder.test --https-port 8443 --acme-server 'https://127.0.0.1:14000/dir' " +
            "--acme-ca \"$HOME/tableorder-deploy/acme-ca.pem\" --acme-root \"$HOME/tableorder-deploy/acme-root.pem\"",
            flags);
        Assert.Equal(["acme-ca.pem", "acme-root.pem"], tls.UploadFiles().Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new Uri("https://tableorder.test:8443/"), new ServerPolicy(false, PythonPackages.Distro, tls).SiteUrl("127.0.0.1", new ServerPorts(8080, 18000, 18001)));

        // production: Let's Encrypt on 443, nothing uploaded; no domain: HTTP only, no TLS flag at all
        var production = new ServerTls("order.example.com", 443);
        Assert.Equal("--domain order.example.com --https-port 443", string.Join(' ', production.BootstrapFlags()));
        Assert.Empty(production.UploadFiles());
        var plain = new ServerPolicy(true, PythonPackages.Lock);
        Assert.DoesNotContain("--domain", plain.BootstrapFlags());
        Assert.Equal("http-only", plain.SiteProtocol);
        Assert.Equal(new Uri("http://203.0.113.5/"), plain.SiteUrl("203.0.113.5", ServerPorts.Production));
    }

    [Fact]
    public void With_https_the_health_gate_checks_the_site_by_its_name_and_certificate_on_loopback()
    {
        Assert.Equal("http://127.0.0.1:8080/api/health", HealthGate.Target(8080, null));
        var local = new ServerTls("tableorder.test", 8443, AcmeRootFile: "/tmp/root.pem");
        Assert.Equal(
            $"--resolve tableorder.test:8443:127.0.0.1 --cacert {ServerMap.AcmeRootFile} https://tableorder.test:8443/api/health",
            HealthGate.Target(8080, local));
        Assert.Equal("--resolve order.example.com:443:127.0.0.1 https://order.example.com:443/api/health", HealthGate.Target(80, new ServerTls("order.example.com", 443)));
        Assert.Contains("https://tableorder.test:8443/api/health", HealthGate.Script(8080, "abc", TimeSpan.FromSeconds(3), local), StringComparison.Ordinal);
    }

    [Fact]
    public void Pebble_validates_on_the_stacks_http_port_and_its_dns_answers_only_ipv4_loopback()
    {
        var config = LocalPebble.Config(Ports, "/s/pebble.pem", "/s/pebble.key");
        Assert.Contains("\"listenAddress\": \"127.0.0.1:14000\"", config, StringComparison.Ordinal);
        Assert.Contains("\"managementListenAddress\": \"127.0.0.1:15000\"", config, StringComparison.Ordinal);
        Assert.Contains("\"httpPort\": 8080", config, StringComparison.Ordinal);
        var dns = LocalPebble.DnsArguments(Ports);
        Assert.Equal(["-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dns01", "127.0.0.1:18053", "-http01", "", "-https01", "", "-tlsalpn01", "", "-management", "127.0.0.1:0"], dns);
        Assert.Equal("1", LocalPebble.Environment["PEBBLE_VA_NOSLEEP"]);
    }

    [Fact]
    public void The_deploy_scripts_archive_carries_the_extra_files_beside_the_scripts()
    {
        using var archive = DeployScripts.Pack(AppDeploy, new Dictionary<string, byte[]> { ["acme-ca.pem"] = "CA"u8.ToArray() });
        using var gzip = new System.IO.Compression.GZipStream(archive, System.IO.Compression.CompressionMode.Decompress);
        using var tar = new System.Formats.Tar.TarReader(gzip);
        var names = new List<string>();
        while (tar.GetNextEntry() is { } entry)
        {
            names.Add(entry.Name);
        }

        Assert.Contains("acme-ca.pem", names);
        Assert.Contains("server/nginx-app.conf.in", names);
        Assert.Contains(ServerMap.ShellFileName, names);
    }

    /// <summary>The site as bootstrap.sh renders it (site-template.sh's site_render), with the server map's limits.</summary>
    private static string Rendered(bool tls, string cidrs)
    {
        var flag = tls ? "1" : "0";
        var values = string.Join(' ', new[]
        {
            "HTTP_PORT=80", "HTTPS_PORT=443", "HTTPS_REDIRECT_PORT=", "DOMAIN=order.example.com", "CERT_DIR=/etc/letsencrypt/live/order.example.com",
            "ACME_WEBROOT=/var/lib/tableorder-acme", "LIVE_CONF=/etc/nginx/tableorder/live.conf", "MAINTENANCE_CONF=/etc/nginx/tableorder/maintenance.conf", "NGINX_LOG_DIR=/var/log/nginx",
            $"API_RATE={ServerMap.ApiRequestsPerSecond}", $"API_BURST={ServerMap.ApiBurst}", $"STREAMS_PER_CLIENT={ServerMap.StreamsPerClient}",
        });
        var script = $". '{Path.Combine(AppDeploy, "server", "site-template.sh")}' && site_render {flag} {flag} '{Path.Combine(AppDeploy, "server")}' '{cidrs}' {values}";
        using var bash = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("bash", ["-c", script]) { RedirectStandardOutput = true })!;
        var text = bash.StandardOutput.ReadToEnd();
        bash.WaitForExit();
        Assert.Equal(0, bash.ExitCode);
        return text;
    }

    [GeneratedRegex(@"<script(?![^>]*\bsrc=)[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();

    [GeneratedRegex(@"<[^>]+\s(style|on[a-z]+)\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex InlineAttribute();
}
