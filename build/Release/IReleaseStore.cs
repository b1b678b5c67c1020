using System.Text.RegularExpressions;

namespace TableOrder.Build.Release;

/// <summary>
/// Where a server that joins the fleet later finds the release to serve: the release bucket's
/// contract (terraform/README.md, "Release bucket"): releases/&lt;id&gt;.tar.gz, kept once per
/// release before it goes live, and releases/current, moved after a roll-out completed.
/// </summary>
public interface IReleaseStore
{
    /// <summary>Keeps the archive (once per id); never replaced, so a reader never sees half of one.</summary>
    Task KeepAsync(ReleaseArchive archive, CancellationToken cancellationToken = default);

    /// <summary>Points current at <paramref name="id"/>; false (and current removed) when its archive was never kept.</summary>
    Task<bool> SetCurrentAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>The kept archive of <paramref name="id"/> (a server that joined later has only the release it joined on); null when it was never kept.</summary>
    Task<byte[]?> ArchiveAsync(string id, CancellationToken cancellationToken = default);
}

/// <summary>The release bucket's rule for a release id, as the servers' user data checks it too.</summary>
public static partial class ReleaseBucket
{
    /// <summary>What releases/current may name and releases/&lt;id&gt;.tar.gz may be called: ^[a-z0-9]{1,64}$.</summary>
    public static bool IsReleaseId(string id) => ReleaseId().IsMatch(id);

    [GeneratedRegex("^[a-z0-9]{1,64}$")]
    private static partial Regex ReleaseId();
}
