using TableOrder.Build.Signals;

namespace TableOrder.Build.Local;

/// <summary>Polling for something on this machine to become true (a pid file, a listening port).</summary>
public static class Waiting
{
    /// <summary>Polls until <paramref name="condition"/> holds; an interruption of the build ends the wait.</summary>
    public static void Until(Func<bool> condition, TimeSpan timeout, string failure)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + timeout;
        var stopping = Interruption.Process.Token;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new LocalEnvironmentException(failure);
            }

            InterruptPoints.Reached("wait:" + failure);
            if (stopping.WaitHandle.WaitOne(200))
            {
                stopping.ThrowIfCancellationRequested();
            }
        }
    }
}
