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
    private const string Token = "staff-token-123456";
    private const string Cookie = "tableorder_staff=v1.1800000000.abc";

    private readonly WireMockServer _site = WireMockServer.Start();

    // as the Smoke task makes it: no cookie jar, so each request carries only what its page would;
    // WireMock's first answer in a process can take seconds on a loaded host
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseCookies = false }) { Timeout = TimeSpan.FromSeconds(30) };

    private SmokeChecks Checks => new(_http, new Uri(_site.Url! + "/"), new RecordingLog()) { StaffToken = Token, SseTimeout = TimeSpan.FromSeconds(1) };

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

    [Fact]
    public async Task A_customer_order_passes_when_it_reaches_the_staff_stream_and_is_removed()
    {
        Store();
        StaffStream(CreatedEvent(42));
        Order(201, """{"order":{"id":42,"order_number":"20261207-0001","status":"pending"}}""");
        Removal(200);

        await Checks.CustomerOrderAsync();

        // ordered as the customer page orders: no token, no cookie, the page's body
        var order = Single("POST", "/api/stores/1/orders");
        Assert.False(order.Headers?.ContainsKey("Authorization"));
        Assert.False(order.Headers?.ContainsKey("Cookie"));
        Assert.Equal(SmokeChecks.OrderBody(3, 7), order.Body);
        // read on the staff stream with the Admin page's session cookie, signed in with the token
        Assert.Equal("Bearer " + Token, Single("POST", "/api/staff/session").Headers!["Authorization"].Single());
        Assert.Contains(_site.LogEntries, e => e.RequestMessage.Path == "/api/events/staff/stores/1" && e.RequestMessage.Headers!.TryGetValue("Cookie", out var c) && c.Contains(Cookie));
        // and removed with the staff token
        Assert.Equal("Bearer " + Token, Single("DELETE", "/api/orders/42").Headers!["Authorization"].Single());
    }

    [Theory]
    [InlineData(401, "staff only")]
    [InlineData(500, "Internal Server Error")]
    public async Task A_failing_order_call_names_the_check_the_url_and_what_came_back(int status, string detail)
    {
        Store();
        StaffStream(CreatedEvent(42));
        Order(status, $$"""{"detail":"{{detail}}"}""");

        var failed = await Assert.ThrowsAsync<SmokeCheckException>(() => Checks.CustomerOrderAsync());
        Assert.Equal(SmokeChecks.CustomerOrderCheck, failed.Check);
        Assert.Contains(_site.Url + "/api/stores/1/orders", failed.Message, StringComparison.Ordinal);
        Assert.Contains($"HTTP {status}", failed.Message, StringComparison.Ordinal);
        Assert.Contains(detail, failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_order_that_never_reaches_the_staff_stream_fails_and_is_still_removed()
    {
        Store();
        StaffStream(CreatedEvent(41));
        Order(201, """{"order":{"id":42,"order_number":"20261207-0002","status":"pending"}}""");
        Removal(200);

        var failed = await Assert.ThrowsAsync<SmokeCheckException>(() => Checks.CustomerOrderAsync());
        Assert.Equal(SmokeChecks.CustomerOrderCheck, failed.Check);
        Assert.Contains("20261207-0002", failed.Message, StringComparison.Ordinal);
        Assert.Contains("did not arrive on the staff stream", failed.Message, StringComparison.Ordinal);
        Assert.Single(Requests("DELETE", "/api/orders/42"));
    }

    [Fact]
    public async Task A_staff_stream_anyone_may_read_fails()
    {
        Store();
        _site.Given(Request.Create().WithPath("/api/events/staff/stores/1").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "text/event-stream").WithBody("event: ready\ndata: {}\n\n"));

        var failed = await Assert.ThrowsAsync<SmokeCheckException>(() => Checks.CustomerOrderAsync());
        Assert.Equal(SmokeChecks.StaffStreamStaffOnlyCheck, failed.Check);
        Assert.Contains("HTTP 200 without the staff session", failed.Message, StringComparison.Ordinal);
        Assert.Empty(Requests("POST", "/api/stores/1/orders"));
    }

    [Fact]
    public async Task A_refused_staff_token_says_what_to_run()
    {
        Store();
        StaffStream(CreatedEvent(42));
        _site.Given(Request.Create().WithPath("/api/staff/session").UsingPost()).AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(401));

        var failed = await Assert.ThrowsAsync<SmokeCheckException>(() => Checks.CustomerOrderAsync());
        Assert.Equal(SmokeChecks.StaffSessionCheck, failed.Check);
        Assert.Contains("run Bootstrap", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publishing_without_the_staff_token_must_be_refused()
    {
        _site.Given(Request.Create().WithPath("/api/events/*").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(401));
        await Checks.PublishingIsStaffOnlyAsync();
        Assert.False(_site.LogEntries.Single().RequestMessage.Headers?.ContainsKey("Authorization"));

        _site.Reset();
        _site.Given(Request.Create().WithPath("/api/events/*").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBody("""{"receivers":0}"""));
        var open = await Assert.ThrowsAsync<SmokeCheckException>(() => Checks.PublishingIsStaffOnlyAsync());
        Assert.Equal(SmokeChecks.PublishingStaffOnlyCheck, open.Check);
        Assert.Contains("HTTP 200 without the staff token, expected 401", open.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_the_created_event_of_the_placed_order_counts()
    {
        Assert.True(SmokeChecks.IsCreatedEvent("""data: {"type":"order.created","order":{"id":42}}""", 42));
        Assert.False(SmokeChecks.IsCreatedEvent("""data: {"type":"order.created","order":{"id":420}}""", 42));
        Assert.False(SmokeChecks.IsCreatedEvent("""data: {"type":"order.status","order":{"id":42}}""", 42));
        Assert.False(SmokeChecks.IsCreatedEvent("""data: {"type":"order.created","order":{"id":"42"}}""", 42));
        Assert.False(SmokeChecks.IsCreatedEvent("""event: message""", 42));
        Assert.False(SmokeChecks.IsCreatedEvent("""data: not json""", 42));
    }

    [Fact]
    public void The_staff_cookie_is_read_from_set_cookie()
    {
        Assert.Equal(Cookie, SmokeChecks.StaffCookieFrom(["other=1; Path=/", Cookie + "; HttpOnly; Max-Age=43200; Path=/api/; SameSite=strict"]));
        Assert.Null(SmokeChecks.StaffCookieFrom(["tableorder_staff=; Max-Age=0"]));
        Assert.Null(SmokeChecks.StaffCookieFrom([]));
    }

    public void Dispose()
    {
        _http.Dispose();
        _site.Dispose();
    }

    private static string CreatedEvent(long id) =>
        $$$"""
        : subscribed
        retry: 3000

        event: ready
        data: {"channel": "tableorder-staff:store-1:orders"}

        event: message
        data: {"type":"order.created","order":{"id":{{{id}}},"table_number":3}}


        """;

    /// <summary>The first store (active), its first table inactive and the second active, a sold-out dish before an available one.</summary>
    private void Store()
    {
        Json("/api/stores", """[{"id":1,"is_active":true}]""");
        Json("/api/stores/1/tables", """[{"id":1,"table_number":1,"is_active":false},{"id":2,"table_number":3,"is_active":true}]""");
        Json("/api/stores/1/menus", """{"store_id":1,"categories":[{"id":1,"menus":[{"id":5,"is_available":false},{"id":7,"is_available":true}]}]}""");
        _site.Given(Request.Create().WithPath("/api/staff/session").UsingPost().WithHeader("Authorization", "Bearer " + Token)).AtPriority(2)
            .RespondWith(Response.Create().WithStatusCode(204).WithHeader("Set-Cookie", Cookie + "; HttpOnly; Max-Age=43200; Path=/api/; SameSite=strict"));
    }

    /// <summary>The staff stream: 401 without the session cookie, <paramref name="body"/> with it.</summary>
    private void StaffStream(string body)
    {
        _site.Given(Request.Create().WithPath("/api/events/staff/stores/1").UsingGet()).AtPriority(5)
            .RespondWith(Response.Create().WithStatusCode(401).WithBody("""{"detail":"staff only"}"""));
        _site.Given(Request.Create().WithPath("/api/events/staff/stores/1").UsingGet().WithHeader("Cookie", Cookie)).AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "text/event-stream").WithBody(body));
    }

    private void Order(int status, string body) =>
        _site.Given(Request.Create().WithPath("/api/stores/1/orders").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json").WithBody(body));

    private void Removal(int status) =>
        _site.Given(Request.Create().WithPath("/api/orders/*").UsingDelete())
            .RespondWith(Response.Create().WithStatusCode(status).WithBody("""{"deleted":{}}"""));

    private void Json(string path, string body) =>
        _site.Given(Request.Create().WithPath(path).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(body));

    private List<WireMock.Logging.ILogEntry> Requests(string method, string path) =>
        [.. _site.LogEntries.Where(e => e.RequestMessage.Method == method && e.RequestMessage.Path == path)];

    private WireMock.RequestMessage Single(string method, string path) => (WireMock.RequestMessage)Requests(method, path).Single().RequestMessage;

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
