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
    private Func<string>? _helpText;

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

    /// <summary>Text --help shows after the host's own options (the build's arguments, by target).</summary>
    public CakeHost UseHelpText(Func<string> text)
    {
        _helpText = text;
        return this;
    }

    public int Run(IEnumerable<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
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
            if (_helpText is { } text)
            {
                config.SetHelpProvider(new FooterHelpProvider(config.Settings, text));
            }

            // A command line the parser refuses is a wrong argument like any other: exit code 1.
            config.SetExceptionHandler((ex, _) =>
            {
                AnsiConsole.Console.MarkupLineInterpolated($"[red]Error:[/] {ex.Message}");
                return 1;
            });
        });

        return app.Run(args.Select(WithoutEmptyValue));
    }

    /// <summary>
    /// "--name=" (nothing after '=') is refused by the parser with a message that names nothing; as a
    /// bare "--name" it reaches the build's arguments, whose check names it and says what to type.
    /// </summary>
    private static string WithoutEmptyValue(string arg) =>
        arg.Length > 3 && arg.StartsWith("--", StringComparison.Ordinal) && arg.EndsWith('=') && arg.IndexOf('=', StringComparison.Ordinal) == arg.Length - 1 && !IsHostOption(arg[2..^1])
            ? arg[..^1]
            : arg;

    private static bool IsHostOption(string name) =>
        name is "target" or "working" or "verbosity" or "description" or "descriptions" or "showdescription" or "showdescriptions"
            or "tree" or "showtree" or "dryrun" or "noop" or "whatif" or "exclusive" or "version" or "ver" or "info" or "help";

    private sealed class FooterHelpProvider(ICommandAppSettings settings, Func<string> text) : Spectre.Console.Cli.Help.HelpProvider(settings)
    {
        public override IEnumerable<Spectre.Console.Rendering.IRenderable> GetFooter(Spectre.Console.Cli.Help.ICommandModel model, Spectre.Console.Cli.Help.ICommandInfo? command) =>
            [.. base.GetFooter(model, command), new Text(Environment.NewLine + text())];
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
