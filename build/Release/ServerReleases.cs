using Cake.Core.Diagnostics;
using TableOrder.Build.Remote;

namespace TableOrder.Build.Release;

/// <summary>The releases on the server: upload and unpack, switch `current`, keep the last few.</summary>
public sealed class ServerReleases(IRemoteShell shell, ICakeLog log)
{
    public const int Kept = 5;

    private static readonly RemoteRunOptions Quiet = new() { Stream = false };

    /// <summary>True when releases/&lt;id&gt; is complete on the server.</summary>
    public async Task<bool> ExistsAsync(string id, CancellationToken cancellationToken = default) =>
        (await shell.RunAsync($"test -f {ServerPaths.Release(id)}/RELEASE_ID", Quiet with { AllowFailure = true }, cancellationToken)).ExitCode == 0;

    /// <summary>Uploads and unpacks the release unless it is there already; false when nothing was uploaded.</summary>
    public async Task<bool> EnsureAsync(ReleaseArchive archive, bool installRequirements, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(archive);
        if (await ExistsAsync(archive.Id, cancellationToken))
        {
            log.Information("Release {0}: already on the server; nothing uploaded.", archive.Id);
            return false;
        }

        var upload = $"tableorder-release-{archive.Id}.tgz";
        using (var packed = archive.Pack())
        {
            log.Information("Release {0}: uploading {1} files ({2:0.0} KiB)", archive.Id, archive.Files.Count, packed.Length / 1024.0);
            await shell.UploadAsync(packed, upload, cancellationToken);
        }

        // Unpack next to the target and rename: a half-unpacked release is never a release.
        var target = ServerPaths.Release(archive.Id);
        await shell.RunAsync(
            Shell.Sudo(string.Join(" && ",
                $"rm -rf {target}.tmp",
                $"install -d -m 0755 {target}.tmp",
                $"tar -xzf \"$(getent passwd \"$SUDO_USER\" | cut -d: -f6)/{upload}\" -C {target}.tmp --no-same-owner",
                $"chown -R root:root {target}.tmp",
                $"chmod -R u=rwX,go=rX {target}.tmp",
                $"printf '%s\\n' {archive.Id} > {target}.tmp/RELEASE_ID",
                $"rm -rf {target}",
                $"mv -T {target}.tmp {target}")) + $"; status=$?; rm -f ~/{upload}; exit $status",
            new RemoteRunOptions { Description = $"unpack release {archive.Id}" },
            cancellationToken);

        if (installRequirements)
        {
            await shell.RunAsync(
                Shell.Sudo($"{ServerPaths.Venv}/bin/pip install --disable-pip-version-check -q -r {target}/requirements.txt"),
                new RemoteRunOptions { Description = $"install the requirements of release {archive.Id}", Timeout = TimeSpan.FromMinutes(15) },
                cancellationToken);
        }

        return true;
    }

    /// <summary>The release `current` points to, or null before the first one.</summary>
    public async Task<string?> CurrentAsync(CancellationToken cancellationToken = default) =>
        ReleaseName((await shell.RunAsync($"readlink {ServerPaths.Current} || true", Quiet, cancellationToken)).Text);

    public async Task<string?> PreviousAsync(CancellationToken cancellationToken = default) =>
        ReleaseName((await shell.RunAsync($"readlink {ServerPaths.Previous} || true", Quiet, cancellationToken)).Text);

    /// <summary>Points `current` at the release atomically (rename over the old link) and remembers the one before.</summary>
    public async Task SwitchAsync(string id, string? previous, CancellationToken cancellationToken = default)
    {
        var commands = new List<string>();
        if (previous is not null && previous != id)
        {
            commands.Add($"ln -sfn {ServerPaths.Release(previous)} {ServerPaths.Previous}.new && mv -T {ServerPaths.Previous}.new {ServerPaths.Previous}");
        }

        commands.Add($"ln -sfn {ServerPaths.Release(id)} {ServerPaths.Current}.new && mv -T {ServerPaths.Current}.new {ServerPaths.Current}");
        await shell.RunAsync(Shell.Sudo(string.Join(" && ", commands)), new RemoteRunOptions { Description = $"switch current to {id}", Stream = false }, cancellationToken);
    }

    public async Task RestartApiAsync(CancellationToken cancellationToken = default) =>
        await shell.RunAsync(Shell.Sudo($"systemctl restart {ServerPaths.ApiUnit}"), new RemoteRunOptions { Description = "restart the API", Stream = false, AllowFailure = true }, cancellationToken);

    /// <summary>Releases on the server, newest first (the placeholder not counted).</summary>
    public async Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken = default)
    {
        var result = await shell.RunAsync($"ls -1t {ServerPaths.Releases} 2>/dev/null || true", Quiet, cancellationToken);
        return result.Output.Select(l => l.Trim()).Where(l => l.Length > 0 && l != ServerPaths.Placeholder && !l.EndsWith(".tmp", StringComparison.Ordinal)).ToList();
    }

    /// <summary>Deletes all but the newest <see cref="Kept"/> releases; current and previous always stay.</summary>
    public async Task PruneAsync(CancellationToken cancellationToken = default)
    {
        var releases = await ListAsync(cancellationToken);
        var keep = new HashSet<string>(releases.Take(Kept), StringComparer.Ordinal);
        if (await CurrentAsync(cancellationToken) is { } current)
        {
            keep.Add(current);
        }

        if (await PreviousAsync(cancellationToken) is { } previous)
        {
            keep.Add(previous);
        }

        var doomed = releases.Where(r => !keep.Contains(r)).ToList();
        if (doomed.Count > 0)
        {
            log.Information("Releases: removing {0} old ({1})", doomed.Count, string.Join(", ", doomed));
            await shell.RunAsync(Shell.Sudo(string.Join(" ", ["rm -rf", .. doomed.Select(d => Shell.Quote(ServerPaths.Release(d)))])), Quiet, cancellationToken);
        }
    }

    private static string? ReleaseName(string linkTarget)
    {
        var target = linkTarget.Trim();
        return target.Length == 0 ? null : target.TrimEnd('/').Split('/')[^1];
    }
}
