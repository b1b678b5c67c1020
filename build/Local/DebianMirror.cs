using System.Text.RegularExpressions;

namespace TableOrder.Build.Local;

/// <summary>
/// The Debian archive the machine image is built from and its apt sources point at: by default
/// the one this host's own apt sources use (a host behind a local mirror or proxy builds through
/// it), else deb.debian.org; --debian-mirror (or TABLEORDER_DEBIAN_MIRROR) overrides it.
/// </summary>
public sealed partial record DebianMirror(string Archive, string Security)
{
    public const string EnvironmentVariable = "TABLEORDER_DEBIAN_MIRROR";

    public static DebianMirror Default { get; } = FromArchive("http://deb.debian.org/debian");

    /// <summary>A mirror given by URL; its security archive is the same place with /debian-security for the last /debian.</summary>
    public static DebianMirror FromArchive(string archive)
    {
        ArgumentNullException.ThrowIfNull(archive);
        var url = archive.TrimEnd('/');
        return new(url, (url.EndsWith("/debian", StringComparison.Ordinal) ? url[..^"/debian".Length] : url) + "/debian-security");
    }

    /// <summary>True for what apt and mmdebstrap take as an archive URL here: http(s):// or file://, one word.</summary>
    public static bool IsArchiveUrl(string? value) => value is not null && ArchiveUrl().IsMatch(value);

    /// <summary>This host's Debian mirror, from /etc/os-release and its apt sources; <see cref="Default"/> when it has none.</summary>
    public static DebianMirror FromHost()
    {
        static string Read(string path) => File.Exists(path) ? File.ReadAllText(path) : string.Empty;
        var sources = (Directory.Exists("/etc/apt/sources.list.d") ? Directory.GetFiles("/etc/apt/sources.list.d") : [])
            .Prepend("/etc/apt/sources.list")
            .Where(f => f.EndsWith(".list", StringComparison.Ordinal) || f.EndsWith(".sources", StringComparison.Ordinal))
            .Select(f => (f, Read(f)));
        return FromSources(Read("/etc/os-release"), sources);
    }

    /// <summary>
    /// The archive of the entry that serves this Debian host's own release (its codename: third-party
    /// repositories name their suites otherwise), and of the one that serves its -security suite.
    /// </summary>
    public static DebianMirror FromSources(string osRelease, IEnumerable<(string Path, string Text)> sources)
    {
        ArgumentNullException.ThrowIfNull(osRelease);
        ArgumentNullException.ThrowIfNull(sources);
        var release = osRelease.Split('\n')
            .Select(l => l.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim().Trim('"'), StringComparer.Ordinal);
        if (release.GetValueOrDefault("ID") != "debian" || release.GetValueOrDefault("VERSION_CODENAME") is not { Length: > 0 } codename)
        {
            return Default;
        }

        var entries = sources.SelectMany(s => s.Path.EndsWith(".sources", StringComparison.Ordinal) ? Deb822(s.Text) : OneLine(s.Text)).ToList();
        var archive = entries.FirstOrDefault(e => e.Suites.Contains(codename) && IsArchiveUrl(e.Uri)).Uri;
        if (archive is null)
        {
            return Default;
        }

        var security = entries.FirstOrDefault(e => e.Suites.Contains(codename + "-security") && IsArchiveUrl(e.Uri)).Uri;
        var mirror = FromArchive(archive);
        return security is null ? mirror : mirror with { Security = security.TrimEnd('/') };
    }

    /// <summary>deb822 stanzas (Types, URIs, Suites, Enabled), as in Debian 12+'s debian.sources.</summary>
    private static IEnumerable<(string? Uri, string[] Suites)> Deb822(string text)
    {
        foreach (var stanza in Regex.Split(text.Replace("\r", string.Empty, StringComparison.Ordinal), @"\n\s*\n"))
        {
            var fields = stanza.Split('\n')
                .Where(l => !l.StartsWith('#') && l.Contains(':', StringComparison.Ordinal) && !char.IsWhiteSpace(l[0]))
                .Select(l => l.Split(':', 2))
                .GroupBy(p => p[0].Trim(), StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => g.First()[1].Trim(), StringComparer.OrdinalIgnoreCase);
            if (!fields.TryGetValue("Types", out var types) || !types.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("deb") ||
                string.Equals(fields.GetValueOrDefault("Enabled"), "no", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var suites = fields.GetValueOrDefault("Suites")?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
            foreach (var uri in fields.GetValueOrDefault("URIs")?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [])
            {
                yield return (uri, suites);
            }
        }
    }

    /// <summary>One-line entries: <c>deb [options] URI SUITE COMPONENT...</c>.</summary>
    private static IEnumerable<(string? Uri, string[] Suites)> OneLine(string text)
    {
        foreach (var line in text.Split('\n').Select(l => l.Trim()))
        {
            var words = Regex.Replace(line, @"\[[^\]]*\]", " ").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words is ["deb", var uri, var suite, ..])
            {
                yield return (uri, [suite]);
            }
        }
    }

    [GeneratedRegex(@"^(https?|file)://[^\s'""]+$")]
    private static partial Regex ArchiveUrl();
}
