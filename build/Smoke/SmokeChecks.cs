using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Cake.Core.Diagnostics;

namespace TableOrder.Build.Smoke;

/// <summary>A smoke check failed: which, at what URL, and what came back.</summary>
public sealed class SmokeCheckException(string check, Uri url, string got)
    : Exception($"Smoke check '{check}' failed at {url}: {got}")
{
    public string Check { get; } = check;
}

/// <summary>
/// Proves the live service from the outside, through Nginx: each UI answers with its own page,
/// /api/health reports the database and Redis ok for the expected release, an SSE round trip
/// (subscribe, publish, receive) crosses Redis pub/sub and Nginx's unbuffered proxy, and a customer's
/// order reaches the staff stream (SmokeChecks.Orders.cs). The client must keep no cookies
/// (<c>UseCookies = false</c>): each request carries exactly what the page it plays would send.
/// </summary>
public sealed partial class SmokeChecks(HttpClient http, Uri baseUrl, ICakeLog log)
{
    public static readonly IReadOnlyList<(string Path, string Marker)> Pages =
    [
        ("/", "customer"),
        ("/admin/", "admin"),
        ("/superadmin/", "superadmin"),
    ];

    public TimeSpan SseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The app's staff token (from the environment, masked): publishing an event needs it.</summary>
    public string? StaffToken { get; init; }

    /// <summary>With HTTPS: the plain HTTP address of the site, which must redirect to <c>baseUrl</c>.</summary>
    public Uri? HttpRedirectFrom { get; init; }

    /// <summary>Every check in order; the first failure throws. Returns the names of the checks that passed.</summary>
    public async Task<IReadOnlyList<string>> RunAllAsync(string? expectedRelease, CancellationToken cancellationToken = default)
    {
        var passed = new List<string>();
        foreach (var (path, marker) in Pages)
        {
            await PageAsync(path, marker, cancellationToken);
            passed.Add(marker + " UI");
        }

        await HealthAsync(expectedRelease, cancellationToken);
        passed.Add("health");
        await ServerSentEventsAsync(cancellationToken);
        passed.Add("SSE round trip");
        await PublishingIsStaffOnlyAsync(cancellationToken);
        passed.Add(PublishingStaffOnlyCheck);
        await CustomerOrderAsync(cancellationToken);
        passed.Add(StaffStreamStaffOnlyCheck);
        passed.Add(CustomerOrderCheck);
        if (HttpRedirectFrom is { } plain)
        {
            await RedirectAsync(plain, cancellationToken);
            passed.Add("HTTP redirects to HTTPS");
        }

        return passed;
    }

    public async Task PageAsync(string path, string marker, CancellationToken cancellationToken = default)
    {
        var url = new Uri(baseUrl, path);
        var (status, body) = await GetAsync(url, cancellationToken);
        var expected = $"name=\"tableorder-ui\" content=\"{marker}\"";
        if (status != HttpStatusCode.OK || !body.Contains(expected, StringComparison.Ordinal))
        {
            throw new SmokeCheckException($"{marker} UI", url, $"HTTP {(int)status}, {(body.Contains("tableorder-ui", StringComparison.Ordinal) ? "another UI's page" : "not a Table Order page")}: {Excerpt(body)}");
        }

        log.Information("smoke: {0} UI answers 200 at {1}", marker, url);
    }

    /// <summary>Plain HTTP answers a permanent redirect to the same path on the HTTPS site.</summary>
    public async Task RedirectAsync(Uri plain, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plain);
        var url = new Uri(plain, "/admin/?from=smoke");
        var expected = new Uri(baseUrl, "/admin/?from=smoke");
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync(url, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            throw new SmokeCheckException("HTTP redirect", url, ex.Message);
        }

        using (response)
        {
            if (response.StatusCode != HttpStatusCode.MovedPermanently || response.Headers.Location != expected)
            {
                throw new SmokeCheckException("HTTP redirect", url, $"HTTP {(int)response.StatusCode} to '{response.Headers.Location}', expected 301 to {expected}");
            }
        }

        log.Information("smoke: {0} redirects to {1}", url, expected);
    }

