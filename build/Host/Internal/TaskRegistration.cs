using System.Reflection;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace Cake.Frosting.Internal;

/// <summary>
/// Turns task classes into Cake engine tasks the way Cake.Frosting does: a body, criteria,
/// error handler or finally block is registered only when the class overrides it.
/// </summary>
internal static class TaskRegistration
{
    public static void Register(
        ICakeEngine engine,
        IFrostingContext context,
        ICakeLog log,
        IEnumerable<IFrostingTask> tasks,
        IFrostingLifetime? lifetime,
        IFrostingTaskLifetime? taskLifetime)
    {
        foreach (var task in tasks.OrderBy(TaskNames.Of, StringComparer.Ordinal))
        {
            RegisterTask(engine, context, log, task);
        }

        if (lifetime is not null)
        {
            engine.RegisterSetupAction(info => lifetime.Setup(context, info));
            engine.RegisterTeardownAction(info => lifetime.Teardown(context, info));
        }

        if (taskLifetime is not null)
        {
            engine.RegisterTaskSetupAction(info => taskLifetime.Setup(context, info));
            engine.RegisterTaskTeardownAction(info => taskLifetime.Teardown(context, info));
        }
    }

    private static void RegisterTask(ICakeEngine engine, IFrostingContext context, ICakeLog log, IFrostingTask task)
    {
        var type = task.GetType();
        var name = TaskNames.Of(task);
        if (!task.ContextType.IsInstanceOfType(context))
        {
            log.Warning("Task {0} cannot be used: the context is not a {1}.", name, task.ContextType.Name);
            return;
        }

        log.Debug("Registering task: {0}", name);
        var builder = engine.RegisterTask(name);
        if (type.GetCustomAttribute<TaskDescriptionAttribute>() is { } description)
        {
            builder.Description(description.Description);
        }

        if (Overrides(type, "Run") || Overrides(type, "RunAsync"))
        {
            builder.Does(() => task.RunAsync(context));
        }

        if (Overrides(type, "ShouldRun"))
        {
            builder.WithCriteria(() => task.ShouldRun(context), $"{name}: nothing to do.");
        }

        if (type.GetCustomAttribute<ContinueOnErrorAttribute>() is not null)
        {
            builder.ContinueOnError();
        }

        // A registered error handler marks the error handled; only register one that exists.
        if (Overrides(type, "OnError"))
        {
            builder.OnError(exception => task.OnError(exception, context));
        }

        if (Overrides(type, "Finally"))
        {
            builder.Finally(() => task.Finally(context));
        }

        RegisterDependencies(builder, type);
    }

    /// <summary>The task's place in Cake's graph, from its IsDependentOn and IsDependeeOf attributes.</summary>
    internal static void RegisterDependencies(CakeTaskBuilder builder, Type type)
    {
        foreach (var dependency in type.GetCustomAttributes<IsDependentOnAttribute>())
        {
            builder.IsDependentOn(TaskNames.Of(dependency.Task));
        }

        foreach (var dependee in type.GetCustomAttributes<IsDependeeOfAttribute>())
        {
            builder.IsDependeeOf(TaskNames.Of(dependee.Task));
        }
    }

    /// <summary>True when a class between the task and Frosting's base classes declares the method.</summary>
    private static bool Overrides(Type type, string method)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (current.IsGenericType)
            {
                var definition = current.GetGenericTypeDefinition();
                if (definition == typeof(FrostingTask<>) || definition == typeof(AsyncFrostingTask<>))
                {
                    return false;
                }
            }

            if (current.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).Any(m => m.Name == method))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>A task's name: its [TaskName], else its class name.</summary>
internal static class TaskNames
{
    public static string Of(IFrostingTask task) => Of(task.GetType());

    public static string Of(Type type)
    {
        if (!typeof(IFrostingTask).IsAssignableFrom(type))
        {
            throw new CakeException($"The dependency '{type.Name}' is not a task.");
        }

        return type.GetCustomAttribute<TaskNameAttribute>()?.Name ?? type.Name;
    }
}
