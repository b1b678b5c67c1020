using Cake.Core.Diagnostics;
using TableOrder.Build.Diagnostics;

namespace TableOrder.Build.Local;

/// <summary>
/// The Debian packages the local environment runs on (and, for the browser tests only, Chromium).
/// Missing ones are installed when the build runs as root on Debian or Ubuntu; otherwise the exact
/// command to run is printed.
/// </summary>
public sealed class HostPackages(LocalProcess process, ICakeLog log)
{
    private const string Policy = "/usr/sbin/policy-rc.d";
    private const string PolicyMarker = "# written by the TableOrder build while it installs packages";

    /// <summary>A package and a file that proves it is installed.</summary>
    public static readonly IReadOnlyList<(string Package, string Proof)> Required =
    [
        ("mmdebstrap", "mmdebstrap"),
        ("systemd-container", "systemd-nspawn"),
        ("openssh-client", "ssh-keygen"),
        ("postgresql-15", "/usr/lib/postgresql/15/bin/initdb"),
        ("pgbackrest", "pgbackrest"),
        ("redis-server", "redis-server"),
        ("openssl", "openssl"),
        ("shellcheck", "shellcheck"),
        ("nginx", "nginx"),
        ("iproute2", "ss"),
        ("haproxy", "haproxy"),
        ("pebble", "pebble"),
        ("pebble", "pebble-challtestsrv"),
    ];

    /// <summary>What the browser tests add (their set-up installs it; a Deploy never does): Debian's Chromium, driven by Playwright.</summary>
    public static readonly IReadOnlyList<(string Package, string Proof)> BrowserTests =
    [
        ("chromium", "/usr/bin/chromium"),
    ];

    /// <summary>
    /// What building and booting the machine image needs: installed first, so the image build runs
    /// while the rest installs (mmdebstrap's apt works in the image, not on the host's dpkg).
    /// </summary>
    public static readonly IReadOnlyList<(string Package, string Proof)> ForTheMachine = [.. Required.Where(r => r.Package is "mmdebstrap" or "systemd-container" or "openssh-client")];

    public static IReadOnlyList<string> Missing() => Missing(Required);

    public static IReadOnlyList<string> Missing(IReadOnlyList<(string Package, string Proof)> packages) =>
        packages.Where(r => !LocalProcess.CommandExists(r.Proof)).Select(r => r.Package).Distinct().ToList();

    /// <summary>Host-wide: apt and policy-rc.d are the host's, whichever clone or stack installs.</summary>
    private const string HostLock = "/run/lock/tableorder-host-packages.lock";

    private bool _updated;

    public void EnsureInstalled() => EnsureInstalled(Required);

    /// <summary>Installs what of <paramref name="packages"/> is missing, one build at a time on this host.</summary>
    public void EnsureInstalled(IReadOnlyList<(string Package, string Proof)> packages)
    {
        if (Missing(packages).Count == 0 && !HasLeftoverPolicy)
        {
            log.Verbose("Host packages: all present.");
            return;
        }

        // Another build may be installing right now (apt takes one at a time, and its policy-rc.d
        // must not be removed under it): wait for it, then look again.
        using var installing = LocalProcess.IsRoot ? LocalLock.Wait(HostLock, "installing host packages", log, TimeSpan.FromMinutes(30)) : null;
        var missing = Missing(packages);
        // A build killed while it installed left its policy-rc.d: no service on this host would start.
        RemoveLeftoverPolicy();
        if (missing.Count == 0)
        {
            log.Verbose("Host packages: all present.");
            return;
        }

        var command = $"apt-get update && apt-get install -y --no-install-recommends {string.Join(' ', missing)}";
        if (!LocalProcess.IsRoot || !File.Exists("/usr/bin/apt-get"))
        {
            throw new LocalEnvironmentException(
                $"The local environment needs these packages: {string.Join(", ", missing)}. Install them as root and run again:{Environment.NewLine}  sudo sh -c '{command}'");
        }

        log.Information("Installing host packages: {0}", string.Join(' ', missing));

        // Installing postgresql, redis or nginx must not start the system's own services:
        // the build runs private instances on its own ports. policy-rc.d says so to invoke-rc.d.
        var ownPolicy = !File.Exists(Policy);
        if (ownPolicy)
        {
            File.WriteAllText(Policy, "#!/bin/sh\n" + PolicyMarker + "\nexit 101\n");
            File.SetUnixFileMode(Policy, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        try
        {
            var environment = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
            using var step = log.Step($"Host packages: apt-get install {string.Join(' ', missing)}");
            if (!_updated)
            {
                process.Run("apt-get", ["update", "-q"], environment: environment, echo: true);
                _updated = true;
            }

            process.Run("apt-get", ["install", "-y", "-q", "--no-install-recommends", .. missing], environment: environment, echo: true);
            step.Done();
        }
        finally
        {
            if (ownPolicy)
            {
                File.Delete(Policy);
            }
        }

        var stillMissing = Missing(packages);
        if (stillMissing.Count > 0)
        {
            throw new LocalEnvironmentException($"apt-get finished but these are still missing: {string.Join(", ", stillMissing)}.");
        }
    }

    /// <summary>A policy-rc.d of ours (its marker line) is there, never someone else's.</summary>
    private static bool HasLeftoverPolicy =>
        LocalProcess.IsRoot && File.Exists(Policy) && File.ReadAllText(Policy).Contains(PolicyMarker, StringComparison.Ordinal);

    /// <summary>Removes a policy-rc.d only when it is ours, never someone else's.</summary>
    private void RemoveLeftoverPolicy()
    {
        if (HasLeftoverPolicy)
        {
            File.Delete(Policy);
            log.Warning("Removed {0}, left by an interrupted package install of an earlier build.", Policy);
        }
    }
}
