using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Configuration;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Terraform;

namespace TableOrder.Build;

/// <summary>
/// The context every task receives. Arguments are parsed once, here, before the first task
/// body runs: a wrong argument stops the build with one clear error and nothing done.
/// Services that touch the outside world are made on first use, so --dryrun and --tree touch nothing.
/// </summary>
public sealed class BuildContext : FrostingContext
{
    private TerraformCli? _terraform;

    public BuildContext(ICakeContext context)
        : base(context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Options = BuildArguments.Parse(
            context.Arguments.GetArguments().ToDictionary(a => a.Key, a => a.Value.LastOrDefault(), StringComparer.OrdinalIgnoreCase),
            [.. context.Arguments.GetArguments("target")],
            System.Environment.GetEnvironmentVariable,
            context.Environment.WorkingDirectory.FullPath);
    }

    public BuildOptions Options { get; }

    public bool IsProduction => Options.Environment == DeploymentEnvironment.Production;

    /// <summary>Every secret the build has seen; log lines pass through it.</summary>
    public SecretMasker Masker { get; } = new();

    /// <summary>Terraform in the root module folder, version-checked, with the provider mirror if one is found.</summary>
    public TerraformCli Terraform => _terraform ??= CreateTerraform(Options.Terraform.WorkingDirectory);

    /// <summary>The plan that the Plan task saved in this run, for Provision to apply.</summary>
    public PlanResult? PlanResult { get; set; }

    private string OutputsFile => Path.Combine(Options.StateDirectory, "terraform-outputs.json");

    /// <summary>Keeps the outputs for later tasks and runs (they hold no secrets: the password stays in Secrets Manager).</summary>
    public void SaveOutputs(TerraformOutputs outputs)
    {
        Directory.CreateDirectory(Options.StateDirectory);
        File.WriteAllText(OutputsFile, System.Text.Json.JsonSerializer.Serialize(outputs, OutputsJson));
    }

    /// <summary>The outputs the last Provision or Outputs saved; null when there are none yet.</summary>
    public TerraformOutputs? LoadOutputs() =>
        File.Exists(OutputsFile) ? System.Text.Json.JsonSerializer.Deserialize<TerraformOutputs>(File.ReadAllText(OutputsFile), OutputsJson) : null;

    private static readonly System.Text.Json.JsonSerializerOptions OutputsJson = new() { WriteIndented = true };

    public TerraformCli CreateTerraform(string workingDirectory)
    {
        var mirror = Options.Terraform.MirrorDirectory;
        if (mirror is null)
        {
            var home = System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);
            mirror = ProviderMirror.Discover(
                ProviderMirror.CandidateFolders(home, System.Environment.GetEnvironmentVariable),
                ProviderMirror.SearchRoots(home));
        }

        string? cliConfig = null;
        if (mirror is null)
        {
            Log.Information("Terraform providers: no local mirror found; terraform installs them from its registry.");
        }
        else
        {
            cliConfig = ProviderMirror.WriteCliConfig(mirror, Options.StateRoot);
            Log.Information("Terraform providers: from the local mirror {0} only.", mirror);
        }

        var terraform = new TerraformCli(FileSystem, Environment, ProcessRunner, Tools, Log, Masker, workingDirectory, cliConfig);
        var version = terraform.EnsureSupportedVersion();
        Log.Verbose("terraform {0}", version.Version);
        return terraform;
    }
}
