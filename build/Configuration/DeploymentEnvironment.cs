using Cake.Core;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Environments;

namespace TableOrder.Build.Configuration;

/// <summary>
/// One value of --environment, as data: its name (the state folder, the run summary and the
/// confirmations say it), what it can do and its defaults. The environments are the records of
/// <see cref="DeploymentEnvironments.All"/>; nothing asks which environment this is, only what it can do.
/// </summary>
/// <param name="Name">What --environment, --confirm-destroy and --confirm-rebuild type.</param>
/// <param name="Description">The line --help shows.</param>
public sealed record DeploymentEnvironment(string Name, string Description)
{
    /// <summary>
    /// Its stack is a terraform stack in an AWS (the account's, or one of its own): Plan, Outputs and
    /// Destroy act on it, SSM and server images exist there, and a host key may be pinned by hand.
    /// </summary>
    public bool HasAwsStack { get; init; }

    /// <summary>A Rebuild replaces a server that others use: it runs only when --confirm-rebuild names the environment.</summary>
    public bool RebuildNeedsConfirmation { get; init; }

    /// <summary>--servers chooses how many app servers it runs; false: terraform's app_server_count does.</summary>
    public bool TakesServerCount { get; init; }

    /// <summary>The --var-file used when none is given (relative to the terraform folder, taken when it exists); null: none.</summary>
    public string? ConventionalVarFile { get; init; }

    /// <summary>The SSH private key when --ssh-key is not given, from the repository root; null: over SSH, --ssh-key is required.</summary>
    public Func<string, string>? DefaultSshKey { get; init; }

    /// <summary>How the build reaches its servers when --transport is not given.</summary>
    public ServerTransport DefaultTransport { get; init; } = ServerTransport.Ssh;

    /// <summary>Its implementation of the seam (made on first use, so --dryrun touches nothing).</summary>
    public required Func<ICakeContext, BuildOptions, SecretMasker, IDeploymentEnvironment> Create { get; init; }
}
