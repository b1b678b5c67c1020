using System.Diagnostics;
using System.Text.RegularExpressions;
using TableOrder.Build.IntegrationTests.Support;
using TableOrder.Build.Terraform;
using Xunit;

namespace TableOrder.Build.IntegrationTests.Terraform;

/// <summary>
/// The scaled-out servers' first-boot script as the real terraform renders it from
/// terraform/modules/compute (terraform console on a small root that uses the module, offline),
/// checked as the shell script it is: bash -n and shellcheck. It is a server's root script, so it
/// is never run here.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class ScaleOutUserDataTests : IDisposable
{
    private const string Bucket = "table-order-releases-123456789012";

    private readonly TempDirectory _temp = new("scale-out-user-data");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void The_rendered_script_is_valid_bash_and_shellcheck_clean()
    {
        var script = Render();
        var file = _temp.WriteFile("user-data.sh", script);

        var syntax = Run("bash", ["-n", file], input: null, workingDirectory: _temp.Path);
        Assert.True(syntax.Code == 0, syntax.Error);

        var lint = Run("shellcheck", ["-s", "bash", file], input: null, workingDirectory: _temp.Path);
        Assert.True(lint.Code == 0, lint.Output);
    }

    [Fact]
    public void The_script_reads_the_release_bucket_under_releases_only()
    {
        var script = Render();

        Assert.Contains($"s3=\"s3://{Bucket}/releases\"", script, StringComparison.Ordinal);
        var urls = S3Url().Matches(script).Select(m => m.Value).ToList();
        Assert.NotEmpty(urls);
        Assert.All(urls, url => Assert.StartsWith($"s3://{Bucket}/releases", url, StringComparison.Ordinal));
    }

    private string Render()
    {
        _temp.CopyIn(Path.Combine(RepositoryRoot.Terraform, "modules"), "modules");
        _temp.WriteFile("root/main.tf", $$"""
            module "compute" {
              source                = "../modules/compute"
              name_prefix           = "table-order"
              ami_id                = "ami-0123456789abcdef0"
              instance_type         = "t3.medium"
              root_volume_size      = 30
              subnet_id             = "subnet-00000000public"
              security_group_ids    = ["sg-00000000000000ec2"]
              key_pair_name         = "table-order-key"
              instance_profile_name = "table-order-ec2-profile"
              scale_out             = true
              release_bucket_name   = "{{Bucket}}"
              region                = "ap-northeast-2"
            }
            """);
        var root = _temp.Combine("root");
        var cliConfig = ProviderMirror.WriteCliConfig(TerraformHarness.Mirror, _temp.Combine("state"));
        new TerraformHarness().Create(root, cliConfig).Init(new TerraformInitSettings { Backend = false });

        var console = Run("terraform", ["console"], "module.compute.fleet_user_data\n", root, new() { ["TF_CLI_CONFIG_FILE"] = cliConfig });
        Assert.True(console.Code == 0, console.Error);

        // A multi-line string prints as a heredoc: <<EOT ... EOT.
        var lines = console.Output.TrimEnd('\n').Split('\n');
        Assert.Equal("<<EOT", lines[0]);
        Assert.Equal("EOT", lines[^1]);
        return string.Join('\n', lines[1..^1]) + "\n";
    }

    private static (int Code, string Output, string Error) Run(string program, string[] arguments, string? input, string workingDirectory, Dictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? [])
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Write(input ?? string.Empty);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error.Result);
    }

    [GeneratedRegex(@"s3://[^\s""']+")]
    private static partial Regex S3Url();
}
