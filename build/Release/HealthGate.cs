using System.Globalization;
using TableOrder.Build.Remote;

namespace TableOrder.Build.Release;

/// <summary>What /api/health said in the end.</summary>
public sealed record HealthResult(bool Healthy, string Detail);

/// <summary>
/// Polls /api/health through Nginx on the server itself until it answers 200 for the expected
/// release, or the timeout passes. One SSH command, however long the wait.
/// </summary>
public static class HealthGate
{
    /// <summary>
    /// curl's target for /api/health as a client sees the site: plain HTTP on loopback, or with
    /// HTTPS the domain on its HTTPS port resolved to loopback, the certificate checked (against the
    /// test CA's root where there is one). Plain HTTP then only redirects.
    /// </summary>
    public static string Target(int httpPort, Server.ServerTls? tls)
    {
        if (tls is null)
        {
            return $"http://127.0.0.1:{httpPort.ToString(CultureInfo.InvariantCulture)}/api/health";
        }

        var port = tls.HttpsPort.ToString(CultureInfo.InvariantCulture);
        var cacert = tls.AcmeRootFile is null ? string.Empty : $" --cacert {Server.ServerMap.AcmeRootFile}";
        return $"--resolve {tls.Domain}:{port}:127.0.0.1{cacert} https://{tls.Domain}:{port}/api/health";
    }

    public static string Script(int httpPort, string? expectedRelease, TimeSpan timeout, Server.ServerTls? tls = null)
    {
        var seconds = ((int)Math.Ceiling(timeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        var url = Target(httpPort, tls);
        var releaseCheck = expectedRelease is null
            ? "true"
            : $"printf '%s' \"$body\" | grep -Eq '\"release\": ?\"{expectedRelease}\"' && printf '%s' \"$body\" | grep -Eq '\"status\": ?\"ok\"'";
        return $$"""
            deadline=$((SECONDS + {{seconds}})); code=000; body=''
            while :; do
              out=$(curl -s --max-time 5 -w '\n%{http_code}' {{url}} 2>&1) || true
              code=${out##*$'\n'}; body=${out%$'\n'*}
              if [ "$code" = 200 ] && { {{releaseCheck}}; }; then echo "healthy: $body"; exit 0; fi
              if [ "$SECONDS" -ge "$deadline" ]; then echo "unhealthy after {{seconds}}s: HTTP $code $body"; exit 1; fi
              sleep 1
            done
            """;
    }

    public static async Task<HealthResult> WaitAsync(IRemoteShell shell, Server.ServerPorts ports, string? expectedRelease, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shell);
        ArgumentNullException.ThrowIfNull(ports);
        var result = await shell.RunAsync(Command(ports.Http, expectedRelease, timeout, ports.Tls), cancellationToken);
        return Read(result.ExitCode, result.Text);
    }

    public static RemoteCommand Command(int httpPort, string? expectedRelease, TimeSpan timeout, Server.ServerTls? tls = null) =>
        RemoteCommand.User("bash -c " + Shell.Quote(Script(httpPort, expectedRelease, timeout, tls)), "health check") with
        {
            AllowFailure = true,
            Timeout = timeout + TimeSpan.FromMinutes(1),
        };

    /// <summary>What the script said, on one line: an HTML error page from Nginx would otherwise spread over the log.</summary>
    public static HealthResult Read(int exitCode, string output)
    {
        var detail = System.Text.RegularExpressions.Regex.Replace(output ?? string.Empty, @"\s+", " ").Trim();
        return new HealthResult(exitCode == 0, detail.Length > 300 ? detail[..300] + "..." : detail);
    }
}