    public async Task HealthAsync(string? expectedRelease, CancellationToken cancellationToken = default)
    {
        var url = new Uri(baseUrl, "/api/health");
        var (status, body) = await GetAsync(url, cancellationToken);
        string? Field(string name)
        {
            try
            {
                using var document = JsonDocument.Parse(body);
                return document.RootElement.TryGetProperty(name, out var value) ? value.ToString() : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }

        if (status != HttpStatusCode.OK || Field("database") != "ok" || Field("redis") != "ok")
        {
            throw new SmokeCheckException("health", url, $"HTTP {(int)status} {Excerpt(body)}");
        }

        if (expectedRelease is not null && Field("release") != expectedRelease)
        {
            throw new SmokeCheckException("health", url, $"release {Field("release")} is serving, expected {expectedRelease}");
        }

        log.Information("smoke: health ok (database ok, redis ok, release {0})", Field("release"));
    }

    public async Task ServerSentEventsAsync(CancellationToken cancellationToken = default)
    {
        var channel = "smoke-" + Guid.NewGuid().ToString("N")[..12];
        var nonce = Guid.NewGuid().ToString("N");
        var streamUrl = new Uri(baseUrl, $"/api/events/{channel}");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(SseTimeout + TimeSpan.FromSeconds(5));

        using var stream = await OpenStreamAsync("SSE subscribe", streamUrl, cookie: null, timeout.Token);
        try
        {
            var watch = Stopwatch.StartNew();
            using (var publishRequest = PublishRequest(streamUrl, JsonSerializer.Serialize(new { nonce }), StaffToken))
            using (var publish = await http.SendAsync(publishRequest, timeout.Token))
            {
                if (publish.StatusCode == HttpStatusCode.Unauthorized)
                {
                    throw new SmokeCheckException("SSE publish", streamUrl, "HTTP 401: " + StaffTokenRefused);
                }

                if (!publish.IsSuccessStatusCode)
                {
                    throw new SmokeCheckException("SSE publish", streamUrl, $"HTTP {(int)publish.StatusCode} {Excerpt(await publish.Content.ReadAsStringAsync(timeout.Token))}");
                }
            }

            await stream.ReadUntilAsync(line => line.StartsWith("data:", StringComparison.Ordinal) && line.Contains(nonce, StringComparison.Ordinal), timeout.Token);
            log.Information("smoke: SSE round trip through Nginx and Redis in {0} ms", watch.ElapsedMilliseconds);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SmokeCheckException("SSE round trip", streamUrl, $"the published event did not arrive within {SseTimeout.TotalSeconds:0}s (buffering in the proxy?). Stream so far: {Excerpt(stream.Seen)}");
        }
    }

    /// <summary>Why the app refused the staff token, and what to run.</summary>
    private string StaffTokenRefused =>
        $"the app refused {(StaffToken is null ? "a request without the staff token (the environment has none: run Bootstrap to write the app's settings)" : "the staff token (the app's STAFF_TOKEN differs from the environment's: run Bootstrap to rewrite the settings)")}";

    /// <summary>Opens an event stream (with a cookie, as a browser's EventSource would send it) and waits for its <c>ready</c> event.</summary>
    private async Task<EventStream> OpenStreamAsync(string check, Uri url, string? cookie, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            throw new SmokeCheckException(check, url, ex.Message);
        }

        if (response.StatusCode != HttpStatusCode.OK || response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            using (response)
            {
                throw new SmokeCheckException(check, url, $"HTTP {(int)response.StatusCode} {response.Content.Headers.ContentType}");
            }
        }

        var stream = new EventStream(response, new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken)));
        try
        {
            await stream.ReadUntilAsync(line => line.StartsWith("event: ready", StringComparison.Ordinal), cancellationToken);
            return stream;
        }
        catch (OperationCanceledException)
        {
            stream.Dispose();
            throw new SmokeCheckException(check, url, $"no ready event within {SseTimeout.TotalSeconds:0}s. Stream so far: {Excerpt(stream.Seen)}");
        }
    }

    /// <summary>An open event stream, read line by line; what was read so far goes into a failure's text.</summary>
    private sealed class EventStream(HttpResponseMessage response, StreamReader reader) : IDisposable
    {
        private readonly StringBuilder _seen = new();

        public string Seen => _seen.ToString();

        public async Task ReadUntilAsync(Func<string, bool> found, CancellationToken cancellationToken)
        {
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                _seen.AppendLine(line);
                if (found(line))
                {
                    return;
                }
            }

            throw new OperationCanceledException("the stream ended");
        }

        public void Dispose()
        {
            reader.Dispose();
            response.Dispose();
        }
    }

    /// <summary>The publish: JSON, with <c>Authorization: Bearer</c> when there is a staff token.</summary>
    public static HttpRequestMessage PublishRequest(Uri url, string json, string? staffToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (!string.IsNullOrEmpty(staffToken))
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", staffToken);
        }

        return request;
    }

    private async Task<(HttpStatusCode Status, string Body)> GetAsync(Uri url, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(url, cancellationToken);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            throw new SmokeCheckException(url.AbsolutePath, url, ex.Message);
        }
    }

    private static string Excerpt(string text)
    {
        var flat = text.ReplaceLineEndings(" ").Trim();
        return flat.Length <= 200 ? flat : flat[..200] + "...";
    }
}
