namespace TableOrder.Build.Local;

/// <summary>Polling for something on this machine to become true (a pid file, a listening port).</summary>
public static class Waiting
{
    public static void Until(Func<bool> condition, TimeSpan timeout, string failure)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new LocalEnvironmentException(failure);
            }

            Thread.Sleep(200);
        }
    }
}
