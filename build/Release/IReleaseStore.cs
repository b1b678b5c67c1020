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

    /// <summary>Points current at <paramref name="id"/>; false (and current removed) when its archive was never kept. S3: its sum and the deploy scripts' are in place first.</summary>
    Task<bool> SetCurrentAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// The kept archive of <paramref name="id"/> (a server that joined later has only the release it joined on); null when it
    /// was never kept. S3: refused (<see cref="ReleaseException"/>) when it does not match the SHA-256 kept beside it.
    /// </summary>
    Task<byte[]?> ArchiveAsync(string id, CancellationToken cancellationToken = default);
}

/// <summary>The release bucket's rules, as the servers' user data checks them too (terraform/modules/compute/templates/user-data-fleet.sh.tftpl).</summary>
public static partial class ReleaseBucket
{
    /// <summary>What releases/current may name and releases/&lt;id&gt;.tar.gz may be called: ^[a-z0-9]{1,64}$.</summary>
    public static bool IsReleaseId(string id) => ReleaseId().IsMatch(id);

    /// <summary>Where the SHA-256 of the object at <paramref name="key"/> is kept: beside it, with ".sha256" added.</summary>
    public static string SumKey(string key) => key + ".sha256";

    /// <summary>
    /// The sum object's content, sha256sum's own format: one line, the SHA-256 of <paramref name="data"/> in
    /// 64 lower-case hex digits, two spaces, the object's name below releases/ (so a sum is never taken for another object's).
    /// </summary>
    public static string SumLine(string name, ReadOnlySpan<byte> data) => $"{Sha256(data)}  {name}\n";

    /// <summary>SHA-256 in 64 lower-case hex digits, as sha256sum prints it.</summary>
    public static string Sha256(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data));

    /// <summary>The SHA-256 (hex) a sum object names for <paramref name="name"/>; null when its first line is not exactly that.</summary>
    public static string? SumOf(string sumText, string name)
    {
        ArgumentNullException.ThrowIfNull(sumText);
        var line = sumText.Split('\n', 2)[0];
        var match = SumPattern().Match(line);
        return match.Success && match.Groups[2].Value == name ? match.Groups[1].Value : null;
    }

    [GeneratedRegex("^[a-z0-9]{1,64}$")]
    private static partial Regex ReleaseId();

    [GeneratedRegex("^([0-9a-f]{64})  (.+)$")]
    private static partial Regex SumPattern();
}
