using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;
using WireMock.Types;
using WireMock.Util;

namespace TableOrder.Build.Tests.Aws;

/// <summary>
/// An HTTP stand-in of an AWS API on 127.0.0.1 (a random port), built on WireMock.Net: every POST goes
/// to <see cref="Handle"/>, and every call is recorded. The real SDK clients talk to it through ServiceURL.
/// </summary>
internal abstract class AwsApiStandIn : IDisposable
{
    private readonly WireMockServer _server;

    protected AwsApiStandIn()
    {
        _server = WireMockServer.Start(new WireMockServerSettings { Urls = [$"http://127.0.0.1:{FreePort()}"], StartAdminInterface = false });
        _server.Given(Request.Create().UsingPost()).RespondWith(Response.Create().WithCallback(request =>
        {
            try
            {
                return Handle(request);
            }
            catch (Exception ex)
            {
                // A bug in a stand-in shows up as a 500 with the reason, never as a hang.
                return Reply(500, ex.ToString(), "text/plain");
            }
        }));
    }

    public string Url => _server.Urls[0];

    /// <summary>Every call, in order: the API action name.</summary>
    public ConcurrentQueue<string> Calls { get; } = new();

    public int CountOf(string action) => Calls.Count(c => c == action);

    public void Dispose() => _server.Stop();

    protected abstract IResponseMessage Handle(IRequestMessage request);

    protected static ResponseMessage Reply(int status, string body, string contentType)
    {
        var response = new ResponseMessage
        {
            StatusCode = status,
            BodyData = new BodyData { BodyAsString = body, DetectedBodyType = BodyType.String, Encoding = System.Text.Encoding.UTF8 },
        };
        response.AddHeader("Content-Type", contentType);
        response.AddHeader("x-amzn-RequestId", Guid.NewGuid().ToString());
        return response;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
