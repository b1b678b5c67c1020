using System.Globalization;
using System.Text.RegularExpressions;
using TableOrder.Build.Release;
using TableOrder.Build.Remote;

namespace TableOrder.Build.Server;

/// <summary>
/// What the server is, learned in one call: whether it finished booting, the fingerprints of the
/// uploaded scripts and of the last finished bootstrap, the deploy lock, pending actions, the slots,
/// the complete releases, the settings files' checksums, the database's alembic revision and the
/// live release's health through Nginx. Tasks compare it with what they would do and skip what
/// already matches; anything unknown reads as "not up to date", so the full path runs.
/// </summary>
public sealed partial record ServerState
{
    /// <summary>What a task records as "skipped" when the probe showed its work was done already.</summary>
    public const string UpToDate = "up to date";

    public string System { get; init; } = string.Empty;

    /// <summary>cloud-init's state from its files: none (no cloud-init), running, or done.</summary>
    public string CloudInit { get; init; } = string.Empty;

    public string Scripts { get; init; } = string.Empty;

    public string Bootstrap { get; init; } = string.Empty;

    /// <summary>The files the last finished bootstrap.sh installed (unit, site, logrotate, settings) are still as it left them.</summary>
    public bool Intact { get; init; }

    public bool Locked { get; init; }

    public SlotState Slots { get; init; } = SlotState.Parse([]);

    public IReadOnlySet<string> Releases { get; init; } = new HashSet<string>();

    /// <summary>Server path to SHA-256 (empty when the file is absent).</summary>
    public IReadOnlyDictionary<string, string> Files { get; init; } = new Dictionary<string, string>();

    /// <summary>The database's alembic revisions (alembic_version), or null when they could not be read.</summary>
    public IReadOnlySet<string>? DatabaseRevisions { get; init; }

    public int HealthStatus { get; init; }

    public string HealthBody { get; init; } = string.Empty;

    /// <summary>systemd finished booting (running, or degraded by a unit of no concern here) and cloud-init, where there is one, is done.</summary>
    public bool Booted => System is "running" or "degraded";

    /// <summary>/api/health through Nginx answered 200, status ok, for this release.</summary>
    public bool HealthyFor(string release) =>
        HealthStatus == 200 && StatusOk().IsMatch(HealthBody) && ReleaseIs(release).IsMatch(HealthBody);

    public static ServerState Parse(IReadOnlyList<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            var (key, value) = (line[..equals], line[(equals + 1)..].Trim());
            if (key.StartsWith("file ", StringComparison.Ordinal))
            {
                files[key[5..]] = value;
            }
            else
            {
                values[key] = value;
            }
        }

        var health = values.GetValueOrDefault("health", string.Empty);
        var space = health.IndexOf(' ', StringComparison.Ordinal);
        var code = space < 0 ? health : health[..space];
        var body = space < 0 ? string.Empty : health[(space + 1)..];

        // The reference app's health tells loopback callers the revision it reads from alembic_version;
        // other apps' are read by the probe itself (db=).
        var reported = ReportedRevision().Match(body);
        var database = values.GetValueOrDefault("db") ?? (reported.Success ? reported.Groups["revision"].Value.Replace(',', ' ') : "?");
        return new ServerState
        {
            System = values.GetValueOrDefault("system", string.Empty),
            CloudInit = values.GetValueOrDefault("cloudinit", string.Empty),
            Scripts = values.GetValueOrDefault("scripts", string.Empty),
            Bootstrap = values.GetValueOrDefault("bootstrap", string.Empty),
            Intact = values.GetValueOrDefault("installed") == "intact",
            Locked = values.GetValueOrDefault("lock") != "free",
            Slots = SlotState.Parse(lines),
            Releases = Words(values.GetValueOrDefault("releases", string.Empty)),
            Files = files,
            DatabaseRevisions = database == "?" ? null : Words(database),
            HealthStatus = int.TryParse(code, NumberStyles.None, CultureInfo.InvariantCulture, out var status) ? status : 0,
            HealthBody = body,
        };
    }

    private static HashSet<string> Words(string text) => [.. text.Split(' ', StringSplitOptions.RemoveEmptyEntries)];

    private static Regex ReleaseIs(string release) => new($"\"release\": ?\"{Regex.Escape(release)}\"", RegexOptions.CultureInvariant);

    [GeneratedRegex("\"revision\": ?\"(?<revision>[^\"]*)\"")]
    private static partial Regex ReportedRevision();

    [GeneratedRegex("\"status\": ?\"ok\"")]
    private static partial Regex StatusOk();
}

/// <summary>The probe: one root command that prints <see cref="ServerState"/>'s lines, changing nothing.</summary>
public static class ServerProbe
{
    /// <summary>The settings files whose checksums the probe reports.</summary>
    public static readonly IReadOnlyList<string> SettingsFiles = [ServerMap.EnvFile, ServerMap.RedisCaFile, ServerMap.MigrationEnvFile, ServerMap.SettingsFingerprint];

