using System.Collections.Concurrent;
using System.Globalization;
using Amazon.Runtime;
using Cake.Core.Diagnostics;
using TableOrder.Build.Aws;

namespace TableOrder.Build.Tests.Aws;

/// <summary>Keeps what the code under test logged, formatted, for assertions.</summary>
internal sealed class RecordingLog : ICakeLog
{
    public ConcurrentQueue<(LogLevel Level, string Text)> Lines { get; } = new();

    public Verbosity Verbosity { get; set; } = Verbosity.Diagnostic;

    public string Text => string.Join('\n', Lines.Select(l => l.Text));

    public void Write(Verbosity verbosity, LogLevel level, string format, params object[] args) =>
        Lines.Enqueue((level, args.Length == 0 ? format : string.Format(CultureInfo.InvariantCulture, format, args)));
}

/// <summary>Real SDK clients pointed at the stand-ins, with fake credentials.</summary>
internal static class StandInClients
{
    public const string Region = "ap-northeast-2";

    public static AWSCredentials Credentials { get; } = new BasicAWSCredentials("test", "test");

    /// <summary>Polls of milliseconds: the tests wait for nothing real.</summary>
    public static Polling Fast { get; } = new(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(20));
}
