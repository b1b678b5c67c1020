using System.Reflection;
using Cake.Core;
using TableOrder.Build.Configuration;
using TableOrder.Build.Diagnostics;

namespace TableOrder.Build.Environments;

/// <summary>
/// Marks the <see cref="IProductionSite"/> of an environment that lives outside the tool: the
/// rehearsal's, compiled in from the repository's rehearsal/ folder when the build runs from a clone
/// (never in the packed tool). Production code does not name it; <see cref="Sites"/> finds it. Its
/// constructor takes (ICakeContext, BuildOptions, SecretMasker).
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class SiteForAttribute(string environment) : Attribute
{
    /// <summary>The environment's name, as its <see cref="DeploymentEnvironment"/> record says it.</summary>
    public string Environment { get; } = environment;
}

/// <summary>The sites this build has compiled in, by environment.</summary>
public static class Sites
{
    /// <summary>The site type marked for <paramref name="environment"/>; null when this build has none (the installed tool).</summary>
    public static Type? Find(string environment) =>
        typeof(Sites).Assembly.GetTypes().FirstOrDefault(t =>
            t.GetCustomAttribute<SiteForAttribute>()?.Environment == environment && typeof(IProductionSite).IsAssignableFrom(t));

    /// <summary>The site of the options' environment.</summary>
    public static IProductionSite Create(ICakeContext cake, BuildOptions options, SecretMasker masker)
    {
        ArgumentNullException.ThrowIfNull(options);
        var type = Find(options.EnvironmentName) ?? throw new BuildArgumentException(
            $"--environment={options.EnvironmentName} runs from a clone of the repository: its site and its AWS (moto) are not part of the installed tool. " +
            $"In the clone: dotnet run --project build -- --environment={options.EnvironmentName} --target=Deploy");
        return (IProductionSite)Activator.CreateInstance(type, cake, options, masker)!;
    }
}
