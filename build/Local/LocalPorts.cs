using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace TableOrder.Build.Local;

/// <summary>
/// The ports of one local stack. The machine shares this host's network, so every stack needs its
/// own: the developer's stack (the repository's <c>.tableorder/local</c>) takes the documented
/// defaults when they are free; any other state folder (the tests', a second clone's) gets a block
/// derived from its path, moved on past taken ports. Chosen once and remembered in the state folder.
/// </summary>
/// <param name="Https">Nginx's HTTPS port (with a local domain).</param>
/// <param name="Acme">Pebble's ACME directory (HTTPS, its own test CA).</param>
/// <param name="AcmeManagement">Pebble's management interface (its roots and intermediates).</param>
/// <param name="Dns">pebble-challtestsrv's DNS: Pebble resolves the local domain to this machine through it.</param>
public sealed record LocalPorts(int Ssh, int Http, int Api, int Postgres, int Redis, int ApiGreen, int Https, int Acme, int AcmeManagement, int Dns)
{
    public static readonly LocalPorts Defaults = new(2222, 8080, 18000, 15432, 16379, 18001, 8443, 14000, 15000, 18053);

    /// <summary>Blocks of ports for other stacks start here; 20000-29999 is below Linux's ephemeral range.</summary>
    private const int FirstBlock = 20000;
    private const int BlockSize = 10;
    private const int Blocks = 1000;

    public const string FileName = "ports.json";

    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<int> All => [Ssh, Http, Api, Postgres, Redis, ApiGreen, Https, Acme, AcmeManagement, Dns];

    /// <summary>The remembered ports of this state folder, or new ones chosen (and remembered) now.</summary>
    public static LocalPorts LoadOrChoose(string stateDirectory, bool preferDefaults, Func<int, bool> isTaken)
    {
        ArgumentNullException.ThrowIfNull(isTaken);
        var file = Path.Combine(stateDirectory, FileName);
        // A file from before the green slot (or HTTPS and Pebble) had ports names none for them: choose again.
        if (File.Exists(file) && JsonSerializer.Deserialize<LocalPorts>(File.ReadAllText(file)) is { ApiGreen: > 0, Dns: > 0 } remembered)
        {
            return remembered;
        }

        var chosen = Choose(stateDirectory, preferDefaults, isTaken);
        Directory.CreateDirectory(stateDirectory);
        File.WriteAllText(file, JsonSerializer.Serialize(chosen));
        return chosen;
    }

    /// <summary>The remembered ports, or null when this state folder never chose any.</summary>
    public static LocalPorts? Load(string stateDirectory)
    {
        var file = Path.Combine(stateDirectory, FileName);
        return File.Exists(file) ? JsonSerializer.Deserialize<LocalPorts>(File.ReadAllText(file)) : null;
    }

    public static LocalPorts Choose(string stateDirectory, bool preferDefaults, Func<int, bool> isTaken)
    {
        ArgumentNullException.ThrowIfNull(isTaken);
        if (preferDefaults && !Defaults.All.Any(isTaken))
        {
            return Defaults;
        }

        var start = (int)(BitConverter.ToUInt32(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(stateDirectory)))) % Blocks);
        for (var i = 0; i < Blocks; i++)
        {
            var first = FirstBlock + ((start + i) % Blocks * BlockSize);
            var block = new LocalPorts(first, first + 1, first + 2, first + 3, first + 4, first + 5, first + 6, first + 7, first + 8, first + 9);
            if (!block.All.Any(isTaken))
            {
                return block;
            }
        }

        throw new LocalEnvironmentException($"No free block of local ports between {FirstBlock} and {FirstBlock + (Blocks * BlockSize)}: stop some local stacks (--target=LocalDown).");
    }

    /// <summary>The stack's machine name: one per state folder, so stacks never share one.</summary>
    public static string MachineName(string stateDirectory, bool developerStack)
    {
        if (developerStack)
        {
            return "tableorder-app";
        }

        var full = Path.GetFullPath(stateDirectory);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(full)))[..6];
        var name = new string([.. Path.GetFileName(full.TrimEnd('/')).ToLowerInvariant().Where(c => char.IsAsciiLetterOrDigit(c) || c == '-')]);
        return $"tableorder-{(name.Length > 20 ? name[..20] : name)}-{hash}";
    }
}
