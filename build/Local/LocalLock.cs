namespace TableOrder.Build.Local;

/// <summary>One build at a time per local environment: a second one fails at once, naming the first.</summary>
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

    public void Dispose() => _stream.Dispose();

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
