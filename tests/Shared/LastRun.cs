using System.Text.Json;

namespace TableOrder.Build.Testing;

/// <summary>
/// The run summary a build wrote (<c>&lt;state folder&gt;/last-run.json</c>): what each task did, as
/// data. Tests assert on this, never on log sentences.
/// </summary>
public sealed class LastRun
{
    private readonly JsonElement _root;

    private LastRun(JsonElement root) => _root = root;

    public const string FileName = "last-run.json";

    public bool Succeeded => _root.GetProperty("succeeded").GetBoolean();

    public string? Error => _root.TryGetProperty("error", out var error) ? error.GetString() : null;

    public double Seconds => _root.GetProperty("seconds").GetDouble();

    /// <summary>The signal that stopped the run (SIGINT, SIGTERM); null when none did.</summary>
    public string? InterruptedBy => Interruption("signal")?.GetString();

    /// <summary>The task a signal stopped.</summary>
    public string? InterruptedTask => Interruption("task") is { ValueKind: JsonValueKind.String } task ? task.GetString() : null;

    /// <summary>The planned tasks an interrupted run never started.</summary>
    public IReadOnlyList<string> NotRun => Interruption("notRun") is { ValueKind: JsonValueKind.Array } list ? [.. list.EnumerateArray().Select(t => t.GetString()!)] : [];

    /// <summary>What an interrupted run left of the deploy lock: not taken, released, or still held.</summary>
    public string? DeployLockAfterInterruption => Interruption("deployLock")?.GetString();

    /// <summary>One count of what the run asked of the server (connects, commands, uploads, calls); -1 when it never connected.</summary>
    public int Remote(string key) =>
        _root.TryGetProperty("remote", out var remote) && remote.TryGetProperty(key, out var value) ? value.GetInt32() : -1;

    /// <summary>The sum of the tasks' seconds: the part of a run spent in tasks, without the host's start-up.</summary>
    public double TaskSecondsTotal => _root.GetProperty("taskSeconds").GetDouble();

    public IReadOnlyList<string> TaskNames => [.. _root.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("name").GetString()!)];

    public static LastRun? Read(string stateDirectory)
    {
        var path = Path.Combine(stateDirectory, FileName);
        return File.Exists(path) ? new LastRun(JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone()) : null;
    }

    /// <summary>ran, skipped or failed; null when the task did not start.</summary>
    public string? Status(string task) => Task(task) is { } t ? t.GetProperty("status").GetString() : null;

    public double TaskSeconds(string task) => Task(task)?.GetProperty("seconds").GetDouble() ?? 0;

    /// <summary>One fact a task recorded; null when it recorded none by that name.</summary>
    public JsonElement? Outcome(string task, string key) =>
        Task(task) is { } t && t.GetProperty("outcome").TryGetProperty(key, out var value) ? value : null;

    public bool Flag(string task, string key) => Outcome(task, key) is { ValueKind: JsonValueKind.True };

    public int Number(string task, string key) => Outcome(task, key) is { ValueKind: JsonValueKind.Number } n ? n.GetInt32() : -1;

    public string? Text(string task, string key) => Outcome(task, key) is { ValueKind: JsonValueKind.String } s ? s.GetString() : null;

    public override string ToString() => _root.GetRawText();

    private JsonElement? Interruption(string key) =>
        _root.TryGetProperty("interrupted", out var interrupted) && interrupted.TryGetProperty(key, out var value) ? value : null;

    private JsonElement? Task(string name) =>
        _root.GetProperty("tasks").EnumerateArray().Where(t => t.GetProperty("name").GetString() == name).Select(t => (JsonElement?)t).LastOrDefault();
}
