using TableOrder.Build.Server;

namespace TableOrder.Build.Smoke;

/// <summary>The smoke checks' HTTP client, for Smoke and for Restore's checks.</summary>
public static class SmokeClient
{
    /// <summary>
    /// With HTTPS a client that checks the chain (against the test CA's root locally) and the name; no
    /// cookie jar: the customer's order must not carry the staff session the checks sign in with.
    /// </summary>
    public static HttpClient Create(ServerTls? tls)
    {
        var handler = tls?.Handler() ?? new SocketsHttpHandler();
        handler.UseCookies = false;
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }
}
