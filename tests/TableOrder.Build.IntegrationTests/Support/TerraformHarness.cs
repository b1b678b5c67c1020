using Cake.Core;
using Cake.Core.Configuration;
using Cake.Core.IO;
using Cake.Core.Tooling;
using TableOrder.Build.Configuration;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Terraform;
using Xunit.Abstractions;

namespace TableOrder.Build.IntegrationTests.Support;

/// <summary>
/// The real TerraformCli, built from Cake.Core's real file system, environment, process runner and
/// tool locator (what BuildContext.CreateTerraform gets from the Cake context), logging to a recording log.
/// </summary>
internal sealed class TerraformHarness
{
    public TerraformHarness(ITestOutputHelper? output = null)
    {
        Log = new RecordingLog(output);
        Environment = new CakeEnvironment(new CakePlatform(), new CakeRuntime());
        FileSystem = new FileSystem();
        var configuration = new CakeConfiguration(new Dictionary<string, string>());
        var globber = new Globber(FileSystem, Environment);
        Tools = new ToolLocator(
            Environment,
            new ToolRepository(Environment),
            new ToolResolutionStrategy(FileSystem, Environment, globber, configuration, Log));
        ProcessRunner = new ProcessRunner(FileSystem, Environment, Log, Tools, configuration);
    }

    public RecordingLog Log { get; }

    public SecretMasker Masker { get; } = new();

    public ICakeEnvironment Environment { get; }

    public IFileSystem FileSystem { get; }

    public IToolLocator Tools { get; }

    public IProcessRunner ProcessRunner { get; }

    /// <summary>The machine's provider mirror, found the way the build finds it (no hard-coded path).</summary>
    public static string Mirror { get; } = FindMirror();

    public TerraformCli Create(string workingDirectory, string? cliConfigFile) =>
        new(FileSystem, Environment, ProcessRunner, Tools, Log, Masker, workingDirectory, cliConfigFile);

    /// <summary>Writes the mirror-only CLI config into <paramref name="stateRoot"/> and returns a TerraformCli that uses it.</summary>
    public TerraformCli CreateWithMirror(string workingDirectory, string stateRoot) =>
        Create(workingDirectory, ProviderMirror.WriteCliConfig(Mirror, stateRoot));

    private static string FindMirror()
    {
        if (System.Environment.GetEnvironmentVariable(BuildArguments.MirrorVariable) is { Length: > 0 } named && ProviderMirror.IsMirror(named))
        {
            return named;
        }

        var home = System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);
        return ProviderMirror.Discover(
                ProviderMirror.CandidateFolders(home, System.Environment.GetEnvironmentVariable),
                ProviderMirror.SearchRoots(home))
            ?? throw new InvalidOperationException(
                $"No terraform provider mirror on this machine. The integration tests run offline: set {BuildArguments.MirrorVariable} to a folder that holds registry.terraform.io/hashicorp/aws/.");
    }
}
