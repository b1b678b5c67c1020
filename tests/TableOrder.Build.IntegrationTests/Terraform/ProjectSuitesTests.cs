using TableOrder.Build.IntegrationTests.Support;
using TableOrder.Build.Terraform;
using Xunit;
using Xunit.Abstractions;

namespace TableOrder.Build.IntegrationTests.Terraform;

/// <summary>
/// A copy of the repository's terraform/ folder, initialised once (offline, from the provider mirror),
/// so these runs never race another run's .terraform/ in the working tree. The CloudWatch agent's
/// configuration comes along at the same relative place: tests/monitoring.tftest.hcl reads it.
/// </summary>
public sealed class ProjectTerraformCopy : IDisposable
{
    private readonly TempDirectory _temp = new("project-suites");

    public ProjectTerraformCopy()
    {
        Harness = new TerraformHarness();
        Module = _temp.CopyIn(RepositoryRoot.Terraform, "terraform");
        _temp.CopyIn(Path.Combine(RepositoryRoot.Path, "app-deploy", "cloudwatch"), Path.Combine("app-deploy", "cloudwatch"));
        Terraform = Harness.CreateWithMirror(Module, _temp.Combine("state"));
        Terraform.EnsureSupportedVersion();
        Terraform.Init(new TerraformInitSettings { Backend = false });
    }

    internal TerraformHarness Harness { get; }

    public string Module { get; }

    public TerraformCli Terraform { get; }

    public void Dispose() => _temp.Dispose();
}

/// <summary>One test case per terraform/tests/*.tftest.hcl, so the results count every suite.</summary>
[Trait("Category", "Integration")]
public sealed class ProjectSuitesTests(ProjectTerraformCopy copy, ITestOutputHelper output) : IClassFixture<ProjectTerraformCopy>
{
    public static TheoryData<string> Suites()
    {
        var data = new TheoryData<string>();
        var folder = Path.Combine(RepositoryRoot.Terraform, "tests");
        foreach (var file in Directory.EnumerateFiles(folder, "*.tftest.hcl").Select(Path.GetFileName).Order(StringComparer.Ordinal))
        {
            data.Add(file!);
        }

        return data;
    }

    [Fact]
    public void There_are_suites_to_run()
    {
        Assert.NotEmpty(Suites());
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Suite_passes(string suite)
    {
        var settings = new TerraformTestSettings();
        settings.Filters.Add($"tests/{suite}");
        var before = copy.Harness.Log.Lines.Count;

        TestReport report;
        try
        {
            report = copy.Terraform.Test(settings);
        }
        finally
        {
            foreach (var line in copy.Harness.Log.Lines.Skip(before))
            {
                output.WriteLine(line);
            }
        }

        Assert.Equal(0, report.Failed);
        Assert.True(report.Passed > 0, $"tests/{suite}: no run passed ({report}).");
    }
}
