using System.Globalization;
using Cake.Core.Diagnostics;
using Xunit.Abstractions;

namespace TableOrder.Build.IntegrationTests.Support;

/// <summary>A Cake log that keeps every line, at every verbosity, so tests can read what would have been printed.</summary>
internal sealed class RecordingLog(ITestOutputHelper? output = null) : ICakeLog
{
    private readonly List<string> _lines = [];

    public Verbosity Verbosity { get; set; } = Verbosity.Diagnostic;

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public string Text => string.Join('\n', Lines);

    public void Write(Verbosity verbosity, LogLevel level, string format, params object[] args)
    {
        var text = args is { Length: > 0 } ? string.Format(CultureInfo.InvariantCulture, format, args) : format;
        var line = $"[{level}] {text}";
        lock (_lines)
        {
            _lines.Add(line);
        }

        try
        {
            output?.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // The test already finished (a class fixture outlives its tests).
        }
    }
}
