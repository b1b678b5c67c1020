using TableOrder.Build.Release;
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
        Assert.StartsWith("sudo -n -- bash -c ", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Switch_renames_new_links_over_current_and_previous()
    {
        var command = ReleaseCommands.Switch("new", "old");

        Assert.True(command.AsRoot);
        Assert.Equal(
            "ln -sfn /opt/tableorder/releases/old /opt/tableorder/previous.new && mv -T /opt/tableorder/previous.new /opt/tableorder/previous && " +
            "ln -sfn /opt/tableorder/releases/new /opt/tableorder/current.new && mv -T /opt/tableorder/current.new /opt/tableorder/current",
            command.Text);
        Assert.DoesNotContain("previous", ReleaseCommands.Switch("same", "same").Text, StringComparison.Ordinal);
        Assert.DoesNotContain("previous", ReleaseCommands.Switch("first", null).Text, StringComparison.Ordinal);
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
        Assert.StartsWith("{ [ -d /opt/tableorder ] || install -d -m 0755 /opt/tableorder; } && if mkdir /opt/tableorder/deploy.lock 2>/dev/null; then", acquire, StringComparison.Ordinal);
        Assert.Contains("> /opt/tableorder/deploy.lock/holder.tmp && mv -f /opt/tableorder/deploy.lock/holder.tmp /opt/tableorder/deploy.lock/holder", acquire, StringComparison.Ordinal);
        Assert.Contains("'{\"Actor\":\"a'\\''b\"}'", acquire, StringComparison.Ordinal);

        var release = LockCommands.Release("tok123").Text;
        Assert.Equal("if grep -q 'tok123' /opt/tableorder/deploy.lock/holder 2>/dev/null; then rm -rf /opt/tableorder/deploy.lock; fi", release);
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
    public void The_audit_log_appends_one_quoted_json_line_as_root()
    {
        var command = AuditLog.Append("{\"action\":\"it's\"}");
        Assert.True(command.AsRoot);
        Assert.Equal(
            "install -d -m 0750 /var/log/tableorder && printf '%s\\n' '{\"action\":\"it'\\''s\"}' >> /var/log/tableorder/deploy-audit.log && chmod 0640 /var/log/tableorder/deploy-audit.log",
            command.Text);
    }

    [Fact]
    public void Migrations_run_as_the_app_user_with_the_env_file_so_no_url_is_on_a_command_line()
    {
        var command = Migrations.Command("abc");
        Assert.Equal(
            "systemd-run --quiet --wait --pipe --collect --uid=tableorder --gid=tableorder --property=EnvironmentFile=/etc/tableorder/app.env --property=EnvironmentFile=-/etc/tableorder/migrate.env " +
            "--working-directory=/opt/tableorder/releases/abc /opt/tableorder/venv/bin/python -m alembic upgrade head",
            command.Text);
        Assert.True(command.AllowFailure);
        Assert.Equal("0002_b", Migrations.FailedRevision(["INFO Running upgrade  -> 0001_a", "INFO Running upgrade 0001_a -> 0002_b, add things", "Traceback"]));
        Assert.Null(Migrations.FailedRevision(["Traceback"]));
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
