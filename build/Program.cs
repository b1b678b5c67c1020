using Cake.Frosting;
using TableOrder.Build;
using TableOrder.Build.Configuration;

return new CakeHost()
    .UseContext<BuildContext>()
    .UseLifetime<BuildLifetime>()
    .UseTaskLifetime<BuildTaskLifetime>()
    .UseHelpText(BuildHelp.Text)
    .Run(args);
