using System.Reflection;
using Cake.Cli;
using Cake.Cli.Infrastructure;
using Cake.Core;
using Cake.Core.Configuration;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console.Cli;

namespace Cake.Frosting.Internal;

/// <summary>The one command: parse options, build the context, register tasks, run the targets.</summary>
internal sealed class HostCommand(IServiceCollection services) : Command<HostOptions>
{
    public override int Execute(CommandContext context, HostOptions options, CancellationToken cancellationToken)
    {
        services.AddSingleton<ICakeArguments>(context.Remaining.ToCakeArguments(false, options.Targets));
        services.AddSingleton(context.Remaining);

        using var provider = services.BuildServiceProvider();
        var log = provider.GetRequiredService<ICakeLog>();
        try
        {
            if (options.Version)
            {
                provider.GetRequiredService<VersionFeature>().Run(provider.GetRequiredService<IConsole>());
                return 0;
            }

            if (options.Info)
            {
                provider.GetRequiredService<InfoFeature>().Run(provider.GetRequiredService<IConsole>());
                return 0;
            }

            log.Verbosity = options.Verbosity ?? Verbosity.Normal;
            SetWorkingDirectory(provider, options);
            log.Verbosity = provider.GetRequiredService<ICakeConfiguration>().GetVerbosity(options.Verbosity);

            var engine = provider.GetRequiredService<ICakeEngine>();

            // The context is built here, before any task: bad arguments fail with nothing run.
            var frostingContext = provider.GetRequiredService<IFrostingContext>();
            TaskRegistration.Register(
                engine,
                frostingContext,
                log,
                provider.GetServices<IFrostingTask>(),
                provider.GetService<IFrostingLifetime>(),
                provider.GetService<IFrostingTaskLifetime>());

            RejectUnknownTargets(engine, options.Targets);
            var report = RunTargets(provider, options);
            report.GetAwaiter().GetResult();
            return 0;
        }
        catch (Exception ex)
        {
            return log.LogException(Unwrap(ex));
        }
    }

    private static Task<CakeReport> RunTargets(ServiceProvider provider, HostOptions options)
    {
        var targets = options.Targets.Length == 0 ? ["Default"] : options.Targets;
        if (options.Tree)
        {
            return provider.GetRequiredService<TreeScriptHost>().RunTargetsAsync(targets);
        }

        if (options.Description)
        {
            return provider.GetRequiredService<DescriptionScriptHost>().RunTargetsAsync(targets);
        }

        if (options.DryRun)
        {
            var dryRun = provider.GetRequiredService<DryRunScriptHost<IFrostingContext>>();
            ApplyExclusive(dryRun.Settings, options);
            return dryRun.RunTargetsAsync(targets);
        }

        var host = provider.GetRequiredService<BuildScriptHost<IFrostingContext>>();
        ApplyExclusive(host.Settings, options);
        return host.RunTargetsAsync(targets);
    }

    private static void RejectUnknownTargets(ICakeEngine engine, IEnumerable<string> targets)
    {
        var known = engine.Tasks.Select(t => t.Name).Order(StringComparer.Ordinal).ToList();
        foreach (var target in targets)
        {
            if (!known.Contains(target, StringComparer.OrdinalIgnoreCase))
            {
                throw new CakeException($"The target '{target}' was not found. Targets: {string.Join(", ", known)}. Run with --tree to see how they depend on each other.");
            }
        }
    }

    private static void ApplyExclusive(ExecutionSettings settings, HostOptions options)
    {
        if (options.Exclusive)
        {
            settings.UseExclusiveTarget();
        }
    }

    private static void SetWorkingDirectory(ServiceProvider provider, HostOptions options)
    {
        var fileSystem = provider.GetRequiredService<IFileSystem>();
        var environment = provider.GetRequiredService<ICakeEnvironment>();
        var directory = options.WorkingDirectory ?? provider.GetService<WorkingDirectory>()?.Path;
        directory = directory?.MakeAbsolute(environment) ?? environment.WorkingDirectory;
        if (!fileSystem.Exist(directory))
        {
            throw new CakeException($"The working directory '{directory.FullPath}' does not exist. Pass an existing folder to --working.");
        }

        environment.WorkingDirectory = directory;
    }

    // DI and reflection wrap what a constructor threw; the user needs the inner message.
    private static Exception Unwrap(Exception ex) =>
        ex switch
        {
            TargetInvocationException { InnerException: { } inner } => Unwrap(inner),
            AggregateException { InnerExceptions.Count: 1 } agg => Unwrap(agg.InnerExceptions[0]),
            _ => ex,
        };
}
