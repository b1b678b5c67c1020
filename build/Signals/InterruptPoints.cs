using System.Runtime.InteropServices;

namespace TableOrder.Build.Signals;

/// <summary>
/// Test-only, deterministic interruptions: with TABLEORDER_TEST_INTERRUPT_AT set to a point's name,
/// the build sends itself a real signal (SIGINT, or TABLEORDER_TEST_INTERRUPT_SIGNAL=SIGTERM) through
/// the kernel when it reaches that point, then waits until the signal was taken, so the step that
/// runs there sees the interruption. A signal the process does not catch is not waited for: the run
/// goes on (or ends, by the signal's default action), as it would for a user.
/// <para>Points: <c>task:&lt;Task&gt;</c> (before the task's body: a task boundary),
/// <c>remote:&lt;words&gt;</c> (a command runs on the server and wrote a line: the words are looked for in
/// "&lt;its description&gt;: &lt;the line&gt;"; with the scripts' <c>--stop-at pause:NAME</c>, "pausing at 'NAME'" is a line),
/// <c>terraform:&lt;command&gt;</c> (terraform runs and wrote its first line),
/// <c>local:&lt;program&gt;</c> (a program on this machine runs and wrote its first line),
/// <c>wait:&lt;what&gt;</c> (a wait on this machine polls).</para>
/// </summary>
public static class InterruptPoints
{
    public const string PointVariable = "TABLEORDER_TEST_INTERRUPT_AT";
    public const string SignalVariable = "TABLEORDER_TEST_INTERRUPT_SIGNAL";

    private static readonly Lock Gate = new();
    private static bool _fired;

    /// <summary>The point the build stops at, when the test variable names one.</summary>
    public static string? Point => Environment.GetEnvironmentVariable(PointVariable) is { Length: > 0 } point ? point : null;

    /// <summary>True when <paramref name="point"/> (e.g. "remote:bootstrap.sh") is where the test stops the build.</summary>
    public static bool Matches(string? wanted, string point) =>
        wanted?.Split(':', 2) is [var kind, var words] && point.Split(':', 2) is [var pointKind, var text] &&
        kind.Equals(pointKind, StringComparison.OrdinalIgnoreCase) && text.Contains(words, StringComparison.OrdinalIgnoreCase);

    /// <summary>Called where a point is reached; interrupts the run once when the test asks for it.</summary>
    public static void Reached(string point)
    {
        if (Point is not { } wanted || !Matches(wanted, point))
        {
            return;
        }

        lock (Gate)
        {
            if (_fired)
            {
                return;
            }

            _fired = true;
        }

        var signal = Environment.GetEnvironmentVariable(SignalVariable) switch
        {
            null or "" or "SIGINT" or "INT" => PosixSignal.SIGINT,
            "SIGTERM" or "TERM" => PosixSignal.SIGTERM,
            var other => throw new InvalidOperationException($"{SignalVariable}={other}: use SIGINT or SIGTERM."),
        };
        Console.Error.WriteLine($"test interrupt point '{point}': sending {signal} to this build (pid {Environment.ProcessId})");
        SignalListener.Send(Environment.ProcessId, signal);

        // The signal is taken on .NET's signal thread: wait for it, so what runs here sees it.
        Interruption.Process.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(10));
    }
}
