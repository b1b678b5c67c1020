using System.Globalization;
using System.Text.Json;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;

namespace TableOrder.Build.Release;

/// <summary>Every deploy, rollback and lock action, one JSON line each, in the server's audit log.</summary>
public sealed class AuditLog(IRemoteShell shell, string actor)
{
    public async Task WriteAsync(string action, IReadOnlyDictionary<string, string?>? details = null, CancellationToken cancellationToken = default)
    {
        var entry = new Dictionary<string, string?>
        {
            ["time"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            ["actor"] = actor,
            ["action"] = action,
        };
        foreach (var (key, value) in details ?? new Dictionary<string, string?>())
        {
            entry[key] = value;
        }

        await shell.RunAsync(Append(JsonSerializer.Serialize(entry)), cancellationToken);
    }

    /// <summary>Appends one JSON line to the audit log: root's file (0600) in root's 0700 folder.</summary>
    public static RemoteCommand Append(string jsonLine) =>
        RemoteCommand.Root(
            $"{LockCommands.StateDirectory()} && (umask 077 && printf '%s\\n' {Shell.Quote(jsonLine)} >> {ServerMap.AuditLog}) && chmod 0600 {ServerMap.AuditLog}",
            "write the audit log");

    public static AuditLog For(IRemoteShell shell) => new(shell, CurrentActor());

    /// <summary>Who runs this build: user@host, as the lock and the audit log name them.</summary>
    public static string CurrentActor() => $"{Environment.UserName}@{Environment.MachineName}";
}
