using TableOrder.Build.IntegrationTests.Support;
using TableOrder.Build.Signals;
using Xunit;
using Xunit.Abstractions;

namespace TableOrder.Build.IntegrationTests.Terraform;

/// <summary>
/// Ctrl-C while terraform runs: the build sends terraform SIGINT (as a terminal would), waits for it
/// to stop, and exits as the signal does, with nothing of terraform left running. No stack needed.
/// </summary>
[Trait("Category", "Integration")]
public sealed class TerraformInterruptTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Validate_interrupted_inside_terraform_test_stops_terraform()
    {
        var interrupted = await BuildRun.RunAsync(
            TimeSpan.FromMinutes(10),
            new Dictionary<string, string?> { [InterruptPoints.PointVariable] = "terraform:test" },
            "--target=Validate");
        output.WriteLine(interrupted.ToString());

        Assert.Equal(130, interrupted.ExitCode);
        Assert.Equal("SIGINT", interrupted.Run.InterruptedBy);
        Assert.Equal("Validate", interrupted.Run.InterruptedTask);
        Assert.Equal("interrupted", interrupted.Run.Status("Validate"));
        Assert.Empty(TerraformProcessesIn(Path.Combine(RepositoryRoot.Path, "terraform")));
    }

    /// <summary>terraform (or a provider it started) still running in <paramref name="directory"/>.</summary>
    private static List<string> TerraformProcessesIn(string directory) =>
        [.. Directory.GetDirectories("/proc")
            .Where(p => int.TryParse(Path.GetFileName(p), out _))
            .Select(p => (Name: Read(Path.Combine(p, "comm")), Cwd: Link(Path.Combine(p, "cwd"))))
            .Where(p => p.Name.StartsWith("terraform", StringComparison.Ordinal) && p.Cwd?.StartsWith(directory, StringComparison.Ordinal) == true)
            .Select(p => $"{p.Name} in {p.Cwd}")];

    private static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    private static string? Link(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
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
}
