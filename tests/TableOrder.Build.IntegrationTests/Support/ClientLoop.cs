namespace TableOrder.Build.IntegrationTests.Support;

/// <summary>Requests through the load balancer, one after the other, until stopped; counts what failed (any error or non-2xx/3xx).</summary>
internal sealed class ClientLoop : IDisposable
{
    private readonly HttpClient _http = new(new HttpClientHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) };
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _failures = [];
    private readonly Task _loop;
    private int _requests;

    public ClientLoop(Uri baseUrl)
    {
        _loop = Task.Run(async () =>
        {
            string[] paths = ["api/health", string.Empty, "admin/"];
            while (!_stop.IsCancellationRequested)
            {
                var path = paths[_requests % paths.Length];
                _requests++;
                try
                {
                    using var response = await _http.GetAsync(new Uri(baseUrl, path));
                    if ((int)response.StatusCode >= 400)
                    {
                        _failures.Add($"{path}: {(int)response.StatusCode}");
                    }
                }
                catch (HttpRequestException e)
                {
                    _failures.Add($"{path}: {e.Message}");
                }
                catch (TaskCanceledException e) when (!_stop.IsCancellationRequested)
                {
                    _failures.Add($"{path}: timeout {e.Message}");
                }
            }
        });
    }

    public async Task<(int Requests, int Failed, IReadOnlyList<string> Failures)> StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        return (_requests, _failures.Count, _failures);
    }

    public void Dispose()
    {
        _stop.Dispose();
        _http.Dispose();
    }
}
