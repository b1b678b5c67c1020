using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using TableOrder.Build.Remote;

namespace TableOrder.Build.Diagnostics;

/// <summary>One task of a run: whether it ran, how long it took, what it changed.</summary>
public sealed record TaskOutcome
{
    public required string Name { get; init; }

    /// <summary>ran, skipped or failed.</summary>
    public string Status { get; set; } = "running";

    public double Seconds { get; set; }

    /// <summary>What the task changed or found, by name (uploaded, restarted, migrated, switched, ...).</summary>
    public SortedDictionary<string, JsonElement> Outcome { get; } = new(StringComparer.Ordinal);
}

/// <summary>A run stopped by a signal: which, during which task, what did not run, and the deploy lock.</summary>
public sealed record RunInterruption(string Signal, string? Task, IReadOnlyList<string> NotRun, string DeployLock);

/// <summary>
/// What a run did, as data: each task's status, duration and outcome. Written to
/// <c>&lt;state folder&gt;/last-run.json</c> at the end of every run, failed or not; tests and
/// benchmarks read this file, never log sentences.
/// </summary>
public sealed class RunSummary(string environment, IReadOnlyList<string> targets)
{
    public const string FileName = "last-run.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;
    private readonly List<TaskOutcome> _tasks = [];
    private readonly Lock _gate = new();

    /// <summary>This run's full log (every command's output).</summary>
    public string? LogFile { get; set; }

    /// <summary>What the run asked of the server (connections, commands, uploads, seconds); null when it never connected.</summary>
    public RemoteMeter? Remote { get; set; }

    /// <summary>The tasks this run was to run, in order (set before the first).</summary>
    public IReadOnlyList<string> Planned { get; set; } = [];

    /// <summary>Set when a signal stopped the run.</summary>
    public RunInterruption? Interrupted { get; private set; }

    /// <summary>The task that runs now; null between tasks.</summary>
    public string? Running
    {
        get
        {
            lock (_gate)
            {
                return _tasks.LastOrDefault(t => t.Status == "running")?.Name;
            }
        }
    }

    public IReadOnlyList<TaskOutcome> Tasks
    {
        get
        {
            lock (_gate)
            {
                return [.. _tasks];
            }
        }
    }

    public void TaskStarted(string name)
    {
        lock (_gate)
        {
            _tasks.Add(new TaskOutcome { Name = name });
        }
    }

    public void TaskFinished(string name, TimeSpan duration, bool skipped, bool failed, bool interrupted = false)
    {
        lock (_gate)
        {
            var task = _tasks.LastOrDefault(t => t.Name == name) ?? Add(name);
            task.Seconds = Math.Round(duration.TotalSeconds, 3);
            task.Status = interrupted ? "interrupted" : failed ? "failed" : skipped ? "skipped" : "ran";
        }
    }

    /// <summary>Records that <paramref name="signal"/> stopped the run: the task it stopped and the planned ones that never ran.</summary>
    public RunInterruption Interrupt(System.Runtime.InteropServices.PosixSignal signal, string deployLock)
    {
        lock (_gate)
        {
            var stopped = _tasks.LastOrDefault(t => t.Status is "interrupted" or "running" or "failed")?.Name;
            var notRun = Planned.Where(p => !_tasks.Any(t => t.Name == p && t.Status is "ran" or "skipped") && p != stopped).ToList();
            Interrupted = new RunInterruption(signal.ToString(), stopped, notRun, deployLock);
            return Interrupted;
        }
    }

    /// <summary>Records a fact about the task that runs now (the last one started).</summary>
    public void Record<T>(string key, T value)
    {
        lock (_gate)
        {
            var task = _tasks.LastOrDefault() ?? Add("(setup)");
            task.Outcome[key] = JsonSerializer.SerializeToElement(value);
        }
    }

    public string ToJson(bool succeeded, string? error)
    {
        var finished = DateTimeOffset.UtcNow;
        lock (_gate)
        {
            return JsonSerializer.Serialize(
                new
                {
                    environment,
                    targets,
                    started = _started.ToString("O", CultureInfo.InvariantCulture),
                    finished = finished.ToString("O", CultureInfo.InvariantCulture),
                    seconds = Math.Round((finished - _started).TotalSeconds, 3),
                    succeeded,
                    error,
                    interrupted = Interrupted,
                    log = LogFile,
                    taskSeconds = Math.Round(_tasks.Sum(t => t.Seconds), 3),
                    remote = Remote is { } meter ? new { meter.Connects, meter.Commands, meter.Uploads, meter.Calls, meter.Seconds } : null,
                    tasks = _tasks,
                },
                Json);
        }
    }

    /// <summary>Writes the summary by a rename, so a reader never sees half a file.</summary>
    public void Write(string stateDirectory, bool succeeded, string? error)
    {
        Directory.CreateDirectory(stateDirectory);
        var path = Path.Combine(stateDirectory, FileName);
        File.WriteAllText(path + ".tmp", ToJson(succeeded, error));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    private TaskOutcome Add(string name)
    {
        var task = new TaskOutcome { Name = name };
        _tasks.Add(task);
        return task;
    }
}
