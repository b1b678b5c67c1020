using System.Globalization;
using System.Text.RegularExpressions;
using TableOrder.Build.Remote;

namespace TableOrder.Build.Server;

/// <summary>What bootstrap.sh reported on its last line.</summary>
public sealed record BootstrapResult(int Changes)
{
    public bool Changed => Changes > 0;
}

/// <summary>Runs the idempotent bootstrap.sh on the server as root and reads its last line.</summary>
public static partial class ServerBootstrap
{
    public static async Task<BootstrapResult> RunAsync(IRemoteShell shell, string environment, ServerPorts ports, bool cloudWatch, string pythonDeps, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shell);
        ArgumentNullException.ThrowIfNull(ports);
        var command = string.Join(' ',
            $"bash \"$HOME/{DeployScripts.RemoteFolder}/bootstrap.sh\"",
            "--environment", environment,
            "--http-port", ports.Http.ToString(CultureInfo.InvariantCulture),
            "--api-port", ports.Api.ToString(CultureInfo.InvariantCulture),
            "--python-deps", pythonDeps,
            "--cloudwatch", cloudWatch ? "on" : "off");
        var result = await shell.RunAsync(
            $"sudo -n {command}",
            new RemoteRunOptions { Description = "bootstrap.sh", Timeout = TimeSpan.FromMinutes(30) },
            cancellationToken);
        return ParseLastLine(result.Output.LastOrDefault(l => !string.IsNullOrWhiteSpace(l)));
    }

    public static BootstrapResult ParseLastLine(string? line)
    {
        if (line is null)
        {
            throw new RemoteException("bootstrap.sh printed nothing; expected 'bootstrap: N changes' as its last line.");
        }

        if (line.Trim() == "bootstrap: no changes")
        {
            return new BootstrapResult(0);
        }

        var match = ChangesLine().Match(line);
        return match.Success
            ? new BootstrapResult(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture))
            : throw new RemoteException($"bootstrap.sh ended with '{line}', not 'bootstrap: N changes'.");
    }

    [GeneratedRegex(@"^bootstrap: (\d+) changes?$")]
    private static partial Regex ChangesLine();
}
