using System.Globalization;
using System.Text.Json;
using TableOrder.Build.Remote;

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

        var line = JsonSerializer.Serialize(entry);
        await shell.RunAsync(
            Shell.Sudo($"install -d -m 0750 /var/log/tableorder && printf '%s\\n' {Shell.Quote(line)} >> {ServerPaths.AuditLog} && chmod 0640 {ServerPaths.AuditLog}"),
            new RemoteRunOptions { Description = "write the audit log", Stream = false },
            cancellationToken);
    }

    public static AuditLog For(IRemoteShell shell) => new(shell, CurrentActor());

    /// <summary>Who runs this build: user@host, as the lock and the audit log name them.</summary>
    public static string CurrentActor() => $"{Environment.UserName}@{Environment.MachineName}";
}
