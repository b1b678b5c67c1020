using Cake.Core.Diagnostics;

namespace TableOrder.Build.Local;

/// <summary>
/// An OS-level file lock that dies with its process (no stale locks). One build at a time per local
/// environment (a second fails at once, naming the first); what stacks share on this host (the
/// machine image, the host's packages) is waited for instead.
/// </summary>
public sealed class LocalLock : IDisposable
{
    private readonly FileStream _stream;

    private LocalLock(FileStream stream) => _stream = stream;

    public static LocalLock Acquire(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            // FileShare.None takes an OS-level lock that dies with the process: no stale locks.
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            File.WriteAllText(path + ".holder", $"pid {Environment.ProcessId} since {DateTime.UtcNow:O}");
            return new LocalLock(stream);
        }
        catch (IOException)
        {
            var holder = TryRead(path);
            throw new LocalEnvironmentException(
                $"Another build is working on this local environment ({holder}). Wait for it to finish, or stop it, and run again.");
        }
    }

    /// <summary>
    /// Waits for the lock: another build on this host (another stack, a test fixture) may be making
    /// the same shared thing right now, and both must not make it at once.
    /// </summary>
    public static LocalLock Wait(string path, string what, ICakeLog log, TimeSpan timeout)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var nextNote = TimeSpan.Zero;
        while (true)
        {
            if (TryTake(path) is { } stream)
            {
                File.WriteAllText(path + ".holder", $"pid {Environment.ProcessId} since {DateTime.UtcNow:O}");
                return new LocalLock(stream);
            }

            if (waited.Elapsed >= timeout)
            {
                throw new LocalEnvironmentException(
                    $"Waited {timeout.TotalMinutes:0} min for another build that is {what} ({TryRead(path)}). Stop it, or wait for it, and run again.");
            }

            if (waited.Elapsed >= nextNote)
            {
                log.Information("Waiting for another build that is {0} ({1})", what, TryRead(path));
                nextNote = waited.Elapsed + TimeSpan.FromSeconds(30);
            }

            // Waiting for another build is a wait like any other: an interruption ends it.
            if (Signals.Interruption.Process.Token.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(500)))
            {
                Signals.Interruption.Process.Token.ThrowIfCancellationRequested();
            }
        }
    }

    public void Dispose() => _stream.Dispose();

    private static FileStream? TryTake(string path)
    {
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path + ".holder");
        }
        catch (IOException)
        {
            return "holder unknown";
        }
    }
}
