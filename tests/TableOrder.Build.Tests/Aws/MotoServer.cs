using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace TableOrder.Build.Tests.Aws;

/// <summary>
/// A real moto server (moto 5.2.1's ThreadedMotoServer, as pip's moto[server] brings it) on a free
/// loopback port, started for a test class and stopped after it: the AWS APIs the tests call answer
/// as moto implements them, over HTTP with SigV4 as the build sends them.
/// </summary>
public sealed class MotoServer : IAsyncLifetime
{
    private const string Script = """
        import sys
        from moto.server import ThreadedMotoServer
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=int(sys.argv[1]), verbose=False)
        server.start()
        print("ready", flush=True)
        sys.stdin.read()
        server.stop()
        """;

    private Process? _process;

    public string Url { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var port = FreePort();
        var start = new ProcessStartInfo("python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Script);
        start.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start: moto's server needs python3 with moto[server] 5.2.1.");
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        var ready = await _process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        if (ready != "ready")
        {
            throw new InvalidOperationException($"moto's server did not start (python3 -c 'from moto.server import ThreadedMotoServer' must work): {ready}");
        }

        Url = $"http://127.0.0.1:{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var answer = await http.GetAsync(new Uri(Url + "/moto-api/"));
                if (answer.StatusCode is HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }

            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        if (_process is null)
        {
            return;
        }

        _process.StandardInput.Close();
        using var stopped = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(stopped.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
