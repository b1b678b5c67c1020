using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Cake.Core.Diagnostics;

namespace TableOrder.Build.Smoke;

/// <summary>
/// The service's main journey, as its users make it: a table orders as the customer page does (no
/// token, no cookie), and the order arrives on the store's staff stream through Nginx, read with the
/// staff session cookie the Admin page uses. The smoke order is then removed with the staff token
/// (DELETE /api/orders/{id}): it shows in the Admin feed for a moment and goes.
/// </summary>
public sealed partial class SmokeChecks
{
    public const string PublishingStaffOnlyCheck = "publishing is staff only";
    public const string StaffStreamStaffOnlyCheck = "staff stream is staff only";
    public const string CustomerOrderCheck = "customer order";
    public const string StaffSessionCheck = "staff session";
    public const string OrderCleanUpCheck = "order clean-up";

    /// <summary>The cookie the app sets for a staff session (POST /api/staff/session with the bearer token).</summary>
    public const string StaffCookie = "tableorder_staff";

    /// <summary>What the smoke order says to whoever sees it in the Admin feed.</summary>
    public const string SmokeOrderNote = "smoke check: removed at once";

    /// <summary>A raw publish without the staff token is refused (401): customers cannot send events.</summary>
    public async Task PublishingIsStaffOnlyAsync(CancellationToken cancellationToken = default)
    {
        var url = new Uri(baseUrl, "/api/events/smoke-" + Guid.NewGuid().ToString("N")[..12]);
        using var request = PublishRequest(url, """{"type":"smoke"}""", staffToken: null);
        var (status, body) = await SendAsync(PublishingStaffOnlyCheck, request, cancellationToken);
        if (status != HttpStatusCode.Unauthorized)
        {
            throw new SmokeCheckException(PublishingStaffOnlyCheck, url, $"HTTP {(int)status} without the staff token, expected 401: {Excerpt(body)}");
        }
    }

    /// <summary>
    /// Orders the first available dish at the first active table of the first active store (as the
    /// customer page, which orders for its table at the first store), sees it on the staff stream, removes it.
    /// </summary>
    public async Task CustomerOrderAsync(CancellationToken cancellationToken = default)
    {
        var choice = await CustomerChoiceAsync(cancellationToken);
        var streamUrl = new Uri(baseUrl, $"/api/events/staff/stores/{choice.StoreId}");
        await StaffStreamRefusesStrangersAsync(streamUrl, cancellationToken);

        var cookie = await StaffSessionAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(SseTimeout + TimeSpan.FromSeconds(5));
        using var stream = await OpenStreamAsync(StaffStreamStaffOnlyCheck, streamUrl, cookie, timeout.Token);

        var orderUrl = new Uri(baseUrl, $"/api/stores/{choice.StoreId}/orders");
        var placed = await PlaceOrderAsync(orderUrl, choice, cancellationToken);
        try
        {
            await stream.ReadUntilAsync(line => IsCreatedEvent(line, placed.Id), timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await RemoveOrderQuietlyAsync(placed.Id);
            throw new SmokeCheckException(CustomerOrderCheck, streamUrl, $"order {placed.Number} (id {placed.Id}) was stored but did not arrive on the staff stream within {SseTimeout.TotalSeconds:0}s. Stream so far: {Excerpt(stream.Seen)}");
        }
        catch
        {
            await RemoveOrderQuietlyAsync(placed.Id);
            throw;
        }

        await RemoveOrderAsync(placed.Id, cancellationToken);
        log.Information("smoke: order {0} from table {1} reached the staff stream and was removed", placed.Number, choice.TableNumber);
    }

    /// <summary>The customer's order body, as ui/customer/app.js sends it (plus the smoke note).</summary>
    public static string OrderBody(int tableNumber, int menuId) =>
        JsonSerializer.Serialize(new { table_number = tableNumber, items = new[] { new { menu_id = menuId, quantity = 1 } }, note = SmokeOrderNote });

    /// <summary>True for the <c>data:</c> line of the <c>order.created</c> event of order <paramref name="orderId"/>.</summary>
    public static bool IsCreatedEvent(string line, long orderId)
    {
        if (!line.StartsWith("data:", StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(line["data:".Length..]);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("type", out var type) && type.ValueEquals("order.created")
                && root.TryGetProperty("order", out var order) && order.ValueKind == JsonValueKind.Object
                && order.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out var value) && value == orderId;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The staff session cookie's <c>name=value</c> from the Set-Cookie headers, or null.</summary>
    public static string? StaffCookieFrom(IEnumerable<string> setCookieHeaders) =>
        setCookieHeaders
            .Select(header => header.Split(';', 2)[0].Trim())
            .FirstOrDefault(pair => pair.StartsWith(StaffCookie + "=", StringComparison.Ordinal) && pair.Length > StaffCookie.Length + 1);

    private sealed record CustomerChoice(int StoreId, int TableNumber, int MenuId);

    private sealed record PlacedOrder(long Id, string Number);

    private async Task<CustomerChoice> CustomerChoiceAsync(CancellationToken cancellationToken)
    {
        var storesUrl = new Uri(baseUrl, "/api/stores");
        var store = (await GetJsonAsync(storesUrl, cancellationToken)).EnumerateArray().FirstOrDefault(s => s.GetProperty("is_active").GetBoolean());
        if (store.ValueKind != JsonValueKind.Object)
        {
            throw new SmokeCheckException(CustomerOrderCheck, storesUrl, "no active store to order from (were the migrations run?)");
        }

        var storeId = store.GetProperty("id").GetInt32();
        var tablesUrl = new Uri(baseUrl, $"/api/stores/{storeId}/tables");
        var table = (await GetJsonAsync(tablesUrl, cancellationToken)).EnumerateArray().FirstOrDefault(t => t.GetProperty("is_active").GetBoolean());
        if (table.ValueKind != JsonValueKind.Object)
        {
            throw new SmokeCheckException(CustomerOrderCheck, tablesUrl, "the store has no active table");
        }

        var menusUrl = new Uri(baseUrl, $"/api/stores/{storeId}/menus");
        var dish = (await GetJsonAsync(menusUrl, cancellationToken)).GetProperty("categories").EnumerateArray()
            .SelectMany(c => c.GetProperty("menus").EnumerateArray())
            .FirstOrDefault(m => m.GetProperty("is_available").GetBoolean());
        if (dish.ValueKind != JsonValueKind.Object)
        {
            throw new SmokeCheckException(CustomerOrderCheck, menusUrl, "the store has no available dish");
        }

        return new CustomerChoice(storeId, table.GetProperty("table_number").GetInt32(), dish.GetProperty("id").GetInt32());
    }

    /// <summary>Without the staff session or token the store's orders stream answers 401: no customer reads it.</summary>
    private async Task StaffStreamRefusesStrangersAsync(Uri streamUrl, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, streamUrl);
        request.Headers.Accept.ParseAdd("text/event-stream");
        var (status, body) = await SendAsync(StaffStreamStaffOnlyCheck, request, cancellationToken, HttpCompletionOption.ResponseHeadersRead);
        if (status != HttpStatusCode.Unauthorized)
        {
            throw new SmokeCheckException(StaffStreamStaffOnlyCheck, streamUrl, $"HTTP {(int)status} without the staff session, expected 401: a customer could read every table's orders. {Excerpt(body)}");
        }
    }

    /// <summary>The Admin page's sign-in: the bearer token traded for the staff session cookie.</summary>
    private async Task<string> StaffSessionAsync(CancellationToken cancellationToken)
    {
        var url = new Uri(baseUrl, "/api/staff/session");
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        if (!string.IsNullOrEmpty(StaffToken))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", StaffToken);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            throw new SmokeCheckException(StaffSessionCheck, url, ex.Message);
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                throw new SmokeCheckException(StaffSessionCheck, url, "HTTP 401: " + StaffTokenRefused);
            }

            var cookie = response.Headers.TryGetValues("Set-Cookie", out var headers) ? StaffCookieFrom(headers) : null;
            if (!response.IsSuccessStatusCode || cookie is null)
            {
                throw new SmokeCheckException(StaffSessionCheck, url, $"HTTP {(int)response.StatusCode} without a {StaffCookie} cookie: {Excerpt(await response.Content.ReadAsStringAsync(cancellationToken))}");
            }

            return cookie;
        }
    }

