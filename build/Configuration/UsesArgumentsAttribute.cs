namespace TableOrder.Build.Configuration;

/// <summary>
/// The build arguments a task reads (names as in <see cref="ArgumentCatalog"/>, without dashes). A run
/// takes an argument when a task Cake is about to run declares it; the README's table and --help say
/// which tasks do from these attributes.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class UsesArgumentsAttribute(params string[] names) : Attribute
{
    public IReadOnlyList<string> Names { get; } = names;
}

/// <summary>The task acts on the environment's AWS stack: it is a target only where the environment has one (<see cref="DeploymentEnvironment.HasAwsStack"/>).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ActsOnAwsStackAttribute : Attribute;
