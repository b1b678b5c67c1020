using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using TableOrder.Build.IntegrationTests.Local;
using TableOrder.Build.IntegrationTests.Support;
using TableOrder.Build.Local;
using TableOrder.Build.Smoke;
using Xunit;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace TableOrder.Build.IntegrationTests.Release;

/// <summary>
/// The service's main journey on a deployed stack: a table orders on the real customer page and the
/// staff see it live on the real Admin page and accept it, in headless Chromium; and a release whose
/// customer order call is broken fails Smoke and goes back to the release before it.
/// </summary>
[Trait("Category", "Integration")]
[Collection(LocalEnvironmentGroup.Name)]
public sealed class OrderJourneyTests(LocalEnvironmentFixture stack, ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _apps = new("journey-apps");
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseCookies = false }) { Timeout = TimeSpan.FromSeconds(10) };

    private static string ReferenceRelease => ReferenceApp.Release;

    private string Site => $"http://127.0.0.1:{stack.Layout.Ports.Http}";

    [Fact]
    public async Task In_a_browser_a_customers_order_reaches_the_admin_live_and_is_accepted()
    {
        Assert.Equal(0, (await Deploy()).ExitCode);
        var token = LocalSecrets.LoadOrCreate(stack.Layout.SecretsFile).StaffToken!;
        await using var chromium = await HeadlessChromium.LaunchAsync(output);
        try
        {
            await OrderAndAcceptAsync(chromium, token);
        }
        catch
        {
            await chromium.SaveScreenshotsAsync(nameof(In_a_browser_a_customers_order_reaches_the_admin_live_and_is_accepted), output);
            throw;
        }
    }

    private async Task OrderAndAcceptAsync(HeadlessChromium chromium, string token)
    {
        // the staff sign in as the Admin page asks them to: the token, typed into its prompt
        var admin = await chromium.NewPageAsync("admin", output);
        admin.Dialog += async (_, dialog) => await dialog.AcceptAsync(token);
        await admin.GotoAsync(Site + "/admin/");
        await admin.ClickAsync("#staff-sign-in");
        await Expect(admin.Locator("#sse-status")).ToHaveTextAsync("live");

        // a refused order shows as a failure with the server's answer, never as sent
        var stranger = await chromium.NewPageAsync("customer at no table", output);
        await stranger.GotoAsync(Site + "/?table=99");
        await stranger.Locator("button[data-menu='Bibimbap']").ClickAsync();
        await Expect(stranger.Locator("#events li").First).ToContainTextAsync("order failed: Bibimbap: HTTP 422: table_number 99 is not an active table of this store");
        await Expect(stranger.Locator("#orders li[data-order-id]")).ToHaveCountAsync(0);

        // a table orders a dish on the customer page (no token, a browser profile of its own)
        var customer = await chromium.NewPageAsync("customer", output);
        await customer.GotoAsync(Site + "/?table=4");
        await customer.Locator("button[data-menu='Bibimbap']").ClickAsync();
        var mine = customer.Locator("#orders li[data-order-id]");
        await Expect(mine).ToHaveCountAsync(1);
        await Expect(mine.Locator(".order-status")).ToHaveTextAsync("pending");
        await Expect(customer.Locator("#sse-status")).ToHaveTextAsync("live");
        var orderId = long.Parse((await mine.GetAttributeAsync("data-order-id"))!, System.Globalization.CultureInfo.InvariantCulture);
        var number = (await mine.InnerTextAsync()).Split(' ')[0];

        try
        {
            // the Admin page hears of it on its live feed (that line is written only by the stream's event)...
            await Expect(admin.Locator("#feed")).ToContainTextAsync($"new order {number} table 4: Bibimbap x1");
            var row = admin.Locator($"#orders tr[data-order-id='{orderId}']");
            await Expect(row).ToContainTextAsync("Bibimbap x1");

            // ...and moves it on; the table sees the change on its own stream
            await row.Locator("button[data-next='accepted']").ClickAsync();
            await Expect(row.Locator(".order-status")).ToHaveTextAsync("accepted");
            await Expect(mine.Locator(".order-status")).ToHaveTextAsync("accepted");

            // stored so: the staff's list of open orders, from the database
            var stored = (await OpenOrders(token)).Single(o => o.GetProperty("id").GetInt64() == orderId);
            Assert.Equal("accepted", stored.GetProperty("status").GetString());
            Assert.Equal(4, stored.GetProperty("table_number").GetInt32());
        }
        finally
        {
            using var removal = Staff(HttpMethod.Delete, $"/api/orders/{orderId}", token);
            using var removed = await _http.SendAsync(removal);
            output.WriteLine($"removed the test's order: HTTP {(int)removed.StatusCode}");
        }
    }

    [Theory]
    [InlineData(500)]
    [InlineData(401)]
    public async Task A_release_whose_customer_order_call_is_broken_fails_smoke_and_goes_back(int status)
    {
        Assert.Equal(0, (await Deploy()).ExitCode);
        var broken = ReferenceApp.CopyTo(_apps.Path, $"orders-answer-{status}");
        // the rest of the app is whole (health, pages, events): only a customer's order is refused
        await File.AppendAllTextAsync(Path.Combine(broken, "app", "main.py"), $$"""


            @app.middleware("http")
            async def _broken_customer_orders(request, call_next):
                if request.method == "POST" and request.url.path.endswith("/orders"):
                    return JSONResponse({"detail": "deliberately broken order call"}, status_code={{status}}, headers={"WWW-Authenticate": "Bearer"})
                return await call_next(request)
            """);

        var deploy = await Deploy($"--app-dir={broken}");
        Assert.Equal(1, deploy.ExitCode);
        Assert.Equal("failed", deploy.Run.Status("Smoke"));
        Assert.Equal(SmokeChecks.CustomerOrderCheck, deploy.Run.Text("Smoke", "failedCheck"));
        Assert.Equal(ReferenceRelease, deploy.Run.Text("Smoke", "rolledBackTo"));
        Assert.Contains($"HTTP {status}", deploy.Run.Error, StringComparison.Ordinal);
        Assert.Contains("deliberately broken order call", deploy.Run.Error, StringComparison.Ordinal);
        Assert.Equal(ReferenceRelease, await ReferenceApp.ServingReleaseAsync(_http, stack.Layout.Ports.Http));
    }

    public void Dispose()
    {
        _http.Dispose();
        _apps.Dispose();
    }

    private async Task<List<JsonElement>> OpenOrders(string token)
    {
        var stores = await _http.GetFromJsonAsync<JsonElement>(new Uri(Site + "/api/stores"));
        var storeId = stores.EnumerateArray().First().GetProperty("id").GetInt32();
        using var request = Staff(HttpMethod.Get, $"/api/stores/{storeId}/orders", token);
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("orders").EnumerateArray()];
    }

    private HttpRequestMessage Staff(HttpMethod method, string path, string token)
    {
        var request = new HttpRequestMessage(method, new Uri(Site + path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    private async Task<BuildResult> Deploy(params string[] arguments)
    {
        var run = await BuildRun.RunAsync(LocalEnvironmentFixture.LongRun, ["--target=Deploy", .. arguments]);
        output.WriteLine(run.ToString());
        return run;
    }
}
