using Cake.Core.Diagnostics;
using TableOrder.Build.Smoke;
using TableOrder.Build.Tests.Aws;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using Xunit;

namespace TableOrder.Build.Tests.Smoke;

/// <summary>The smoke checks against an HTTP stand-in of the service: each failure names its check.</summary>
[Trait("Category", "Unit")]
public sealed class SmokeChecksTests : IDisposable
{
    private readonly WireMockServer _site = WireMockServer.Start();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private SmokeChecks Checks => new(_http, new Uri(_site.Url! + "/"), new RecordingLog());

    [Fact]
    public async Task A_page_passes_only_with_its_own_ui_marker()
    {
        Page("/admin/", "admin");
        Page("/superadmin/", "customer");

        await Checks.PageAsync("/admin/", "admin");
        var wrong = await Assert.ThrowsAsync<SmokeCheckException>(() => Checks.PageAsync("/superadmin/", "superadmin"));
        Assert.Equal("superadmin UI", wrong.Check);
        Assert.Contains("another UI's page", wrong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_needs_database_and_redis_ok_and_the_expected_release()
    {
        Health("""{"status":"ok","database":"ok","redis":"ok","release":"abc"}""");
        await Checks.HealthAsync("abc");
        var other = await Assert.ThrowsAsync<SmokeCheckException>(() => Checks.HealthAsync("def"));
        Assert.Contains("release abc is serving, expected def", other.Message, StringComparison.Ordinal);

        Health("""{"status":"degraded","database":"ok","redis":"error"}""", 503);
        var degraded = await Assert.ThrowsAsync<SmokeCheckException>(() => Checks.HealthAsync(null));
        Assert.Equal("health", degraded.Check);
        Assert.Contains("HTTP 503", degraded.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_publish_carries_the_staff_token_as_a_bearer_token()
    {
        var url = new Uri("http://127.0.0.1/api/events/smoke-1");
        using var withToken = SmokeChecks.PublishRequest(url, "{}", "tok-123456");
        using var without = SmokeChecks.PublishRequest(url, "{}", null);

        Assert.Equal(HttpMethod.Post, withToken.Method);
        Assert.Equal("Bearer", withToken.Headers.Authorization?.Scheme);
        Assert.Equal("tok-123456", withToken.Headers.Authorization?.Parameter);
        Assert.Null(without.Headers.Authorization);
    }

    [Fact]
    public async Task An_unreachable_service_is_a_named_failure()
    {
        _site.Stop();
        var error = await Assert.ThrowsAsync<SmokeCheckException>(() => Checks.PageAsync("/", "customer"));
        Assert.Equal("/", error.Check);
    }

    public void Dispose()
    {
        _http.Dispose();
        _site.Dispose();
    }

    private void Page(string path, string marker) =>
        _site.Given(Request.Create().WithPath(path).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithBody($"<meta name=\"tableorder-ui\" content=\"{marker}\">"));

    private void Health(string body, int status = 200)
    {
        _site.Reset();
        _site.Given(Request.Create().WithPath("/api/health").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json").WithBody(body));
    }
}
