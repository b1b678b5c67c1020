using System.Diagnostics;
using TableOrder.Build.Local;
using TableOrder.Build.Tests.Aws;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Local;

/// <summary>
/// What stacks share (the machine image, the host's packages) is waited for, not raced: another
/// process holding the lock (flock(1), as a second build would) makes Wait wait until it lets go.
/// </summary>
[Trait("Category", "Unit")]
public sealed class LocalLockTests : IDisposable
{
    private readonly TempDirectory _state = new("local-lock");

    public void Dispose() => _state.Dispose();

    [Fact]
    public async Task Wait_returns_only_when_another_process_lets_go()
    {
        var path = _state.Combine("cache", "image.lock");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var other = HoldInAnotherProcess(path, seconds: 3);

        var waiting = Task.Run(() => LocalLock.Wait(path, "making the machine image", new RecordingLog(), TimeSpan.FromMinutes(1)));

        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(waiting.IsCompleted, "Wait took the lock while another process held it");
        await other.WaitForExitAsync();
        using var held = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Throws<LocalEnvironmentException>(() => LocalLock.Acquire(path));
    }

    [Fact]
    public void Wait_gives_up_after_its_timeout_naming_what_it_waited_for()
    {
        var path = _state.Combine("host-packages.lock");
        using var first = LocalLock.Acquire(path);

        var error = Assert.Throws<LocalEnvironmentException>(() => LocalLock.Wait(path, "installing host packages", new RecordingLog(), TimeSpan.FromMilliseconds(300)));

        Assert.Contains("installing host packages", error.Message, StringComparison.Ordinal);
        Assert.Contains($"pid {Environment.ProcessId}", error.Message, StringComparison.Ordinal);
    }

    private static Process HoldInAnotherProcess(string path, int seconds)
    {
        var flock = Process.Start(new ProcessStartInfo("flock", ["--exclusive", path, "sleep", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)])) ?? throw new InvalidOperationException("flock did not start");
        // flock(1) has the lock once the file is locked from another open file description.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var probe = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            }
            catch (FileNotFoundException)
            {
            }
            catch (IOException)
            {
                return flock;
            }

            Thread.Sleep(50);
        }

        throw new InvalidOperationException("flock did not take the lock");
    }
}
