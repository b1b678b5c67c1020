using Cake.Core;
using Cake.Core.Diagnostics;
using TableOrder.Build.Configuration;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Terraform;

namespace TableOrder.Build.Environments;

/// <summary>Terraform for a module folder: version-checked, with the provider mirror when one is found.</summary>
public static class TerraformTool
{
    public static TerraformCli Create(ICakeContext cake, BuildOptions options, SecretMasker masker, string workingDirectory)
    {
        ArgumentNullException.ThrowIfNull(cake);
        ArgumentNullException.ThrowIfNull(options);
        var mirror = options.Terraform.MirrorDirectory;
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
            cake.Log.Information("Terraform providers: no local mirror found; terraform installs them from its registry.");
        }
        else
        {
            cliConfig = ProviderMirror.WriteCliConfig(mirror, options.StateRoot);
            cake.Log.Verbose("Terraform providers: from the local mirror {0} only.", mirror);
        }

        var terraform = new TerraformCli(cake.FileSystem, cake.Environment, cake.ProcessRunner, cake.Tools, cake.Log, masker, workingDirectory, cliConfig, title => cake.Log.Step(title))
        {
            Stopping = Signals.Interruption.Process.Token,
            Running = command => Signals.InterruptPoints.Reached("terraform:" + command),
        };
        var version = terraform.EnsureSupportedVersion();
        cake.Log.Verbose("terraform {0}", version.Version);
        return terraform;
    }

    /// <summary>init for a plan or an apply: providers checked against the module's committed lock file when it has one, which init never rewrites.</summary>
    public static TerraformInitSettings InitSettings(string workingDirectory, string? backendConfigFile) => new()
    {
        BackendConfigFile = backendConfigFile,
        LockfileReadonly = File.Exists(Path.Combine(workingDirectory, ".terraform.lock.hcl")),
    };
}
