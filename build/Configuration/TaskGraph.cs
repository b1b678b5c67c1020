using System.Reflection;
using Cake.Frosting;

namespace TableOrder.Build.Configuration;

/// <summary>
/// The build's tasks and what each depends on, read from the same attributes the host registers
/// (IsDependentOn, IsDependeeOf): which tasks a run of some targets reaches, so an argument can be
/// checked against the tasks that will use it, before any of them runs.
/// </summary>
public sealed class TaskGraph
{
    private readonly Dictionary<string, HashSet<string>> _dependencies;

    public TaskGraph(IEnumerable<Type> taskTypes)
    {
        ArgumentNullException.ThrowIfNull(taskTypes);
        _dependencies = new Dictionary<string, HashSet<string>>(StringComparer.OrdinalIgnoreCase);
        var types = taskTypes.ToList();
        foreach (var type in types)
        {
            Dependencies(NameOf(type)).UnionWith(type.GetCustomAttributes<IsDependentOnAttribute>().Select(a => NameOf(a.Task)));
        }

        foreach (var type in types)
        {
            foreach (var dependee in type.GetCustomAttributes<IsDependeeOfAttribute>())
            {
                Dependencies(NameOf(dependee.Task)).Add(NameOf(type));
            }
        }
    }

    /// <summary>The tasks of this build (the assembly that holds BuildContext).</summary>
    public static TaskGraph Build { get; } = new(
        typeof(BuildContext).Assembly.GetTypes().Where(t => typeof(IFrostingTask).IsAssignableFrom(t) && t is { IsClass: true, IsAbstract: false }));

    /// <summary>Task names as declared (TaskName), in declaration order.</summary>
    public IReadOnlyCollection<string> Names => _dependencies.Keys;

    public bool Contains(string name) => _dependencies.ContainsKey(name);

    /// <summary>The targets and every task they depend on, directly or not (names as declared).</summary>
    public IReadOnlySet<string> Reached(IEnumerable<string> targets)
    {
        var reached = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pending = new Stack<string>(targets);
        while (pending.TryPop(out var name))
        {
            if (_dependencies.TryGetValue(name, out var dependencies) && reached.Add(name))
            {
                foreach (var dependency in dependencies)
                {
                    pending.Push(dependency);
                }
            }
        }

        return reached;
    }

    private HashSet<string> Dependencies(string name)
    {
        if (!_dependencies.TryGetValue(name, out var set))
        {
            set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            _dependencies[name] = set;
        }

        return set;
    }

    private static string NameOf(Type type) => type.GetCustomAttribute<TaskNameAttribute>()?.Name ?? type.Name;
}
