using Cake.Core.Diagnostics;
using TableOrder.Build.Remote;

namespace TableOrder.Build.Release;

/// <summary>The releases on the server: upload and unpack, switch `current`, keep the last few.</summary>
public sealed class ServerReleases(IRemoteShell shell, ICakeLog log)
{
    public const int Kept = 5;

    /// <summary>True when releases/&lt;id&gt; is complete on the server.</summary>
    public async Task<bool> ExistsAsync(string id, CancellationToken cancellationToken = default) =>
        (await shell.RunAsync(ReleaseCommands.Exists(id), cancellationToken)).ExitCode == 0;

    /// <summary>
    /// Uploads, unpacks and prepares the release (its own venv, its requirements checked) unless it is
    /// complete on the server already; false when nothing was uploaded. A half-made one is made again.
    /// </summary>
    public Task<bool> EnsureAsync(ReleaseArchive archive, Server.ServerPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(archive);
        return EnsureAsync(archive.Id, archive.Pack, $"{archive.Files.Count} files", policy, cancellationToken);
    }

    /// <summary>The same from an archive already packed (a release store's &lt;id&gt;.tar.gz): what a joining server gets.</summary>
    public async Task<bool> EnsureAsync(string id, Func<Stream> pack, string what, Server.ServerPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pack);
        if (await ExistsAsync(id, cancellationToken))
        {
            log.Information("Release {0}: already on the server; nothing uploaded.", id);
            return false;
        }

        var upload = $"tableorder-release-{id}.tgz";
        using (var packed = pack())
        {
            log.Information("Release {0}: uploading {1} ({2:0.0} KiB)", id, what, packed.Length / 1024.0);
            await shell.UploadAsync(packed, upload, cancellationToken);
        }

        await shell.RunAsync(ReleaseCommands.Unpack(id, upload), cancellationToken);
        await shell.RunScriptAsync(SlotCommands.Prepare(id, policy), SlotCommands.Script, cancellationToken);
        return true;
    }

    /// <summary>The release `current` points to, or null before the first one.</summary>
    public async Task<string?> CurrentAsync(CancellationToken cancellationToken = default) =>
        ReleaseCommands.ReleaseName((await shell.RunAsync(ReleaseCommands.ReadLink(Server.ServerMap.Current), cancellationToken)).Text);

    public async Task<string?> PreviousAsync(CancellationToken cancellationToken = default) =>
        ReleaseCommands.ReleaseName((await shell.RunAsync(ReleaseCommands.ReadLink(Server.ServerMap.Previous), cancellationToken)).Text);

    /// <summary>Releases on the server, newest first (the placeholder not counted).</summary>
    public async Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken = default) =>
        ReleaseCommands.ParseList((await shell.RunAsync(ReleaseCommands.List(), cancellationToken)).Output);

    /// <summary>Deletes all but the newest <see cref="Kept"/> releases; current and previous always stay.</summary>
    public async Task PruneAsync(CancellationToken cancellationToken = default)
    {
        var doomed = ReleaseCommands.Doomed(await ListAsync(cancellationToken), Kept, await CurrentAsync(cancellationToken), await PreviousAsync(cancellationToken));
        if (doomed.Count > 0)
        {
            log.Information("Releases: removing {0} old ({1})", doomed.Count, string.Join(", ", doomed));
            await shell.RunAsync(ReleaseCommands.Remove(doomed), cancellationToken);
        }
    }
}
