using System.Globalization;
using Cake.Core.Diagnostics;
using Spectre.Console;

namespace TableOrder.Build.Diagnostics;

/// <summary>
/// The build's log: everything written to it, at every verbosity (command output included), goes to
/// a file per run under the state folder (masked); the console gets what the verbosity asks for.
/// While a progress step runs at normal verbosity, the console shows one line for it (live on a
/// terminal) and its output goes to the file only; a failure prints the file's last lines.
/// </summary>
public sealed class RunLog(ICakeLog console) : ICakeLog, IDisposable
{
    /// <summary>The folder below the state folder that holds one log file per run.</summary>
    public const string FolderName = "logs";

    private const int TailSize = 40;
    private readonly Lock _gate = new();
    private readonly Queue<string> _tail = new();
    private readonly List<string> _pending = [];
    private readonly List<(Verbosity Verbosity, LogLevel Level, string Format, object[] Args)> _held = [];
    private StreamWriter? _file;
    private ProgressStep? _step;

    public Verbosity Verbosity
    {
        get => console.Verbosity;
        set => console.Verbosity = value;
    }

    /// <summary>The file this run's log goes to; null until <see cref="Open"/>.</summary>
    public string? FilePath { get; private set; }

    /// <summary>Secrets never reach the file.</summary>
    public SecretMasker? Masker { get; set; }

    /// <summary>True when progress may be drawn live: a terminal, colour allowed.</summary>
    public static bool Interactive =>
        !System.Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")) &&
        AnsiConsole.Profile.Capabilities.Interactive;

    public void Write(Verbosity verbosity, LogLevel level, string format, params object[] args)
    {
        var text = Render(format, args);

        // The tail shown on failure is what the user sees plus every command's output ("  line" from
        // local processes, "[host] line" from the server), not the engine's own diagnostics.
        var commandOutput = format.StartsWith("  {0}", StringComparison.Ordinal) || format.StartsWith("[{0}]", StringComparison.Ordinal);
        Record(level, text, tail: verbosity <= Verbosity.Normal || commandOutput);
        if (verbosity > console.Verbosity)
        {
            return;
        }

        lock (_gate)
        {
            if (_step is { } step)
            {
                // Inside a step, its commands' output (stderr too) and information are the step's own:
                // the file has them, the live line shows the latest; a failure shows the tail.
                step.Latest = text;
                if (level >= LogLevel.Information || commandOutput)
                {
                    return;
                }

                if (step.IsLive)
                {
                    _held.Add((verbosity, level, format, args));
                    return;
                }
            }
        }

        console.Write(verbosity, level, format, args);
    }

    /// <summary>Starts writing to <paramref name="path"/>, with everything logged so far.</summary>
    public void Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        lock (_gate)
        {
            if (_file is not null)
            {
                return;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            _file = new StreamWriter(path, append: true) { AutoFlush = true };
            FilePath = path;
            foreach (var line in _pending)
            {
                _file.WriteLine(line);
            }

            _pending.Clear();
        }
    }

    /// <summary>The last lines written to the log file (command output included).</summary>
    public IReadOnlyList<string> Tail(int lines)
    {
        lock (_gate)
        {
            return [.. _tail.TakeLast(lines)];
        }
    }

    /// <summary>Writes to the console only (the tail of the file, shown on failure).</summary>
    public void WriteConsole(Verbosity verbosity, LogLevel level, string text) => console.Write(verbosity, level, "{0}", text);

