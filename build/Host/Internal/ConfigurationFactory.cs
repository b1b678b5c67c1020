using Cake.Core;
using Cake.Core.Configuration;
using Cake.Core.IO;
using Microsoft.Extensions.DependencyInjection;

namespace Cake.Frosting.Internal;

/// <summary>Cake's configuration (cake.config, CAKE_* variables, arguments), read from the working directory.</summary>
internal static class ConfigurationFactory
{
    public static ICakeConfiguration Create(IServiceProvider provider)
    {
        var environment = provider.GetRequiredService<ICakeEnvironment>();
        var arguments = provider.GetRequiredService<ICakeArguments>()
            .GetArguments()
            .ToDictionary(a => a.Key, a => a.Value.LastOrDefault() ?? string.Empty, StringComparer.OrdinalIgnoreCase);
        return new CakeConfigurationProvider(provider.GetRequiredService<IFileSystem>(), environment)
            .CreateConfiguration(environment.WorkingDirectory, arguments);
    }
}
