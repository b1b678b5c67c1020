using System.Text.RegularExpressions;
using TableOrder.Build.Remote;

namespace TableOrder.Build.Server;

/// <summary>One pending Debian update: the package, its installed and new version, where the new one comes from.</summary>
public sealed record PendingUpdate(string Package, string? Installed, string Candidate, string Origin)
{
    /// <summary>From Debian's security archive (trixie-security: origin Debian-Security).</summary>
    public bool Security => Origin.Contains("Debian-Security", StringComparison.OrdinalIgnoreCase) || Origin.Contains("-security", StringComparison.OrdinalIgnoreCase);

    public override string ToString() => $"{Package} {Installed ?? "(new)"} -> {Candidate}{(Security ? " [security]" : string.Empty)}";
}

/// <summary>What needrestart (Debian's) says after an upgrade, and what follows from it.</summary>
/// <param name="Services">The units running old code (needrestart's NEEDRESTART-SVC lines).</param>
/// <param name="KernelStatus">needrestart's NEEDRESTART-KSTA: 0 unknown, 1 current, 2 ABI-compatible upgrade pending, 3 version upgrade pending.</param>
/// <param name="RebootRequiredFile">Debian's /run/reboot-required (written by packages that need one).</param>
public sealed record RestartNeeds(IReadOnlyList<string> Services, int KernelStatus, bool RebootRequiredFile)
{
    /// <summary>
    /// Units that cannot be restarted under a running system without harm, and needrestart's names that are
    /// not units at all (systemd-manager: PID 1; systemd-user: the users' managers): they wait for a reboot.
    /// </summary>
    public static readonly IReadOnlyList<string> RebootOnly = ["dbus.service", "dbus-broker.service", "systemd-logind.service", "user@", "getty@", "serial-getty@"];

    /// <summary>The API runs old code: it is restarted through the zero-downtime slot switch.</summary>
    public bool Api { get; init; }

    public bool Nginx => Services.Contains("nginx.service", StringComparer.Ordinal);

    /// <summary>The other units, restarted as they are (systemctl restart).</summary>
    public IReadOnlyList<string> Others => [.. Services.Where(s => s != "nginx.service" && !IsApi(s) && !IsRebootOnly(s))];

    /// <summary>What only a reboot brings up to date.</summary>
    public IReadOnlyList<string> RebootReasons =>
    [
        .. RebootRequiredFile ? new[] { "/run/reboot-required" } : [],
        .. KernelStatus is 2 or 3 ? new[] { "a newer kernel is installed" } : [],
        .. Services.Where(IsRebootOnly),
    ];

    public bool RebootNeeded => RebootReasons.Count > 0;

    public static bool IsApi(string unit) => unit.StartsWith("tableorder-api@", StringComparison.Ordinal);

    private static bool IsRebootOnly(string unit) =>
        !unit.EndsWith(".service", StringComparison.Ordinal) || RebootOnly.Any(r => r.EndsWith('@') ? unit.StartsWith(r, StringComparison.Ordinal) : unit == r);
}

/// <summary>
/// Debian updates on the server, as commands (data) and what their output says. Updates install with
/// no service restarted by the packages' scripts (a temporary policy-rc.d, needrestart suspended), so
/// nothing drops a request; the build then restarts what runs old code the way each part allows.
/// </summary>
public static partial class PackageUpdates
{
    /// <summary>Marks the temporary policy-rc.d of a Patch; a leftover one (a killed run) is removed by the next.</summary>
    public const string PolicyMarker = "temporary, tableorder patch";

    private const string Apt = "DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 apt-get -q -o DPkg::Lock::Timeout=300";

    /// <summary>The packages the API imports come from these: an update of one restarts the API.</summary>
    public static bool TouchesApi(string package) =>
        package.StartsWith("python3", StringComparison.Ordinal) || package.StartsWith("libpython3", StringComparison.Ordinal) ||
        package.StartsWith("libssl", StringComparison.Ordinal) || package.StartsWith("libpq", StringComparison.Ordinal) || package.StartsWith("libc6", StringComparison.Ordinal);

    /// <summary>
    /// The pending updates as `apt-get -s upgrade --with-new-pkgs` lists them (a simulation: it changes
    /// nothing); with <paramref name="refresh"/> the package lists are read again first (apt-get update).
    /// </summary>
    public static RemoteCommand Pending(bool refresh) =>
        RemoteCommand.Root(
            (refresh ? $"{Apt} update >/dev/null && " : string.Empty) +
            "LC_ALL=C apt-get -s -o Debug::NoLocking=1 upgrade --with-new-pkgs | grep '^Inst ' || true",
            refresh ? "read the package lists and the pending updates" : "list the pending updates") with
        { Timeout = TimeSpan.FromMinutes(10) };

