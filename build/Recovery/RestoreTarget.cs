using System.Globalization;
using System.Text.RegularExpressions;

namespace TableOrder.Build.Recovery;

/// <summary>
/// What Restore brings the database back to: a point in time (UTC), a named snapshot, or, with
/// neither, the latest restorable time.
/// </summary>
public sealed partial record RestoreTarget(DateTimeOffset? Time, string? Snapshot)
{
    public static RestoreTarget Latest { get; } = new(null, null);

    public bool IsLatest => Time is null && Snapshot is null;

    /// <summary>How the build writes a time: UTC ISO 8601 with milliseconds (what --to-time takes).</summary>
    public static string Format(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public override string ToString() =>
        Snapshot is { } snapshot ? $"snapshot {snapshot}" : Time is { } time ? Format(time) : "the latest restorable time";

    /// <summary>
    /// A --to-time value: UTC ISO 8601 (2026-12-01T10:15:30Z, fractions of a second allowed; an
    /// offset of +00:00 is UTC too). Null when it is not one: a time without its zone is refused,
    /// as it would mean this machine's local time.
    /// </summary>
    public static DateTimeOffset? ParseTime(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!UtcIso8601().IsMatch(value.Trim()))
        {
            return null;
        }

        return DateTimeOffset.TryParse(value.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : null;
    }

    /// <summary>A snapshot name as RDS allows one: a letter first, then letters, digits and single hyphens, no hyphen at the end, at most 255.</summary>
    public static bool IsSnapshotName(string value) => value.Length <= 255 && SnapshotName().IsMatch(value);

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|\+00:00)$")]
    private static partial Regex UtcIso8601();

    [GeneratedRegex("^[A-Za-z](-?[A-Za-z0-9])*$")]
    private static partial Regex SnapshotName();
}

/// <summary>The names of manual snapshots: <c>&lt;db&gt;-manual-&lt;utc&gt;-&lt;release&gt;</c>.</summary>
public static class SnapshotNames
{
    /// <summary>
    /// <paramref name="database"/>-manual-20261201t101530z-<paramref name="release"/>, lower case as RDS
    /// keeps identifiers (the release: the one live when it was taken, or "none").
    /// </summary>
    public static string For(string database, DateTimeOffset taken, string? release)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(database);
        var utc = taken.ToUniversalTime().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        return $"{database}-manual-{utc}-{release ?? "none"}".ToLowerInvariant();
    }
}

/// <summary>A snapshot or restore could not be done; the message says what to do.</summary>
public class RecoveryException(string message, Exception? inner = null) : Exception(message, inner);
