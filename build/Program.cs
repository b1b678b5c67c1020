using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Frosting;
using Microsoft.Extensions.DependencyInjection;
using TableOrder.Build;
using TableOrder.Build.Configuration;
using TableOrder.Build.Signals;

// First, before anything starts .NET's signal handling: Ctrl-C and SIGTERM stop the run in order.
using var signals = SignalListener.Listen(Interruption.Process);

var exitCode = new CakeHost()
    .UseContext<BuildContext>()
    .UseLifetime<BuildLifetime>()
    .UseTaskLifetime<BuildTaskLifetime>()
    .UseHelpText(() => BuildHelp.Text())

    // Every line, at every verbosity, also goes to the run's log file (opened when the first task starts).
    .ConfigureServices(services => services.AddSingleton<ICakeLog>(p => new TableOrder.Build.Diagnostics.RunLog(new CakeBuildLog(p.GetRequiredService<IConsole>(), Verbosity.Normal))))
    .Run(args);

// A run stopped by a signal exits as shells report one (130 for SIGINT, 143 for SIGTERM).
return Interruption.Process.Signal is { } signal ? Interruption.ExitCode(signal) : exitCode;
