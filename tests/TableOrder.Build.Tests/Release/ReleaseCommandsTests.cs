using TableOrder.Build.Release;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;
using Xunit;

namespace TableOrder.Build.Tests.Release;

/// <summary>The release, lock, audit, migration and health commands, as text: what would run on the server.</summary>
[Trait("Category", "Unit")]
public sealed class ReleaseCommandsTests
{
    [Fact]
    public void Unpack_builds_the_release_beside_its_target_renames_it_in_and_always_removes_the_upload()
    {
        var command = ReleaseCommands.Unpack("abc123def456", "tableorder-release-abc123def456.tgz");

        var text = command.CommandLine;
        Assert.Contains("install -d -m 0755 /opt/tableorder/releases/abc123def456.tmp", text, StringComparison.Ordinal);
        Assert.Contains("mv -T /opt/tableorder/releases/abc123def456.tmp /opt/tableorder/releases/abc123def456", text, StringComparison.Ordinal);
        Assert.True(text.IndexOf("RELEASE_ID", StringComparison.Ordinal) < text.IndexOf("mv -T", StringComparison.Ordinal), "RELEASE_ID is written before the rename");
        Assert.EndsWith("; status=$?; rm -f ~/tableorder-release-abc123def456.tgz; exit $status", text, StringComparison.Ordinal);
        Assert.StartsWith("sudo -n -- timeout 0 bash -c ", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_slot_commands_run_slot_sh_as_root_with_the_slot_its_port_and_the_policy()
    {
        Assert.Equal("sudo -n -- timeout 0 bash \"$HOME/tableorder-deploy/slot.sh\" prepare abc --python-deps distro", SlotCommands.Prepare("abc", new ServerPolicy(false, PythonPackages.Distro)).Text);
        Assert.EndsWith("prepare abc --python-deps lock", SlotCommands.Prepare("abc", new ServerPolicy(true, PythonPackages.Lock)).Text, StringComparison.Ordinal);
        var start = SlotCommands.Start("green", "abc", 8001, TimeSpan.FromSeconds(59.5));
        Assert.EndsWith("slot.sh\" start green abc --port 8001 --timeout 60", start.Text, StringComparison.Ordinal);
        Assert.True(start.AllowFailure);
        Assert.EndsWith("slot.sh\" switch blue --port 8000", SlotCommands.Switch("blue", 8000).Text, StringComparison.Ordinal);
        Assert.EndsWith("slot.sh\" stop green", SlotCommands.Stop("green").Text, StringComparison.Ordinal);
        Assert.EndsWith("slot.sh\" clear api-refresh", SlotCommands.ClearRefresh().Text, StringComparison.Ordinal);
        Assert.Equal(8001, ServerPorts.Production.For("green"));
        Assert.Equal(8000, ServerPorts.Production.For("blue"));
    }

    [Fact]
    public void The_slot_state_names_the_live_slot_each_slots_release_and_what_is_pending()
    {
        var state = SlotState.Parse(["live=green", "blue=abc inactive", "green=def active", "pending=switch api-refresh "]);
        Assert.Equal("green", state.Live);
        Assert.Equal("def", state.LiveRelease);
        Assert.Equal("blue", state.Idle);
        Assert.Equal("abc", state.Releases["blue"]);
        Assert.False(state.Running["blue"]);
        Assert.True(state.Running["green"]);
        Assert.Equal(["switch", "api-refresh"], state.Pending);

        var fresh = SlotState.Parse(["live=none", "blue= inactive", "green= inactive", "pending="]);
        Assert.Null(fresh.Live);
        Assert.Null(fresh.LiveRelease);
        Assert.Equal("blue", fresh.Idle);
        Assert.Null(fresh.Releases["blue"]);
        Assert.Empty(fresh.Pending);
    }

    [Fact]
    public void A_release_is_there_only_when_it_is_complete()
    {
        Assert.Equal("test -f /opt/tableorder/releases/abc/.complete", ReleaseCommands.Exists("abc").Text);
    }

    [Fact]
    public void Pruning_keeps_the_newest_and_never_current_or_previous()
    {
        string[] newestFirst = ["r7", "r6", "r5", "r4", "r3", "r2", "r1"];

        Assert.Equal(["r2"], ReleaseCommands.Doomed(newestFirst, 5, current: "r7", previous: "r1"));
        Assert.Equal(["r2", "r1"], ReleaseCommands.Doomed(newestFirst, 5, current: null, previous: null));
        Assert.Empty(ReleaseCommands.Doomed(["r1"], 5, "r1", null));
        Assert.Equal("rm -rf '/opt/tableorder/releases/r2' '/opt/tableorder/releases/r1'", ReleaseCommands.Remove(["r2", "r1"]).Text);
    }

    [Fact]
    public void Listing_leaves_out_the_placeholder_and_half_made_releases()
    {
        Assert.Equal(["b", "a"], ReleaseCommands.ParseList(["b", " placeholder ", "c.tmp", "", "a"]));
        Assert.Equal("abc", ReleaseCommands.ReleaseName("/opt/tableorder/releases/abc/\n"));
        Assert.Null(ReleaseCommands.ReleaseName("  "));
    }

    [Fact]
    public void Logs_read_the_api_or_nginx_files_of_the_server_map()
    {
        Assert.Equal("tail -n 50 -F /var/log/tableorder/api.log", ReleaseCommands.LogTail("api", 50, follow: true).Text);
        Assert.Equal($"tail -n 10 {ServerMap.NginxAccessLog} {ServerMap.NginxErrorLog}", ReleaseCommands.LogTail("nginx", 10, follow: false).Text);
        Assert.True(ReleaseCommands.LogTail("api", 1, true).Timeout > TimeSpan.FromHours(1));
    }

    [Fact]
    public void The_lock_is_an_atomic_mkdir_whose_holder_is_written_by_a_rename_and_released_only_by_its_token()
    {
        var acquire = LockCommands.Acquire("{\"Actor\":\"a'b\"}").Text;
        Assert.StartsWith("install -d -m 0700 -o root -g root /var/lib/tableorder-deploy && if mkdir /var/lib/tableorder-deploy/deploy.lock 2>/dev/null; then", acquire, StringComparison.Ordinal);
        Assert.Contains("> /var/lib/tableorder-deploy/deploy.lock/holder.tmp && mv -f /var/lib/tableorder-deploy/deploy.lock/holder.tmp /var/lib/tableorder-deploy/deploy.lock/holder", acquire, StringComparison.Ordinal);
        Assert.Contains("'{\"Actor\":\"a'\\''b\"}'", acquire, StringComparison.Ordinal);

        var release = LockCommands.Release("tok123").Text;
        Assert.Equal("if grep -q 'tok123' /var/lib/tableorder-deploy/deploy.lock/holder 2>/dev/null; then rm -rf /var/lib/tableorder-deploy/deploy.lock; fi", release);
    }

    [Fact]
    public void A_lock_file_is_read_back_as_its_holder()
    {
        var holder = new LockHolder("alice@host", new DateTime(2026, 11, 28, 1, 2, 3, DateTimeKind.Utc), "deploy", "abc", "t");
        Assert.Equal(holder, DeployLock.Parse(System.Text.Json.JsonSerializer.Serialize(holder)));
        Assert.Null(DeployLock.Parse("{}"));
        Assert.Null(DeployLock.Parse(" "));
        Assert.StartsWith("unknown", DeployLock.Parse("not json")!.Actor, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lock_whose_process_is_gone_from_this_machine_is_named_stale_with_the_command_that_frees_it()
    {
        var gone = new LockHolder("bob@here", DateTime.UtcNow, "deploy", null, "t") { Host = Environment.MachineName, Pid = 999_999_999 };
        var alive = gone with { Pid = Environment.ProcessId };
        var elsewhere = gone with { Host = "another-machine" };

        Assert.True(gone.IsStaleHere);
        Assert.False(alive.IsStaleHere);
        Assert.False(elsewhere.IsStaleHere);
        var error = new DeployLockedException(gone);
        Assert.Contains("the lock is stale", error.Message, StringComparison.Ordinal);
        Assert.Contains("--target=Lock --unlock", error.Message, StringComparison.Ordinal);
        Assert.Contains("--lock-wait", new DeployLockedException(alive).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_audit_log_appends_one_quoted_json_line_as_root()
    {
        var command = AuditLog.Append("{\"action\":\"it's\"}");
        Assert.True(command.AsRoot);
        Assert.Equal(
            "install -d -m 0700 -o root -g root /var/lib/tableorder-deploy && (umask 077 && printf '%s\\n' '{\"action\":\"it'\\''s\"}' >> /var/lib/tableorder-deploy/audit.log) && chmod 0600 /var/lib/tableorder-deploy/audit.log",
            command.Text);
    }

    [Fact]
    public void Migrations_run_as_a_dynamic_user_with_only_the_root_only_migration_file_and_no_metadata_service()
    {
        var command = Migrations.Command("abc");
        Assert.Equal(
            "if [ ! -f /etc/tableorder/migrate.env ]; then echo 'tableorder: /etc/tableorder/migrate.env (the database owner URL for migrations) is missing: run --target=Bootstrap, which writes it' >&2; exit 3; fi; " +
            "systemd-run --quiet --wait --pipe --collect --property=DynamicUser=yes --property=User=tableorder-migrate --property=EnvironmentFile=/etc/tableorder/migrate.env " +
            "--property=Environment=PYTHONDONTWRITEBYTECODE=1 --property=ProtectHome=yes --property=IPAddressDeny=169.254.169.254 --property=IPAddressDeny=fd00:ec2::254 " +
            "--working-directory=/opt/tableorder/releases/abc /opt/tableorder/releases/abc/.venv/bin/python -c " + Shell.Quote(Migrations.Wrapper()),
            command.Text);
        Assert.True(command.AsRoot);
        Assert.DoesNotContain("--uid", command.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(ServerMap.EnvFile, command.Text, StringComparison.Ordinal);
        Assert.True(command.AllowFailure);
    }

    [Fact]
    public void The_health_gate_polls_through_nginx_for_the_expected_release_and_reads_back_one_line()
    {
        var command = HealthGate.Command(8080, "abc", TimeSpan.FromSeconds(7));
        Assert.Contains("http://127.0.0.1:8080/api/health", command.Text, StringComparison.Ordinal);
        Assert.Contains("abc", command.Text, StringComparison.Ordinal);
        Assert.Contains("deadline=$((SECONDS + 7))", command.Text, StringComparison.Ordinal);
        Assert.True(command.AllowFailure);

        var read = HealthGate.Read(1, "unhealthy after 7s: HTTP 502 <html>\n  <body> bad </body>\n</html>");
        Assert.False(read.Healthy);
        Assert.Equal("unhealthy after 7s: HTTP 502 <html> <body> bad </body> </html>", read.Detail);
        Assert.True(HealthGate.Read(0, "healthy: {}").Healthy);
        Assert.EndsWith("...", HealthGate.Read(1, new string('x', 400)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_health_script_accepts_only_the_expected_release_reported_ok()
    {
        // The script's release check, run by bash against canned bodies.
        foreach (var (body, healthy) in new[]
        {
            ("{\"status\": \"ok\", \"release\": \"abc\"}", true),
            ("{\"status\":\"ok\",\"release\":\"abc\"}", true),
            ("{\"status\": \"degraded\", \"release\": \"abc\"}", false),
            ("{\"status\": \"ok\", \"release\": \"other\"}", false),
        })
        {
            var script = HealthGate.Script(1, "abc", TimeSpan.FromSeconds(1))
                .Replace("out=$(curl -s --max-time 5 -w '\\n%{http_code}' http://127.0.0.1:1/api/health 2>&1) || true", $"out=$(printf '%s\\n200' {TableOrder.Build.Remote.Shell.Quote(body)})", StringComparison.Ordinal);
            Assert.Contains("printf", script, StringComparison.Ordinal);
            using var bash = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("bash", ["-c", script]) { RedirectStandardOutput = true })!;
            await bash.StandardOutput.ReadToEndAsync();
            await bash.WaitForExitAsync();
            Assert.True((bash.ExitCode == 0) == healthy, body);
        }
    }
}