    private async Task<PlacedOrder> PlaceOrderAsync(Uri url, CustomerChoice choice, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(OrderBody(choice.TableNumber, choice.MenuId), Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        var (status, body) = await SendAsync(CustomerOrderCheck, request, cancellationToken);
        if (status != HttpStatusCode.Created)
        {
            throw new SmokeCheckException(CustomerOrderCheck, url, $"HTTP {(int)status} for table {choice.TableNumber}'s order of dish {choice.MenuId} (no token, as the customer page): {Excerpt(body)}");
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var order = document.RootElement.GetProperty("order");
            return new PlacedOrder(order.GetProperty("id").GetInt64(), order.GetProperty("order_number").GetString() ?? "?");
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new SmokeCheckException(CustomerOrderCheck, url, $"HTTP 201 without an order id and number: {Excerpt(body)}");
        }
    }

    private async Task RemoveOrderAsync(long orderId, CancellationToken cancellationToken)
    {
        var url = new Uri(baseUrl, $"/api/orders/{orderId}");
        using var request = new HttpRequestMessage(HttpMethod.Delete, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", StaffToken ?? string.Empty);
        var (status, body) = await SendAsync(OrderCleanUpCheck, request, cancellationToken);
        if (status != HttpStatusCode.OK)
        {
            throw new SmokeCheckException(OrderCleanUpCheck, url, $"HTTP {(int)status}: the smoke order {orderId} is still there: {Excerpt(body)}");
        }
    }

    /// <summary>After a failure: try to remove the smoke order, and let the first failure be the one reported.</summary>
    private async Task RemoveOrderQuietlyAsync(long orderId)
    {
        try
        {
            using var cleanUp = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await RemoveOrderAsync(orderId, cleanUp.Token);
        }
        catch (Exception ex) when (ex is SmokeCheckException or OperationCanceledException)
        {
            log.Warning("smoke: could not remove the smoke order {0}: {1}", orderId, ex.Message);
        }
    }

    private async Task<JsonElement> GetJsonAsync(Uri url, CancellationToken cancellationToken)
    {
        var (status, body) = await GetAsync(url, cancellationToken);
        try
        {
            if (status == HttpStatusCode.OK)
            {
                using var document = JsonDocument.Parse(body);
                return document.RootElement.Clone();
            }
        }
        catch (JsonException)
        {
        }

        throw new SmokeCheckException(CustomerOrderCheck, url, $"HTTP {(int)status} {Excerpt(body)}");
    }

    private async Task<(HttpStatusCode Status, string Body)> SendAsync(string check, HttpRequestMessage request, CancellationToken cancellationToken, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        try
        {
            using var response = await http.SendAsync(request, completion, cancellationToken);
            // a stream that was (wrongly) opened is not read to its end
            var body = response.Content.Headers.ContentType?.MediaType == "text/event-stream" ? "(an event stream)" : await response.Content.ReadAsStringAsync(cancellationToken);
            return (response.StatusCode, body);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            throw new SmokeCheckException(check, request.RequestUri!, ex.Message);
        }
    }
}
