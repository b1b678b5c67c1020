using TableOrder.Build.Release;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;
using Xunit;

namespace TableOrder.Build.Tests.Recovery;

/// <summary>Patch's server commands as text, and what apt and needrestart say, read as data.</summary>
[Trait("Category", "Unit")]
public sealed class PackageUpdatesTests
{
    [Fact]
    public void Pending_updates_come_from_a_simulation_and_security_ones_are_marked()
    {
        var updates = PackageUpdates.ParsePending(
        [
            "Inst libssl3t64 [3.5.0-1] (3.5.1-1 Debian-Security:13/stable-security [amd64])",
            "Inst tzdata [2025a-4] (2025b-0+deb13u1 Debian:13.1/stable [all])",
            "Inst linux-image-6.12.41+deb13-amd64 (6.12.41-1 Debian-Security:13/stable-security [amd64])",
            "Inst python3-tableorder-patch-probe [1] (2  [all])",
            "Conf tzdata (2025b-0+deb13u1 Debian:13.1/stable [all])",
            "Reading package lists...",
        ]);
        Assert.Equal(["libssl3t64", "tzdata", "linux-image-6.12.41+deb13-amd64", "python3-tableorder-patch-probe"], updates.Select(u => u.Package));
        Assert.Equal([true, false, true, false], updates.Select(u => u.Security));
        Assert.Equal("3.5.0-1", updates[0].Installed);
        Assert.Equal("3.5.1-1", updates[0].Candidate);
        Assert.Null(updates[2].Installed);
        Assert.Equal("2", updates[3].Candidate);
        Assert.Equal("libssl3t64 3.5.0-1 -> 3.5.1-1 [security]", updates[0].ToString());
    }

    [Fact]
    public void The_list_reads_the_package_lists_again_only_when_patching()
    {
        Assert.StartsWith("DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 apt-get -q -o DPkg::Lock::Timeout=300 update >/dev/null && ", PackageUpdates.Pending(refresh: true).Text, StringComparison.Ordinal);
        var status = PackageUpdates.Pending(refresh: false);
        Assert.Equal("LC_ALL=C apt-get -s -o Debug::NoLocking=1 upgrade --with-new-pkgs | grep '^Inst ' || true", status.Text);
        Assert.True(status.AsRoot);
    }

    [Fact]
    public void Updates_install_with_no_service_restarted_and_a_killed_run_converges()
    {
        var apply = PackageUpdates.Apply(["libssl3t64", "python3-tableorder-patch-probe"]).Text;
        var lines = apply.Split('\n');
        Assert.Equal("set -eu", lines[0]);
        // a leftover policy-rc.d of ours goes, someone else's stops the patch
        Assert.Contains("grep -q 'temporary, tableorder patch' /usr/sbin/policy-rc.d; then rm -f /usr/sbin/policy-rc.d", lines[1], StringComparison.Ordinal);
        Assert.Contains("another install is under way", lines[2], StringComparison.Ordinal);
        Assert.Contains("exit 101", lines[3], StringComparison.Ordinal);
        Assert.Equal("chmod 0755 /usr/sbin/policy-rc.d.tmp && mv -f /usr/sbin/policy-rc.d.tmp /usr/sbin/policy-rc.d", lines[4]);
        Assert.Equal("trap 'rm -f /usr/sbin/policy-rc.d' EXIT", lines[5]);
        Assert.Equal("DEBIAN_FRONTEND=noninteractive dpkg --configure -a", lines[6]);
        Assert.Equal("DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 apt-get -q -o DPkg::Lock::Timeout=300 -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold install --only-upgrade 'libssl3t64' 'python3-tableorder-patch-probe'", lines[7]);
        Assert.Contains("command -v needrestart >/dev/null ||", lines[8], StringComparison.Ordinal);
        Assert.Equal("true", PackageUpdates.Apply([]).Text.Split('\n')[7]);
    }

