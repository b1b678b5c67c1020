using System.Globalization;
using System.Runtime.InteropServices;

namespace TableOrder.Build.Signals;

/// <summary>
/// Makes SIGINT and SIGTERM stop the build in order (<see cref="Interruption"/>), however the build
/// was started. A shell starts a background job (`cmd &amp;` in a script, `(cmd &amp;)`, nohup under
/// such a shell) with SIGINT ignored, and that disposition is inherited; .NET then never installs
/// its handler, so Ctrl-C or `kill -INT` would be lost and an interrupted Deploy would go on to
/// switch the release. A deploy asked to stop must stop: an inherited SIG_IGN of SIGINT is set back
/// to the default before .NET's signal handling starts (so the first line of Program), then .NET's
/// handler is registered, and the kernel's own record (/proc/self/status SigCgt) proves it is caught.
/// </summary>
public static partial class SignalListener
{
    private static readonly PosixSignal[] Stopping = [PosixSignal.SIGINT, PosixSignal.SIGTERM];

    /// <summary>What the build found when it started listening, for the log (null: nothing to say).</summary>
    public static string? Note { get; private set; }

    /// <summary>A stopping signal the process does not catch after all, for a warning (null: both are caught).</summary>
    public static string? Problem { get; private set; }

    /// <summary>
    /// Call first in Main (before anything writes to the console or starts a process: either
    /// starts .NET's signal handling, which keeps an ignored signal ignored for the life of the process).
    /// </summary>
    public static IDisposable Listen(Interruption interruption)
    {
        ArgumentNullException.ThrowIfNull(interruption);
        var notes = new List<string>();
        var status = ReadStatus();
        if (IsSet(status, "SigIgn", PosixSignal.SIGINT) && OperatingSystem.IsLinux())
        {
            // Only a disposition of SIG_IGN is changed (signal() returns the old one: put it back if it was not).
            var old = SetDisposition(Interruption.SignalNumber(PosixSignal.SIGINT), SigDfl);
            if (old != SigIgn)
            {
                SetDisposition(Interruption.SignalNumber(PosixSignal.SIGINT), old);
            }

            notes.Add("SIGINT was ignored by the process that started the build (a background job); the build listens to it anyway");
        }

        var registrations = Stopping
            .Select(signal => PosixSignalRegistration.Create(signal, context => context.Cancel = interruption.Request(context.Signal)))
            .ToList();

        status = ReadStatus();
        var deaf = Stopping.Where(s => status is not null && !IsSet(status, "SigCgt", s)).ToList();
        Problem = deaf.Count == 0
            ? null
            : $"{string.Join(" and ", deaf)} is not caught in this process (.NET's signal handling started before the build could listen): it will not stop the run in order.";
        Note = notes.Count == 0 ? null : string.Join("; ", notes) + ".";
        return new Registrations(registrations);
    }

    /// <summary>True when <paramref name="signal"/>'s bit is set in a mask line of /proc/self/status (SigIgn, SigCgt, SigBlk).</summary>
    public static bool IsSet(string? status, string mask, PosixSignal signal)
    {
        var line = status?.Split('\n').FirstOrDefault(l => l.StartsWith(mask + ":", StringComparison.Ordinal));
        if (line is null || !ulong.TryParse(line[(mask.Length + 1)..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var bits))
        {
            return false;
        }

        return (bits & (1UL << (Interruption.SignalNumber(signal) - 1))) != 0;
    }

    /// <summary>Sends <paramref name="signal"/> to a process (this one too), as `kill` would.</summary>
    public static void Send(int pid, PosixSignal signal)
    {
        if (Kill(pid, Interruption.SignalNumber(signal)) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    private static string? ReadStatus()
    {
        try
        {
            return File.ReadAllText("/proc/self/status");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static readonly nint SigDfl = 0;
    private static readonly nint SigIgn = 1;

    [LibraryImport("libc", EntryPoint = "signal", SetLastError = true)]
    private static partial nint SetDisposition(int signal, nint handler);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    private sealed class Registrations(List<PosixSignalRegistration> registrations) : IDisposable
    {
        public void Dispose() => registrations.ForEach(r => r.Dispose());
    }
}
