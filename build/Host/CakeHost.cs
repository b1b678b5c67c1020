using System.Reflection;
using Cake.Cli;
using Cake.Common.Modules;
using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using Cake.Core.Modules;
using Cake.Core.Tooling;
using Cake.Frosting.Internal;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cake.Frosting;

/// <summary>
/// The Cake host, with Cake.Frosting's public shape: tasks are found in the entry assembly,
/// options are Frosting's, everything else on the command line becomes a Cake argument.
/// </summary>
public sealed class CakeHost
{
    private readonly ServiceCollection _services = CreateServiceCollection();
    private readonly List<Assembly> _assemblies = [];

    public CakeHost()
    {
        if (Assembly.GetEntryAssembly() is { } entry)
        {
            _assemblies.Add(entry);
        }
    }

    public static CakeHost Create() => new();

    /// <summary>Also look for tasks in this assembly (tests use it: their entry assembly is the test host).</summary>
    public CakeHost AddAssembly(Assembly assembly)
    {
        if (!_assemblies.Contains(assembly))
        {
            _assemblies.Add(assembly);
        }

        return this;
    }

    public CakeHost ConfigureServices(Action<IServiceCollection> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(_services);
        return this;
    }

    public int Run(IEnumerable<string> args)
    {
        foreach (var task in FindTasks(_assemblies))
        {
            _services.AddSingleton(typeof(IFrostingTask), task);
        }

        var registrar = new TypeRegistrar();
        registrar.RegisterInstance(typeof(IServiceCollection), _services);

        var app = new CommandApp<HostCommand>(registrar);
        app.Configure(config =>
        {
            config.SetApplicationName("dotnet run --project build --");
            config.AddExample("--target=Validate");
            config.AddExample("--target=Deploy");
            config.AddExample("--tree", "--target=Deploy");

            // "--environment=production" and friends are Cake arguments, not host options.
            config.Settings.ConvertFlagsToRemainingArguments = true;
        });

        return app.Run(args);
    }

    private static IEnumerable<Type> FindTasks(IEnumerable<Assembly> assemblies) =>
        assemblies
            .SelectMany(a => a.GetTypes())
            .Where(t => typeof(IFrostingTask).IsAssignableFrom(t) && t is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false })
            .Where(t => t != typeof(FrostingTask))
            .Distinct();

    private static ServiceCollection CreateServiceCollection()
    {
        var services = new ServiceCollection();

        services.AddSingleton<IConsole, CakeConsole>();
        services.AddSingleton(AnsiConsole.Console);
        services.AddSingleton<ICakeLog>(p => new CakeBuildLog(p.GetRequiredService<IConsole>(), Verbosity.Normal));
        services.AddSingleton<ICakeReportPrinter, CakeReportPrinter>();
        services.AddSingleton(ConfigurationFactory.Create);

        services.AddSingleton<BuildScriptHost<IFrostingContext>>();
        services.AddSingleton<DryRunScriptHost<IFrostingContext>>();
        services.AddSingleton<TreeScriptHost>();
        services.AddSingleton<DescriptionScriptHost>();
        services.AddSingleton<IVersionResolver, VersionResolver>();
        services.AddSingleton<VersionFeature>();
        services.AddSingleton<InfoFeature>();
        services.AddSingleton<IToolInstaller, ToolInstaller>();

        services.UseModule<CoreModule>();
        services.UseModule<CommonModule>();

        services.AddSingleton<FrostingContext>();
        services.AddSingleton<IFrostingContext>(p => p.GetRequiredService<FrostingContext>());
        return services;
    }
}

/// <summary>Frosting's CakeHost extension methods.</summary>
public static class CakeHostExtensions
{
    /// <summary>The build context every task receives; it is built once, before any task runs.</summary>
    public static CakeHost UseContext<TContext>(this CakeHost host)
        where TContext : class, IFrostingContext =>
        host.ConfigureServices(services =>
        {
            services.AddSingleton<TContext>();
            services.AddSingleton<IFrostingContext>(p => p.GetRequiredService<TContext>());
        });

    public static CakeHost UseLifetime<TLifetime>(this CakeHost host)
        where TLifetime : class, IFrostingLifetime =>
        host.ConfigureServices(services => services.AddSingleton<IFrostingLifetime, TLifetime>());

    public static CakeHost UseTaskLifetime<TLifetime>(this CakeHost host)
        where TLifetime : class, IFrostingTaskLifetime =>
        host.ConfigureServices(services => services.AddSingleton<IFrostingTaskLifetime, TLifetime>());

    public static CakeHost UseWorkingDirectory(this CakeHost host, DirectoryPath path) =>
        host.ConfigureServices(services => services.AddSingleton(new WorkingDirectory(path)));
}
