using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Frosting;
using Microsoft.Extensions.DependencyInjection;
using TableOrder.Build;
using TableOrder.Build.Configuration;

return new CakeHost()
    .UseContext<BuildContext>()
    .UseLifetime<BuildLifetime>()
    .UseTaskLifetime<BuildTaskLifetime>()
    .UseHelpText(BuildHelp.Text)

    // Every line, at every verbosity, also goes to the run's log file (opened when the first task starts).
    .ConfigureServices(services => services.AddSingleton<ICakeLog>(p => new TableOrder.Build.Diagnostics.RunLog(new CakeBuildLog(p.GetRequiredService<IConsole>(), Verbosity.Normal))))
    .Run(args);
