using System.Globalization;
using TableOrder.Build.Remote;

namespace TableOrder.Build.Server;

/// <summary>What bootstrap.sh reported in its result line: what each change changed.</summary>
public sealed record BootstrapResult(IReadOnlyList<string> What)
{
    public int Changes => What.Count;

    public bool Changed => Changes > 0;
}

/// <summary>How the server's boot ended: systemd's state (running, degraded, ...) and cloud-init's status (done, error, none, ...).</summary>
public sealed record BootState(string System, string CloudInit)
{
    /// <summary>cloud-init ran the user data and stopped with an error: the first-boot packages may be missing.</summary>
    public bool CloudInitFailed => CloudInit.StartsWith("error", StringComparison.Ordinal);
}

/// <summary>Runs the idempotent bootstrap.sh on the server as root and reads its result line.</summary>
public static class ServerBootstrap
{
    /// <summary>
    /// bootstrap.sh with the ports and the environment's policy as flags; with a stamp (the inputs'
    /// fingerprint), which it keeps on the server when it finishes (and removes when it starts).
    /// </summary>
    public static RemoteCommand Command(ServerPorts ports, ServerPolicy policy, string? stamp = null)
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
            .. stamp is null ? Array.Empty<string>() : ["--stamp", stamp],
        ];
        return RemoteCommand.User(Shell.SudoPrefix + " " + string.Join(' ', arguments) + Release.SlotCommands.StopAtFlag(), "bootstrap.sh") with { Stream = true, Timeout = TimeSpan.FromMinutes(30) };
    }

    /// <summary>
    /// Waits for cloud-init (where there is one: EC2 and the rehearsal) to be done with the first boot's
    /// user data, then for systemd to finish booting; prints both states (<see cref="ParseBootState"/>).
    /// </summary>
    public static RemoteCommand WaitForBoot() =>
        RemoteCommand.User(
            "if command -v cloud-init >/dev/null; then cloud-init status --wait >/dev/null 2>&1; echo \"cloud-init: $(cloud-init status 2>/dev/null | sed -n 's/^status: //p')\"; else echo 'cloud-init: none'; fi; " +
            "echo \"system: $(systemctl is-system-running --wait 2>/dev/null)\"",
            "wait for boot to finish") with
        { Timeout = TimeSpan.FromMinutes(20) };

    /// <summary>Reads <see cref="WaitForBoot"/>'s two lines: systemd's state, and cloud-init's status ("none" where there is no cloud-init).</summary>
    public static BootState ParseBootState(IEnumerable<string> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        string Value(string name) =>
            output.Select(l => l.Trim()).Where(l => l.StartsWith(name + ": ", StringComparison.Ordinal)).Select(l => l[(name.Length + 2)..].Trim()).LastOrDefault() is { Length: > 0 } value ? value : "unknown";
        return new BootState(Value("system"), Value("cloud-init"));
    }

    public static async Task<BootstrapResult> RunAsync(IRemoteShell shell, ServerPorts ports, ServerPolicy policy, string? stamp = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shell);
        var result = await shell.RunAsync(Command(ports, policy, stamp), cancellationToken);
        return Parse(result.Output);
    }

    /// <summary>bootstrap.sh's result line (its last): what its changes were (their count is the list's length).</summary>
    public static BootstrapResult Parse(IEnumerable<string> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var lines = output.ToList();
        var result = ScriptResult.Parse(lines, "bootstrap").EnsureOk(lines);
        return new BootstrapResult(result.Strings("changed"));
    }
}