    /// <summary>
    /// Reads alembic_version with the driver the app already has (no Alembic start-up), with the
    /// URL migrations use (the app's env file, then the root-only migration file); "?" when it cannot.
    /// </summary>
    public const string DatabaseRevisionScript = """
        import sys
        env = {}
        for name in ("@ENV@", "@MIGRATE@"):
            try:
                for line in open(name):
                    key, eq, value = line.rstrip("\n").partition("=")
                    if eq:
                        env[key] = value
            except OSError:
                pass
        try:
            import psycopg2
            scheme, rest = env["DATABASE_URL"].split("://", 1)
            connection = psycopg2.connect(scheme.split("+")[0] + "://" + rest, connect_timeout=3, application_name="tableorder-probe")
            cursor = connection.cursor()
            cursor.execute("SELECT version_num FROM alembic_version")
            print("db=" + " ".join(sorted(row[0] for row in cursor.fetchall())))
        except Exception:
            print("db=?")
        """;

    public static RemoteCommand Command(int httpPort, ServerTls? tls = null)
    {
        var python = DatabaseRevisionScript.Replace("@ENV@", ServerMap.EnvFile, StringComparison.Ordinal).Replace("@MIGRATE@", ServerMap.MigrationEnvFile, StringComparison.Ordinal);
        // as the health gate reaches the site: over HTTPS when it has a domain (plain HTTP only redirects then)
        var url = Release.HealthGate.Target(httpPort, tls);
        string[] lines =
        [
            $"home=$(getent passwd \"${{SUDO_USER:-root}}\" | cut -d: -f6)",
            $"printf 'scripts=%s\\n' \"$(cat \"$home/{ServerMap.ScriptsFolder}/{DeployScripts.FingerprintFile}\" 2>/dev/null)\"",
            $"printf 'bootstrap=%s\\n' \"$(cat {ServerMap.BootstrapStamp} 2>/dev/null)\"",
            $"if sha256sum --quiet -c {ServerMap.BootstrapFiles} >/dev/null 2>/dev/null; then echo installed=intact; else echo installed=changed; fi",
            $"if [ -e {ServerMap.Lock} ]; then echo lock=held; else echo lock=free; fi",
            "system=$(systemctl is-system-running 2>/dev/null)",
            "if command -v cloud-init >/dev/null && [ ! -f /var/lib/cloud/instance/boot-finished ]; then system=cloud-init; fi",
            "printf 'system=%s\\n' \"$system\"",
            // cloud-init's own status command starts Python (half a second); its files say the same here
            "if ! command -v cloud-init >/dev/null; then ci=none; elif [ ! -f /var/lib/cloud/instance/boot-finished ]; then ci=running; else ci=done; fi",
            "printf 'cloudinit=%s\\n' \"$ci\"",
            $"live=$(cat {ServerMap.LiveSlotFile} 2>/dev/null); printf 'live=%s\\n' \"${{live:-none}}\"",
            $"for slot in blue green; do target=$(readlink {ServerMap.Slots}/$slot 2>/dev/null); printf '%s=%s %s\\n' $slot \"${{target##*/}}\" \"$(systemctl is-active tableorder-api@$slot.service 2>/dev/null)\"; done",
            $"printf 'pending=%s\\n' \"$(find {ServerMap.PendingDirectory} -mindepth 1 -maxdepth 1 -printf '%f ' 2>/dev/null)\"",
            $"printf 'releases=%s\\n' \"$(cd {ServerMap.Releases} 2>/dev/null && for r in *; do [ -f \"$r/{ServerMap.ReleaseComplete}\" ] && printf '%s ' \"$r\"; done)\"",
            $"for file in {string.Join(' ', SettingsFiles)}; do printf 'file %s=%s\\n' \"$file\" \"$(sha256sum \"$file\" 2>/dev/null | cut -d' ' -f1)\"; done",
            $"out=$(curl -s --max-time 3 -w '\\n%{{http_code}}' {url} 2>/dev/null) || true",
            "body=$(printf '%s' \"${out%$'\\n'*}\" | tr -d '\\n'); printf 'health=%s %s\\n' \"${out##*$'\\n'}\" \"$body\"",
            $"case $body in *'\"revision\":'*) ;; *) python3 -c {Shell.Quote(python)} 2>/dev/null || echo 'db=?' ;; esac",
        ];
        return RemoteCommand.Root(string.Join('\n', lines), "read the server's state") with { AllowFailure = true, Timeout = TimeSpan.FromMinutes(1) };
    }

    public static async Task<ServerState> ReadAsync(IRemoteShell shell, int httpPort, ServerTls? tls = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shell);
        var result = await shell.RunAsync(Command(httpPort, tls), cancellationToken);
        return ServerState.Parse(result.Output);
    }
}
