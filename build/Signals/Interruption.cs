using System.Runtime.InteropServices;

namespace TableOrder.Build.Signals;

/// <summary>
/// The run was asked to stop (SIGINT or SIGTERM). The first signal cancels <see cref="Token"/>: every
/// remote command, terraform run, local process and wait of the build watches it, so the running
/// task stops where it is; the lifetime then releases the deploy lock and writes the run summary.
/// A second signal is not taken: the process ends at once with the signal's default action.
/// </summary>
public sealed class Interruption : IDisposable
{
    private static readonly AsyncLocal<bool> InCleanup = new();
    private readonly CancellationTokenSource _source = new();
    private readonly Lock _gate = new();
    private PosixSignal? _signal;

    /// <summary>This process's interruption: signals reach the whole process, so there is one.</summary>
    public static Interruption Process { get; } = new();

    /// <summary>Raised once, on the thread that took the signal, when the first signal is taken.</summary>
    public event Action<PosixSignal>? Requested;

    /// <summary>The signal that stopped the run; null while nothing asked it to stop.</summary>
    public PosixSignal? Signal
    {
        get
        {
            lock (_gate)
            {
                return _signal;
            }
        }
    }

    public bool IsRequested => Signal is not null;

    /// <summary>
    /// Cancelled by the first signal; never cancelled inside <see cref="Cleanup"/>, whose work (the
    /// lock's release, the audit line) must run after the task stopped.
    /// </summary>
    public CancellationToken Token => InCleanup.Value ? CancellationToken.None : _source.Token;

    /// <summary>The process exit code of a run stopped by <paramref name="signal"/>, as a shell reports it (130, 143).</summary>
    public static int ExitCode(PosixSignal signal) => 128 + SignalNumber(signal);

    public static int SignalNumber(PosixSignal signal) =>
        signal switch
        {
            PosixSignal.SIGHUP => 1,
            PosixSignal.SIGINT => 2,
            PosixSignal.SIGQUIT => 3,
            PosixSignal.SIGTERM => 15,
            _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, "not a signal that stops the build"),
        };

    /// <summary>Takes a signal: true for the first (the run stops in order), false for any later one (stop at once).</summary>
    public bool Request(PosixSignal signal)
    {
        lock (_gate)
        {
            if (_signal is not null)
            {
                return false;
            }

            _signal = signal;
        }

        Requested?.Invoke(signal);
        _source.Cancel();
        return true;
    }

    /// <summary>Throws the run's interruption when a signal came (at a task boundary, between steps).</summary>
    public void ThrowIfRequested()
    {
        if (!InCleanup.Value && Signal is { } signal)
        {
            throw new BuildInterruptedException(signal);
        }
    }

    /// <summary>A token that is cancelled by <paramref name="token"/> or by the interruption; dispose it after use.</summary>
    public CancellationTokenSource Linked(CancellationToken token) => CancellationTokenSource.CreateLinkedTokenSource(token, Token);

    /// <summary>
    /// Work that must run after the task stopped (releasing the lock, recording the run): the
    /// interruption does not cancel it. Flows into every await below it.
    /// </summary>
    public static IDisposable Cleanup()
    {
        var outer = InCleanup.Value;
        InCleanup.Value = true;
        return new Restore(() => InCleanup.Value = outer);
    }

    public void Dispose() => _source.Dispose();

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}

/// <summary>The run was stopped by a signal; its message names the signal.</summary>
public sealed class BuildInterruptedException(PosixSignal signal)
    : OperationCanceledException($"interrupted by {signal}")
{
    public PosixSignal Signal { get; } = signal;
}
