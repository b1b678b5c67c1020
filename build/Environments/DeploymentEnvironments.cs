using Cake.Core;
using TableOrder.Build.Configuration;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Local;

namespace TableOrder.Build.Environments;

/// <summary>
/// The environments of the build, one record each: adding one is one record here plus its site
/// (an <see cref="IProductionSite"/>) when its AWS is not production's. The first is the default.
/// </summary>
public static class DeploymentEnvironments
{
    public static readonly DeploymentEnvironment Local = new("local", "this machine: PostgreSQL, Redis and a Debian 13 machine (the default)")
    {
        TakesServerCount = true,
        DefaultSshKey = LocalLoginKey,
        Create = (cake, options, masker) => new LocalDeployment(options, LocalStack(cake, options, masker), cake.Log, masker),
    };

    /// <summary>Production's code path on this machine: AWS APIs answered by moto, the local stack's machines as the instances.</summary>
    public static readonly DeploymentEnvironment Rehearsal = new("rehearsal", "production's code path on this machine against an AWS of its own (moto, from a clone of the repository), its instances machines here")
    {
        HasAwsStack = true,
        RebuildNeedsConfirmation = true,
        TakesServerCount = true,
        // its instances' key pair is made from the local stack's login key
        DefaultSshKey = LocalLoginKey,
        Create = (cake, options, masker) => new ProductionDeployment(cake, options, masker, Sites.Create(cake, options, masker)),
    };

    public static readonly DeploymentEnvironment Production = new("production", "AWS, through terraform; always named explicitly")
    {
        HasAwsStack = true,
        RebuildNeedsConfirmation = true,
        ConventionalVarFile = Path.Combine("environments", "production", "terraform.tfvars"),
        Create = (cake, options, masker) => new ProductionDeployment(cake, options, masker),
    };

    /// <summary>Every environment, in the order --help names them; the first is the default of --environment.</summary>
    public static readonly IReadOnlyList<DeploymentEnvironment> All = [Local, Rehearsal, Production];

    /// <summary>The local stack of the options' state folder.</summary>
    public static LocalEnvironment LocalStack(ICakeContext cake, BuildOptions options, SecretMasker masker)
    {
        ArgumentNullException.ThrowIfNull(cake);
        ArgumentNullException.ThrowIfNull(options);
        return new LocalEnvironment(
            new LocalLayout(options.StateDirectory, LocalLayout.CacheFor(options.RootDirectory), options.RootDirectory) { DebianMirror = options.DebianMirror },
            cake.Log,
            masker);
    }

    /// <summary>The login key the clone's local machines trust (made with the first machine image).</summary>
    private static string LocalLoginKey(string repositoryRoot) => LocalLayout.LoginKeyIn(LocalLayout.CacheFor(repositoryRoot));
}
