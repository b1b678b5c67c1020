using System.Globalization;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;

namespace TableOrder.Build.Release;

/// <summary>The server commands of releases, as data: pure functions, tested on their text.</summary>
public static class ReleaseCommands
{
    /// <summary>Complete: unpacked, its venv built, its requirements met. A half-made release is made again.</summary>
    public static RemoteCommand Exists(string id) =>
        RemoteCommand.User($"test -f {ServerMap.Release(id)}/{ServerMap.ReleaseComplete}", $"look for release {id}") with { AllowFailure = true };

    /// <summary>
    /// Unpacks an uploaded archive next to its target and renames it into place: a half-unpacked
    /// release is never a release. The upload is removed whatever happens.
    /// </summary>
    public static RemoteCommand Unpack(string id, string upload)
    {
        var target = ServerMap.Release(id);
        var steps = string.Join(" && ",
            $"rm -rf {target}.tmp",
            $"install -d -m 0755 {target}.tmp",
            $"tar -xzf \"$(getent passwd \"$SUDO_USER\" | cut -d: -f6)/{upload}\" -C {target}.tmp --no-same-owner",
            $"chown -R root:root {target}.tmp",
            $"chmod -R u=rwX,go=rX {target}.tmp",
            $"printf '%s\\n' {id} > {target}.tmp/RELEASE_ID",
            $"rm -rf {target}",
            $"mv -T {target}.tmp {target}");
        return RemoteCommand.User($"{Shell.Sudo(steps)}; status=$?; rm -f ~/{upload}; exit $status", $"unpack release {id}") with { Stream = true };
    }

    public static RemoteCommand ReadLink(string link) =>
        RemoteCommand.User($"readlink {link} || true", "read " + link);

    public static RemoteCommand List() =>
        RemoteCommand.User($"ls -1t {ServerMap.Releases} 2>/dev/null || true", "list the releases");

    public static RemoteCommand Remove(IEnumerable<string> ids) =>
        RemoteCommand.Root(string.Join(' ', ["rm -rf", .. ids.Select(d => Shell.Quote(ServerMap.Release(d)))]), "remove old releases");

    /// <summary>The API's own log lines (health probes left out): what a failed release said.</summary>
    public static RemoteCommand ApiLogTail(int lines) =>
        RemoteCommand.Root($"grep -v '\"GET /api/health' {ServerMap.ApiLog} | tail -n {lines.ToString(CultureInfo.InvariantCulture)}", "read the API log") with { AllowFailure = true };

    public static RemoteCommand ServiceStates() =>
        RemoteCommand.User(
            $"for unit in {ServerMap.ApiUnit("blue")} {ServerMap.ApiUnit("green")} nginx.service; do printf '%s %s\\n' \"$unit\" \"$(systemctl is-active $unit)\"; done",
            "read the service states") with
        { AllowFailure = true };

    /// <summary>The API or Nginx log: the last lines, or followed.</summary>
    public static RemoteCommand LogTail(string log, int lines, bool follow)
    {
        var files = log == "nginx" ? $"{ServerMap.NginxAccessLog} {ServerMap.NginxErrorLog}" : ServerMap.ApiLog;
        return RemoteCommand.Root(
            $"tail -n {lines.ToString(CultureInfo.InvariantCulture)}{(follow ? " -F" : string.Empty)} {files}",
            $"the {log} log") with
        { Stream = true, Timeout = follow ? TimeSpan.FromDays(1) : TimeSpan.FromMinutes(2) };
    }

    /// <summary>The last path segment of a link target: the release it names.</summary>
    public static string? ReleaseName(string linkTarget)
    {
        var target = (linkTarget ?? string.Empty).Trim();
        return target.Length == 0 ? null : target.TrimEnd('/').Split('/')[^1];
    }

    /// <summary>Release folder names from `ls`: no placeholder, no half-made `.tmp` folders.</summary>
    public static IReadOnlyList<string> ParseList(IEnumerable<string> lines) =>
        [.. lines.Select(l => l.Trim()).Where(l => l.Length > 0 && l != ServerMap.Placeholder && !l.EndsWith(".tmp", StringComparison.Ordinal))];

    /// <summary>Which releases to delete: all but the newest <paramref name="kept"/>, never current or previous.</summary>
    public static IReadOnlyList<string> Doomed(IReadOnlyList<string> newestFirst, int kept, string? current, string? previous)
    {
        var keep = new HashSet<string>(newestFirst.Take(kept), StringComparer.Ordinal);
        if (current is not null)
        {
            keep.Add(current);
        }

        if (previous is not null)
        {
            keep.Add(previous);
        }

        return [.. newestFirst.Where(r => !keep.Contains(r))];
    }
}
