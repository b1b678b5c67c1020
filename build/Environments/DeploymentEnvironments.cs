using Cake.Core;
using TableOrder.Build.Configuration;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Local;

namespace TableOrder.Build.Environments;

/// <summary>The one place that turns --environment into an implementation of the seam.</summary>
public static class DeploymentEnvironments
{
    public static IDeploymentEnvironment Create(ICakeContext cake, BuildOptions options, SecretMasker masker)
    {
        ArgumentNullException.ThrowIfNull(cake);
        ArgumentNullException.ThrowIfNull(options);
        return options.Environment switch
        {
            DeploymentEnvironment.Local => new LocalDeployment(options, LocalStack(cake, options, masker), cake.Log, masker),
            DeploymentEnvironment.Production => new ProductionDeployment(cake, options, masker),
            DeploymentEnvironment.Rehearsal => new ProductionDeployment(cake, options, masker, Sites.Create(DeploymentEnvironment.Rehearsal, cake, options, masker)),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Environment, "No such environment."),
        };
    }

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
}
