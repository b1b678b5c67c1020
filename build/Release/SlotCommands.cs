using System.Globalization;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;

namespace TableOrder.Build.Release;

/// <summary>What slot.sh state says: which slot is live, what each slot runs, what is pending.</summary>
public sealed record SlotState(string? Live, IReadOnlyDictionary<string, string?> Releases, IReadOnlyDictionary<string, bool> Running, IReadOnlyList<string> Pending)
{
    public static readonly string[] Names = ["blue", "green"];

    public string? LiveRelease => Live is null ? null : Releases.GetValueOrDefault(Live);

    /// <summary>The slot a new release starts on: the one that is not live (blue before anything is live).</summary>
    public string Idle => Live == "blue" ? "green" : "blue";

    public static SlotState Parse(IEnumerable<string> lines)
    {
        string? live = null;
        var releases = new Dictionary<string, string?>(StringComparer.Ordinal);
        var running = new Dictionary<string, bool>(StringComparer.Ordinal);
        IReadOnlyList<string> pending = [];
        foreach (var line in lines.Select(l => l.Trim()))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                continue;
            }

            var (key, value) = (line[..equals], line[(equals + 1)..].Trim());
            if (key == "live")
            {
                live = value is "blue" or "green" ? value : null;
            }
            else if (key == "pending")
            {
                pending = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            }
            else if (Names.Contains(key))
            {
                var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                releases[key] = parts.Length > 1 || (parts.Length == 1 && parts[0] is not ("active" or "inactive" or "failed")) ? parts[0] : null;
                running[key] = parts.LastOrDefault() == "active";
            }
        }

        return new SlotState(live, releases, running, pending);
    }
}

/// <summary>The commands of slot.sh (releases and the two API slots), as data.</summary>
public static class SlotCommands
{
    /// <summary>Tests only: stop the server scripts at a named point, as a crash there would.</summary>
    public const string StopAtVariable = "TABLEORDER_TEST_STOP_AT";

    /// <summary>The "script" of slot.sh's result line.</summary>
    public const string Script = "slot";

    public static RemoteCommand Prepare(string id, ServerPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return SlotScript($"prepare {id} --python-deps {policy.PythonDeps}", $"prepare release {id}") with { Timeout = TimeSpan.FromMinutes(15) };
    }

    // Start, switch and stop are not streamed: the build says what they did in a line of its own,
    // and their output is in the log file and, when one fails, in its error.
    public static RemoteCommand Start(string slot, string id, int port, TimeSpan healthTimeout) =>
        SlotScript($"start {slot} {id} --port {port.ToString(CultureInfo.InvariantCulture)} --timeout {((int)Math.Ceiling(healthTimeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture)}", $"start release {id} on slot {slot}") with
        {
            AllowFailure = true,
            Stream = false,
            Timeout = healthTimeout + TimeSpan.FromMinutes(2),
        };

    public static RemoteCommand Switch(string slot, int port) =>
        SlotScript($"switch {slot} --port {port.ToString(CultureInfo.InvariantCulture)}", $"switch Nginx to slot {slot}") with { Stream = false };

    public static RemoteCommand Stop(string slot) => SlotScript($"stop {slot}", $"drain and stop slot {slot}") with { Stream = false };

    public static RemoteCommand State() => SlotScript("state", "read the slots") with { Stream = false };

    public static RemoteCommand Resume() => SlotScript("resume", "finish pending server actions");

    /// <summary>Maintenance on: writes to the API answer 503 with Retry-After (the pass in <see cref="ServerMap.MaintenancePassFile"/> goes through).</summary>
    public static RemoteCommand MaintenanceOn(TimeSpan retryAfter) =>
        SlotScript($"maintenance on --retry-after {((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture)}", "maintenance on: writes wait") with { Stream = false };

    public static RemoteCommand MaintenanceOff() => SlotScript("maintenance off", "maintenance off") with { Stream = false };

    public static RemoteCommand ClearRefresh() => SlotScript("clear api-refresh", "clear the pending API refresh") with { Stream = false };

    /// <summary>The --stop-at flag when a test asked for one (the environment variable), else nothing.</summary>
    public static string StopAtFlag()
    {
        var point = Environment.GetEnvironmentVariable(StopAtVariable);
        return string.IsNullOrWhiteSpace(point) ? string.Empty : " --stop-at " + Shell.Quote(point.Trim());
    }

    private static RemoteCommand SlotScript(string arguments, string description) =>
        RemoteCommand.User($"{Shell.SudoPrefix} bash \"$HOME/{ServerMap.ScriptsFolder}/slot.sh\" {arguments}{StopAtFlag()}", description) with { Stream = true };
}
