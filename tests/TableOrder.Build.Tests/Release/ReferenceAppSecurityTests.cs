using System.Diagnostics;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Release;

/// <summary>
/// The reference app's exposure rules (app/security.py: health details for loopback only, the staff
/// token for publishing) under python3 alone: tests/reference-app/test_security.py.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ReferenceAppSecurityTests
{
    [Fact]
    public async Task The_python_unit_tests_of_the_app_pass()
    {
        var info = new ProcessStartInfo("python3")
        {
            WorkingDirectory = RepositoryRoot.Path,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "-B", "-m", "unittest", "discover", "-s", "tests/reference-app", "-v" })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, errors + await output);
        Assert.Contains("OK", errors, StringComparison.Ordinal);
    }
}
