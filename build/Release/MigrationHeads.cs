using System.Text.RegularExpressions;

namespace TableOrder.Build.Release;

/// <summary>
/// The alembic head(s) of a release, read from its migration files as Alembic reads them
/// (<c>revision</c> and <c>down_revision</c> of each script in script_location/versions), so a run
/// can compare them with the database's revision without starting Alembic on the server.
/// </summary>
public static partial class MigrationHeads
{
    /// <summary>The heads; null when the files cannot be read plainly (the migration then runs, as before).</summary>
    public static IReadOnlySet<string>? Of(ReleaseArchive release)
    {
        ArgumentNullException.ThrowIfNull(release);
        var ini = Path.Combine(release.SourceDirectory, "alembic.ini");
        var location = File.Exists(ini)
            ? File.ReadLines(ini).Select(l => ScriptLocation().Match(l)).FirstOrDefault(m => m.Success)?.Groups[1].Value.Trim()
            : null;
        if (location is null || location.Contains(':', StringComparison.Ordinal) || location.Contains('%', StringComparison.Ordinal))
        {
            return null;
        }

        var prefix = location.TrimEnd('/') + "/versions/";
        var scripts = release.Files.Select(f => f.Replace('\\', '/')).Where(f => f.StartsWith(prefix, StringComparison.Ordinal) && f.EndsWith(".py", StringComparison.Ordinal) && !f[prefix.Length..].Contains('/', StringComparison.Ordinal));
        return Heads(scripts.Select(f => File.ReadAllText(Path.Combine(release.SourceDirectory, f))));
    }

    /// <summary>Revisions no other revision names as its down_revision.</summary>
    public static IReadOnlySet<string>? Heads(IEnumerable<string> scripts)
    {
        ArgumentNullException.ThrowIfNull(scripts);
        var revisions = new HashSet<string>(StringComparer.Ordinal);
        var downs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var text in scripts)
        {
            var revision = Revision().Match(text);
            var down = DownRevision().Match(text);
            if (!revision.Success || !down.Success)
            {
                return null;
            }

            revisions.Add(revision.Groups["id"].Value);
            var value = down.Groups["value"].Value.Trim();
            if (value == "None")
            {
                continue;
            }

            var named = Quoted().Matches(value).Select(m => m.Groups["id"].Value).ToList();
            if (named.Count == 0)
            {
                return null;
            }

            downs.UnionWith(named);
        }

        revisions.ExceptWith(downs);
        return revisions.Count == 0 ? null : revisions;
    }

    [GeneratedRegex(@"^\s*script_location\s*=\s*(.+)$")]
    private static partial Regex ScriptLocation();

    [GeneratedRegex(@"^revision(?:\s*:\s*str)?\s*=\s*['""](?<id>[^'""]+)['""]\s*$", RegexOptions.Multiline)]
    private static partial Regex Revision();

    [GeneratedRegex(@"^down_revision(?:\s*:\s*[^=]+)?\s*=\s*(?<value>None|['""][^'""]*['""]|\([^)]*\))\s*$", RegexOptions.Multiline)]
    private static partial Regex DownRevision();

    [GeneratedRegex(@"['""](?<id>[^'""]+)['""]")]
    private static partial Regex Quoted();
}