    /// <summary>
    /// Installs <paramref name="packages"/> at their candidate versions (an upgrade that removes nothing),
    /// no service restarted meanwhile; first finishes what a killed run left (dpkg --configure -a); then
    /// makes sure needrestart is there to say what runs old code.
    /// </summary>
    public static RemoteCommand Apply(IReadOnlyCollection<string> packages)
    {
        ArgumentNullException.ThrowIfNull(packages);
        var names = string.Join(' ', packages.Select(Shell.Quote));
        string[] lines =
        [
            "set -eu",
            $"if [ -f /usr/sbin/policy-rc.d ] && grep -q '{PolicyMarker}' /usr/sbin/policy-rc.d; then rm -f /usr/sbin/policy-rc.d; fi",
            "[ -e /usr/sbin/policy-rc.d ] && { echo 'patch: /usr/sbin/policy-rc.d is not ours: another install is under way' >&2; exit 1; }",
            $"printf '#!/bin/sh\\n# {PolicyMarker}: no service restarts while updates install\\nexit 101\\n' > /usr/sbin/policy-rc.d.tmp",
            "chmod 0755 /usr/sbin/policy-rc.d.tmp && mv -f /usr/sbin/policy-rc.d.tmp /usr/sbin/policy-rc.d",
            "trap 'rm -f /usr/sbin/policy-rc.d' EXIT",
            "DEBIAN_FRONTEND=noninteractive dpkg --configure -a",
            packages.Count == 0 ? "true" : $"{Apt} -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold install --only-upgrade {names}",
            $"command -v needrestart >/dev/null || {Apt} -y install --no-install-recommends needrestart",
        ];
        return RemoteCommand.Root(string.Join('\n', lines), "install the updates (no service restarted meanwhile)") with { Timeout = TimeSpan.FromMinutes(30), Stream = true };
    }

    /// <summary>needrestart in batch mode, listing only (it restarts nothing), and Debian's reboot-required flag.</summary>
    public static RemoteCommand Needs() =>
        RemoteCommand.Root(
            "NEEDRESTART_SUSPEND= needrestart -b -r l 2>/dev/null || true; if [ -f /run/reboot-required ]; then echo REBOOT-REQUIRED; fi",
            "ask needrestart what runs old code") with
        { Timeout = TimeSpan.FromMinutes(5) };

    /// <summary>
    /// Nginx runs the new binary and libraries with no request dropped: nginx's own on-the-fly upgrade (USR2
    /// starts a new master beside the old, which QUIT then stops gracefully: its workers finish what they
    /// serve). A reload alone would fork new workers from the old master, with the old code. systemd follows
    /// the new master through the unit's PID file.
    /// </summary>
    public static RemoteCommand UpgradeNginx()
    {
        string[] lines =
        [
            "set -eu",
            "nginx -t -q",
            "pidfile=$(systemctl show -p PIDFile --value nginx.service); pidfile=${pidfile:-/run/nginx.pid}",
            "old=$(cat \"$pidfile\")",
            "kill -USR2 \"$old\"",
            "for _ in $(seq 100); do if [ -f \"$pidfile.oldbin\" ] && [ -s \"$pidfile\" ] && [ \"$(cat \"$pidfile\")\" != \"$old\" ]; then break; fi; sleep 0.1; done",
            "new=$(cat \"$pidfile\")",
            "if [ \"$new\" = \"$old\" ]; then echo 'nginx: the new master did not start; the old one serves on' >&2; exit 1; fi",
            "kill -QUIT \"$old\"",
            "echo \"nginx: master $new runs the new binary; $old finishes its requests and goes\"",
        ];
        return RemoteCommand.Root(string.Join('\n', lines), "upgrade nginx on the fly (graceful)");
    }

    public static RemoteCommand Restart(IReadOnlyCollection<string> units)
    {
        ArgumentNullException.ThrowIfNull(units);
        return RemoteCommand.Root($"systemctl restart {string.Join(' ', units.Select(Shell.Quote))}", "restart " + string.Join(", ", units));
    }

    /// <summary>The kernel's id of this boot: another one after a reboot.</summary>
    public static RemoteCommand BootId() => RemoteCommand.User("cat /proc/sys/kernel/random/boot_id", "read the boot id");

    /// <summary>The machine reboots a second from now (the command returns first; the connection drops with the reboot).</summary>
    public static RemoteCommand Reboot() =>
        RemoteCommand.Root("systemd-run --quiet --on-active=1 --timer-property=AccuracySec=100ms systemctl reboot", "reboot") with { AllowFailure = true };

    /// <summary>Reads `apt-get -s` lines: <c>Inst pkg [installed] (candidate origin [arch])</c>.</summary>
    public static IReadOnlyList<PendingUpdate> ParsePending(IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        return [.. lines.Select(l => InstLine().Match(l.Trim())).Where(m => m.Success).Select(m => new PendingUpdate(
            m.Groups["package"].Value,
            m.Groups["installed"].Success ? m.Groups["installed"].Value : null,
            m.Groups["candidate"].Value,
            m.Groups["origin"].Value.Trim()))];
    }

    /// <summary>Reads needrestart's batch output and the reboot-required line.</summary>
    public static RestartNeeds ParseNeeds(IEnumerable<string> lines, IEnumerable<string> upgraded)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(upgraded);
        var services = new List<string>();
        var kernel = 0;
        var rebootFile = false;
        foreach (var line in lines.Select(l => l.Trim()))
        {
            if (line.StartsWith("NEEDRESTART-SVC:", StringComparison.Ordinal))
            {
                services.Add(line["NEEDRESTART-SVC:".Length..].Trim());
            }
            else if (line.StartsWith("NEEDRESTART-KSTA:", StringComparison.Ordinal))
            {
                _ = int.TryParse(line["NEEDRESTART-KSTA:".Length..].Trim(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out kernel);
            }
            else if (line == "REBOOT-REQUIRED")
            {
                rebootFile = true;
            }
        }

        return new RestartNeeds(services, kernel, rebootFile) { Api = services.Any(RestartNeeds.IsApi) || upgraded.Any(TouchesApi) };
    }

    [GeneratedRegex(@"^Inst (?<package>\S+) (?:\[(?<installed>[^\]]+)\] )?\((?<candidate>\S+) (?<origin>[^\[]*)(?:\[[^\]]*\])?\)")]
    private static partial Regex InstLine();
}
