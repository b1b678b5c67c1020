using System.Text.Json;
using Cake.Core.Diagnostics;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;

namespace TableOrder.Build.Release;

/// <summary>Who holds the deploy lock, since when, for what.</summary>
public sealed record LockHolder(string Actor, DateTime Since, string Action, string? Release, string Token)
{
    /// <summary>The holding build's machine and process: a lock whose process is gone from this machine is stale.</summary>
    public string? Host { get; init; }

    public int? Pid { get; init; }

    /// <summary>True when the holder ran on this machine and its process is gone (killed, crashed).</summary>
    public bool IsStaleHere =>
        Host == Environment.MachineName && Pid is { } pid && !ProcessAlive(pid);

    public override string ToString() => $"{Actor} since {Since:u} ({Action}{(Release is null ? string.Empty : $" of release {Release}")}{(Pid is null ? string.Empty : $", pid {Pid}")})";

    private static bool ProcessAlive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}

/// <summary>Another deploy holds the lock.</summary>
public sealed class DeployLockedException(LockHolder holder)
    : ReleaseException(
        holder.IsStaleHere
            ? $"The server is locked by {holder}, but that build is gone (no process {holder.Pid} on this machine): the lock is stale. Free it with --target=Lock --unlock, then run again."
            : $"The server is locked by {holder}. Wait for that deploy to finish, pass --lock-wait=<seconds> to wait for it, " +
              "or, if it is stale (that build died), release it with --target=Lock --unlock.")
{
    public LockHolder Holder { get; } = holder;
}

/// <summary>The lock's server commands, as data.</summary>
public static class LockCommands
{
    /// <summary>
    /// mkdir is atomic: the first build to make the folder holds the lock; the others read who does.
    /// The deploy's state folder is made (and kept) root:root 0700 first: on a new server the lock
    /// comes before the bootstrap, and only root may take or fake a lock.
    /// </summary>
    public static RemoteCommand Acquire(string holderJson) =>
        RemoteCommand.Root(
            $"{StateDirectory()} && if mkdir {ServerMap.Lock} 2>/dev/null; then printf '%s' {Shell.Quote(holderJson)} > {ServerMap.Lock}/holder.tmp && mv -f {ServerMap.Lock}/holder.tmp {ServerMap.Lock}/holder; echo acquired; else cat {ServerMap.Lock}/holder 2>/dev/null || echo '{{}}'; fi",
            "take the deploy lock");

    /// <summary>Makes the deploy's state folder root:root 0700, or puts its owner and mode back.</summary>
    public static string StateDirectory() => $"install -d -m 0700 -o root -g root {ServerMap.DeployStateDirectory}";

    /// <summary>Only the holder's token releases the lock: someone else's lock is left alone.</summary>
    public static RemoteCommand Release(string token) =>
        RemoteCommand.Root($"if grep -q {Shell.Quote(token)} {ServerMap.Lock}/holder 2>/dev/null; then rm -rf {ServerMap.Lock}; fi", "release the deploy lock");

    public static RemoteCommand Show() => RemoteCommand.Root($"cat {ServerMap.Lock}/holder 2>/dev/null || true", "read the deploy lock");

    public static RemoteCommand ForceRelease() => RemoteCommand.Root($"rm -rf {ServerMap.Lock}", "remove the deploy lock");
}

/// <summary>
/// The deploy lock on the server: a directory made with mkdir (atomic), holding who/when/what.
/// Held from Bootstrap through Smoke, migrations included; released only by its holder.
/// </summary>
public sealed class DeployLock(IRemoteShell shell, ICakeLog log)
{
    private LockHolder? _held;

    public LockHolder? Held => _held;

    public async Task<LockHolder> AcquireAsync(string actor, string action, string? release, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        var holder = new LockHolder(actor, DateTime.UtcNow, action, release, Guid.NewGuid().ToString("N"))
        {
            Host = Environment.MachineName,
            Pid = Environment.ProcessId,
        };
        var json = JsonSerializer.Serialize(holder);
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            var attempt = await shell.RunAsync(LockCommands.Acquire(json), cancellationToken);
            if (attempt.Text.Trim() == "acquired")
            {
                _held = holder;
                return holder;
            }

            var other = Parse(attempt.Text) ?? new LockHolder("unknown", DateTime.MinValue, "unknown", null, string.Empty);
            if (DateTime.UtcNow >= deadline)
            {
                throw new DeployLockedException(other);
            }

            log.Information("Deploy lock held by {0}; waiting ({1:0}s left)", other, (deadline - DateTime.UtcNow).TotalSeconds);
            Signals.InterruptPoints.Reached("wait:deploy lock held by " + other.Actor);
            using var stopping = Signals.Interruption.Process.Linked(cancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(3), stopping.Token);
        }
    }

    /// <summary>Releases the lock if this build holds it; someone else's lock is left alone.</summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken = default)
    {
        if (_held is not { } held)
        {
            return;
        }

        await shell.RunAsync(LockCommands.Release(held.Token), cancellationToken);
        _held = null;
    }

    /// <summary>This hold over a new connection: the server rebooted, and the lock on its disk is still this build's.</summary>
    public DeployLock Over(IRemoteShell reconnected) => new(reconnected, log) { _held = _held };

    public async Task<LockHolder?> ShowAsync(CancellationToken cancellationToken = default) =>
        Parse((await shell.RunAsync(LockCommands.Show(), cancellationToken)).Text);

    /// <summary>Removes a lock whatever holds it (a stale one: its build died).</summary>
    public async Task ForceReleaseAsync(CancellationToken cancellationToken = default) =>
        await shell.RunAsync(LockCommands.ForceRelease(), cancellationToken);

    public static LockHolder? Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Trim() == "{}")
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<LockHolder>(text.Trim());
        }
        catch (JsonException)
        {
            return new LockHolder("unknown (unreadable lock file)", DateTime.MinValue, "unknown", null, string.Empty);
        }
    }
}