    /// <summary>
    /// A long step (apt, debootstrap, bootstrap, waits): at normal verbosity one progress line (live on
    /// a terminal) and a one-line result; its output goes to the file. Verbose streams everything.
    /// </summary>
    public ProgressStep Step(string title)
    {
        ArgumentNullException.ThrowIfNull(title);
        var capture = console.Verbosity == Verbosity.Normal || console.Verbosity < Verbosity.Normal;
        lock (_gate)
        {
            if (capture && _step is not null)
            {
                // A step inside a step (the rehearsal's machines booting while terraform applies): part of
                // the one that runs, its lines in the file only.
                Record(LogLevel.Information, $"--- {title}");
                return new ProgressStep(this, title, live: false) { Nested = true };
            }
        }

        var step = new ProgressStep(this, title, live: capture && console.Verbosity == Verbosity.Normal && Interactive);
        Record(LogLevel.Information, $"--- {title}");
        if (!capture)
        {
            console.Write(Verbosity.Normal, LogLevel.Information, "{0} ...", title);
            return step;
        }

        lock (_gate)
        {
            _step ??= step;
        }

        if (step.IsLive)
        {
            step.StartLive();
        }
        else
        {
            console.Write(Verbosity.Normal, LogLevel.Information, "{0} ...", title);
        }

        return step;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _file?.Dispose();
            _file = null;
        }
    }

    internal void EndStep(ProgressStep step, string result, bool failed)
    {
        if (step.Nested)
        {
            Record(failed ? LogLevel.Error : LogLevel.Information, $"--- {result}");
            return;
        }

        List<(Verbosity Verbosity, LogLevel Level, string Format, object[] Args)> held;
        lock (_gate)
        {
            if (_step == step)
            {
                _step = null;
            }

            held = [.. _held];
            _held.Clear();
        }

        Record(failed ? LogLevel.Error : LogLevel.Information, $"--- {result}");
        console.Write(failed ? Verbosity.Quiet : Verbosity.Normal, failed ? LogLevel.Error : LogLevel.Information, "{0}", result);
        foreach (var (verbosity, level, format, args) in held)
        {
            console.Write(verbosity, level, format, args);
        }
    }

    private void Record(LogLevel level, string text, bool tail = true)
    {
        var masked = Masker?.Apply(text) ?? text;
        var line = $"{DateTime.UtcNow.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)} {LevelName(level)} {masked}";
        lock (_gate)
        {
            if (tail)
            {
                _tail.Enqueue(masked);
                while (_tail.Count > TailSize)
                {
                    _tail.Dequeue();
                }
            }

            if (_file is null)
            {
                _pending.Add(line);
            }
            else
            {
                _file.WriteLine(line);
            }
        }
    }

    private static string Render(string format, object[] args)
    {
        if (args is null || args.Length == 0)
        {
            return format;
        }

        try
        {
            return string.Format(CultureInfo.InvariantCulture, format, args);
        }
        catch (FormatException)
        {
            return format + " " + string.Join(' ', args);
        }
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Fatal or LogLevel.Error => "ERR",
        LogLevel.Warning => "WRN",
        LogLevel.Information => "INF",
        _ => "DBG",
    };
}

/// <summary>One long step of a run; <see cref="Done"/> when it worked, dispose in any case.</summary>
public sealed class ProgressStep : Terraform.ILongStep
{
    private readonly RunLog _log;
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private Task? _live;
    private string? _result;

    internal ProgressStep(RunLog log, string title, bool live)
    {
        _log = log;
        Title = title;
        IsLive = live;
    }

    public string Title { get; }

    public bool IsLive { get; }

    /// <summary>Started inside another step: its title and result go to the log file only.</summary>
    internal bool Nested { get; init; }

    /// <summary>The step's latest output line (shown on the live line).</summary>
    internal string? Latest { get; set; }

    /// <summary>The step worked; <paramref name="detail"/> joins the result line.</summary>
    public void Done(string? detail = null) => _result = detail ?? string.Empty;

    public void Dispose()
    {
        _stop.Cancel();
        _live?.Wait();
        _stop.Dispose();
        var seconds = _clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        var failed = _result is null;
        var line = failed
            ? $"{Title}: failed after {seconds}s"
            : $"{Title}: done in {seconds}s{(_result!.Length == 0 ? string.Empty : "; " + _result)}";
        _log.EndStep(this, line, failed);
    }

    internal void StartLive() =>
        _live = Task.Run(() =>
            AnsiConsole.Status().Start(Markup.Escape(Title), context =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    var latest = Latest is { } l ? " " + (l.Length > 70 ? l[..70] + "..." : l) : string.Empty;
                    context.Status(Markup.Escape($"{Title} ({_clock.Elapsed.TotalSeconds:0}s){latest}"));
                    _stop.Token.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(200));
                }
            }));
}

/// <summary>Progress steps on any ICakeLog: one without a run log (tests, tools) writes plain lines to it.</summary>
public static class ProgressLog
{
    public static ProgressStep Step(this ICakeLog log, string title) => (log as RunLog ?? new RunLog(log)).Step(title);
}
