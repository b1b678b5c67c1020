using System.Reflection;
using Cake.Frosting;
using Cake.Frosting.Internal;

namespace TableOrder.Build.Configuration;

/// <summary>What a task of the build declares on its class: its name, the arguments it uses, whether it needs an AWS stack.</summary>
public sealed record TaskDeclaration(string Name, string Description, IReadOnlySet<string> Arguments, bool ActsOnAwsStack);

/// <summary>The build's tasks as their attributes declare them (which tasks a run reaches is Cake's to say).</summary>
public static class TaskDeclarations
{
    /// <summary>The tasks of this build (the assembly that holds BuildContext), by name.</summary>
    public static IReadOnlyList<TaskDeclaration> All { get; } = Of(typeof(BuildContext).Assembly.GetTypes());

    public static IReadOnlyList<TaskDeclaration> Of(IEnumerable<Type> types) =>
        [.. types
            .Where(t => typeof(IFrostingTask).IsAssignableFrom(t) && t is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false })
            .Select(t => new TaskDeclaration(
                TaskNames.Of(t),
                t.GetCustomAttribute<TaskDescriptionAttribute>()?.Description ?? string.Empty,
                t.GetCustomAttributes<UsesArgumentsAttribute>().SelectMany(a => a.Names).ToHashSet(StringComparer.OrdinalIgnoreCase),
                t.GetCustomAttribute<ActsOnAwsStackAttribute>() is not null))
            .OrderBy(t => t.Name, StringComparer.Ordinal)];

    public static TaskDeclaration? Find(string name) =>
        All.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The tasks that declare <paramref name="argument"/>, by name.</summary>
    public static IReadOnlyList<string> Using(string argument) =>
        [.. All.Where(t => t.Arguments.Contains(argument)).Select(t => t.Name)];
}
