using System.Security.Cryptography;
using Cake.Core.Diagnostics;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Environments;
using TableOrder.Build.Release;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;

namespace TableOrder.Build.Recovery;

/// <summary>
/// The site in maintenance on every app server while the database is restored: Nginx answers writes
/// to the API with 503 and Retry-After (slot.sh maintenance, switched like the live slot). The build's
/// own checks carry a pass made for this window (<see cref="Pass"/>, masked, on the servers in a
/// root-only file, never on a command line).
/// </summary>
public sealed class MaintenanceWindow(IReadOnlyList<AppServer> servers, ICakeLog log, SecretMasker masker)
{
    /// <summary>What Nginx tells a client to wait before it writes again.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(60);

    /// <summary>The value of <see cref="ServerMap.MaintenancePassHeader"/> that goes through maintenance.</summary>
    public string Pass { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public async Task BeginAsync(CancellationToken cancellationToken = default)
    {
        masker.Add(Pass);
        foreach (var server in servers)
        {
            var shell = await server.Connect(TimeSpan.FromSeconds(30));
            await shell.InstallFileAsync(System.Text.Encoding.ASCII.GetBytes(Pass + "\n"), ServerMap.MaintenancePassFile, "0600", "root", cancellationToken);
            await shell.RunScriptAsync(SlotCommands.MaintenanceOn(RetryAfter), SlotCommands.Script, cancellationToken);
        }

        log.Information("Maintenance: writes to the API answer 503 (Retry-After {0:0}s) on {1}", RetryAfter.TotalSeconds, string.Join(", ", servers.Select(s => s.Name)));
    }

    public async Task EndAsync(CancellationToken cancellationToken = default)
    {
        foreach (var server in servers)
        {
            await (await server.Connect(TimeSpan.FromSeconds(30))).RunScriptAsync(SlotCommands.MaintenanceOff(), SlotCommands.Script, cancellationToken);
        }

        log.Information("Maintenance: over; writes go through again");
    }
}