    [Fact]
    public void Needrestart_lists_only_and_what_it_names_is_restarted_the_way_each_part_allows()
    {
        Assert.Contains("needrestart -b -r l", PackageUpdates.Needs().Text, StringComparison.Ordinal);
        var needs = PackageUpdates.ParseNeeds(
        [
            "NEEDRESTART-VER: 3.6",
            "NEEDRESTART-KSTA: 1",
            "NEEDRESTART-SVC: nginx.service",
            "NEEDRESTART-SVC: tableorder-api@blue.service",
            "NEEDRESTART-SVC: cron.service",
            "NEEDRESTART-SVC: dbus.service",
            "NEEDRESTART-SVC: systemd-manager",
            "NEEDRESTART-SVC: systemd-user",
            "NEEDRESTART-SESS: admin @ user manager",
        ],
            ["libssl3t64"]);
        Assert.True(needs.Nginx);
        Assert.True(needs.Api);
        Assert.Equal(["cron.service"], needs.Others);
        Assert.True(needs.RebootNeeded);
        // what is not a unit systemctl can restart (PID 1, the users' managers) waits for the reboot too
        Assert.Equal(["dbus.service", "systemd-manager", "systemd-user"], needs.RebootReasons);
    }

    [Fact]
    public void A_python_package_restarts_the_api_and_a_newer_kernel_or_the_flag_asks_for_a_reboot()
    {
        var python = PackageUpdates.ParseNeeds(["NEEDRESTART-KSTA: 0"], ["python3-tableorder-patch-probe"]);
        Assert.True(python.Api);
        Assert.False(python.Nginx);
        Assert.False(python.RebootNeeded);

        var kernel = PackageUpdates.ParseNeeds(["NEEDRESTART-KSTA: 3", "REBOOT-REQUIRED"], ["tzdata"]);
        Assert.False(kernel.Api);
        Assert.Equal(["/run/reboot-required", "a newer kernel is installed"], kernel.RebootReasons);
    }

    [Fact]
    public void Nginx_upgrades_on_the_fly_and_the_reboot_returns_before_it_happens()
    {
        var nginx = PackageUpdates.UpgradeNginx().Text.Split('\n');
        Assert.Equal("nginx -t -q", nginx[1]);
        Assert.Equal("kill -USR2 \"$old\"", nginx[4]);
        Assert.Contains("exit 1", nginx[7], StringComparison.Ordinal);
        Assert.Equal("kill -QUIT \"$old\"", nginx[8]);
        Assert.Equal("systemctl restart 'cron.service' 'user@1000.service'", PackageUpdates.Restart(["cron.service", "user@1000.service"]).Text);
        var reboot = PackageUpdates.Reboot();
        Assert.StartsWith("systemd-run --quiet --on-active=1 ", reboot.Text, StringComparison.Ordinal);
        Assert.EndsWith(" systemctl reboot", reboot.Text, StringComparison.Ordinal);
        Assert.True(reboot.AllowFailure);
    }

    [Fact]
    public void Maintenance_is_slot_shs_with_the_retry_after()
    {
        Assert.EndsWith(" bash \"$HOME/tableorder-deploy/slot.sh\" maintenance on --retry-after 60", SlotCommands.MaintenanceOn(TimeSpan.FromSeconds(60)).Text, StringComparison.Ordinal);
        Assert.StartsWith(Shell.SudoPrefix + " ", SlotCommands.MaintenanceOn(TimeSpan.FromSeconds(60)).Text, StringComparison.Ordinal);
        Assert.EndsWith(" bash \"$HOME/tableorder-deploy/slot.sh\" maintenance off", SlotCommands.MaintenanceOff().Text, StringComparison.Ordinal);
        Assert.Equal("/etc/nginx/tableorder/maintenance.conf", ServerMap.NginxMaintenanceFile);
        Assert.StartsWith(ServerMap.DeployStateDirectory + "/", ServerMap.MaintenancePassFile, StringComparison.Ordinal);
        Assert.Contains("readonly MAINTENANCE_CONF='/etc/nginx/tableorder/maintenance.conf'", ServerMap.ShellFile(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_database_revision_read_uses_the_probes_script_and_never_fails_the_run()
    {
        var command = Migrations.DatabaseRevisions();
        Assert.True(command.AsRoot);
        Assert.True(command.AllowFailure);
        Assert.StartsWith("python3 -c ", command.Text, StringComparison.Ordinal);
        Assert.Contains(ServerMap.MigrationEnvFile, command.Text, StringComparison.Ordinal);
        Assert.EndsWith("2>/dev/null || echo 'db=?'", command.Text, StringComparison.Ordinal);
    }
}
