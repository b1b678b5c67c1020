using System.Diagnostics;
using Xunit;

namespace TableOrder.Build.Tests.Support;

/// <summary>python3's unittest over one folder of the repository (test_*.py), as CI's image runs it.</summary>
internal static class PythonUnittest
{
    /// <summary>Runs every test of <paramref name="folder"/>, asserts they all passed, and returns unittest's report (its verbose listing).</summary>
    public static async Task<string> PassAsync(string folder)
    {
        var info = new ProcessStartInfo("python3")
        {
            WorkingDirectory = RepositoryRoot.Path,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "-B", "-m", "unittest", "discover", "-s", folder, "-v" })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var report = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, report + await output);
        Assert.Contains("OK", report, StringComparison.Ordinal);
        return report;
    }
}
