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

    public void TaskFinished(string name, TimeSpan duration, bool skipped, bool failed)
    {
        lock (_gate)
        {
            var task = _tasks.LastOrDefault(t => t.Name == name) ?? Add(name);
            task.Seconds = Math.Round(duration.TotalSeconds, 3);
            task.Status = failed ? "failed" : skipped ? "skipped" : "ran";
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
