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
    /// <summary>bootstrap.sh with the ports and the environment's policy as flags.</summary>
    public static RemoteCommand Command(ServerPorts ports, ServerPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(ports);
        ArgumentNullException.ThrowIfNull(policy);
        string[] arguments =
        [
            $"bash \"$HOME/{ServerMap.ScriptsFolder}/bootstrap.sh\"",
            "--http-port", ports.Http.ToString(CultureInfo.InvariantCulture),
            "--api-port", ports.Api.ToString(CultureInfo.InvariantCulture),
            "--green-port", ports.ApiGreen.ToString(CultureInfo.InvariantCulture),
            .. policy.BootstrapFlags(),
        ];
        return RemoteCommand.User("sudo -n " + string.Join(' ', arguments) + Release.SlotCommands.StopAtFlag(), "bootstrap.sh") with { Stream = true, Timeout = TimeSpan.FromMinutes(30) };
    }

    /// <summary>Waits for cloud-init (where there is one) and systemd to finish booting; prints the system state.</summary>
    public static RemoteCommand WaitForBoot() =>
        RemoteCommand.User(
            "if command -v cloud-init >/dev/null; then cloud-init status --wait >/dev/null || true; fi; systemctl is-system-running --wait || true",
            "wait for boot to finish") with
        { Timeout = TimeSpan.FromMinutes(10) };

    public static async Task<BootstrapResult> RunAsync(IRemoteShell shell, ServerPorts ports, ServerPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shell);
        var result = await shell.RunAsync(Command(ports, policy), cancellationToken);
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
