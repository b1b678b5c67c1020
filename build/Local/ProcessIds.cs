using System.Diagnostics;

namespace TableOrder.Build.Local;

/// <summary>Pid files of the processes the local environment started.</summary>
public static class ProcessIds
{
    /// <summary>The pid in the file when that process is alive and is the expected program; otherwise null.</summary>
    public static int? ReadAlive(string pidFile, string expectedProgram)
    {
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
        {
            return null;
        }

        var comm = $"/proc/{pid}/comm";
        return File.Exists(comm) && File.ReadAllText(comm).Trim().StartsWith(expectedProgram[..Math.Min(expectedProgram.Length, 15)], StringComparison.Ordinal)
            ? pid
            : null;
    }

    /// <summary>SIGTERM, wait, then SIGKILL if it is still there.</summary>
    public static void Terminate(int pid, TimeSpan grace)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            Signal(pid, "TERM");
            if (!process.WaitForExit(grace))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (ArgumentException)
        {
            // already gone
        }
    }

    public static void Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-s", signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false });
        kill?.WaitForExit();
    }
}
