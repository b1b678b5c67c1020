using System.Text.Json;
using Amazon.Runtime;
using TableOrder.Build.Aws;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.IntegrationTests.Support;
using TableOrder.Build.Local;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;
using TableOrder.Build.Testing;
using Xunit;
using Xunit.Abstractions;

namespace TableOrder.Build.IntegrationTests.Local;

/// <summary>
/// What the app's user can and cannot reach on the bootstrapped local machine (a real Debian 13 with
/// systemd): the instance metadata service from the API's own unit, the migration file and a running
/// migration's environment, the database only with its certificate verified, the SSM transport's
/// output folder, and Python packages from a hash lock only, installed by the build user.
/// </summary>
[Trait("Category", "Integration")]
[Collection(LocalEnvironmentGroup.Name)]
public sealed class ServerPrivilegesTests(LocalEnvironmentFixture stack, ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _apps = new("privileges");

    public void Dispose() => _apps.Dispose();

    /// <summary>
    /// A UDP datagram and a TCP connection to the metadata service: from inside the live API unit's cgroup
    /// as the app user (what the app itself would do), then as root outside any unit. A denied UDP send fails
    /// at once with EPERM (systemd's IPAddressDeny= drops it); a denied TCP connect never completes.
    /// </summary>
    private const string MetadataProbe = """
        cat > /tmp/tableorder-imds-probe.py <<'PY'
        import errno, json, socket, sys
        result = {"who": sys.argv[1]}
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            udp.sendto(b"x", ("169.254.169.254", 80))
            result["udp"] = "sent"
        except OSError as e:
            result["udp"] = errno.errorcode.get(e.errno, str(e.errno))
        tcp = socket.socket()
        tcp.settimeout(2)
        try:
            tcp.connect(("169.254.169.254", 80))
            result["tcp"] = "connected"
        except socket.timeout:
            result["tcp"] = "timeout"
        except OSError as e:
            result["tcp"] = errno.errorcode.get(e.errno, str(e.errno))
        print(json.dumps(result))
        PY
        live=$(cat /var/lib/tableorder/live-slot)
        unit="tableorder-api@$live.service"
        printf '{"deny": "%s", "active": "%s"}\n' "$(systemctl show -P IPAddressDeny "$unit")" "$(systemctl is-active "$unit")"
        cgroup=$(systemctl show -P ControlGroup "$unit")
        (
            for root in /sys/fs/cgroup/unified /sys/fs/cgroup; do
                if [ -f "$root$cgroup/cgroup.procs" ]; then echo $BASHPID > "$root$cgroup/cgroup.procs"; break; fi
            done
            exec setpriv --reuid=tableorder --regid=tableorder --clear-groups python3 /tmp/tableorder-imds-probe.py api-unit
        )
        python3 /tmp/tableorder-imds-probe.py root
        rm -f /tmp/tableorder-imds-probe.py
        """;

    [Fact]
    public async Task The_api_unit_cannot_reach_the_instance_metadata_service_while_root_can()
    {
        Assert.Equal(0, stack.FirstBootstrap.ExitCode);
        using var session = await ConnectAsync();

        var lines = (await RootAsync(session, MetadataProbe)).Output.Select(l => JsonDocument.Parse(l).RootElement).ToList();

        Assert.Equal("active", lines[0].GetProperty("active").GetString());
        Assert.Equal(["169.254.169.254/32", "fd00:ec2::254/128"], lines[0].GetProperty("deny").GetString()!.Split(' ').Order(StringComparer.Ordinal));
        JsonElement Probe(string who) => lines.Single(l => l.TryGetProperty("who", out var name) && name.GetString() == who);
        var unit = Probe("api-unit");
        var root = Probe("root");
        Assert.Equal("EPERM", unit.GetProperty("udp").GetString());
        Assert.NotEqual("connected", unit.GetProperty("tcp").GetString());
        Assert.Equal("sent", root.GetProperty("udp").GetString());
        Assert.NotEqual("EPERM", root.GetProperty("tcp").GetString());
    }

    [Fact]
    public async Task The_app_user_cannot_read_the_migration_file_which_holds_the_owners_url()
    {
        Assert.Equal(0, stack.FirstBootstrap.ExitCode);
        using var session = await ConnectAsync();

        var result = await RootAsync(session, $"""
            stat -c 'mode=%a %U:%G' {ServerMap.MigrationEnvFile}
            if runuser -u {ServerMap.AppUser} -- cat {ServerMap.MigrationEnvFile} >/dev/null 2>&1; then echo app-reads=yes; else echo app-reads=no; fi
            sed -n 's/^DATABASE_URL=postgresql:\/\/\([^:]*\):.*/owner=\1/p' {ServerMap.MigrationEnvFile}
            sed -n 's/^DATABASE_URL=postgresql:\/\/\([^:]*\):.*/app=\1/p' {ServerMap.EnvFile}
            """);

        Assert.Equal(["mode=600 root:root", "app-reads=no", $"owner={LocalLayout.DatabaseUser}", $"app={LocalLayout.AppDatabaseUser}"], result.Output);
    }

    [Fact]
    public async Task A_running_migration_keeps_its_environment_from_the_app_user()
    {
        // A migration that takes a while, then fails (its transaction rolls back): long enough to look at it running.
        var app = ReferenceApp.CopyTo(_apps.Path, "slow-migration");
        await File.WriteAllTextAsync(Path.Combine(app, "migrations", "versions", "0003_slow_then_fail.py"), """
            "A migration that runs for a while, then fails: nothing of it stays."
            import time

            revision = "0003_slow_then_fail"
            down_revision = "0002_menu_images_demo_store"
            branch_labels = None
            depends_on = None


            def upgrade():
                time.sleep(25)
                raise RuntimeError("deliberately slow, then failing")


            def downgrade():
                pass
            """);
        var deploy = BuildRun.RunAsync(LocalEnvironmentFixture.LongRun, "--target=Deploy", $"--app-dir={app}");
        using var session = await ConnectAsync();

        List<string>? seen = null;
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (seen is null && !deploy.IsCompleted && DateTime.UtcNow < deadline)
        {
            var look = await RootAsync(session, $"""
                # the migration itself (the venv's python running the Alembic wrapper), not systemd-run's or a shell's command line that names it
                pid=$(pgrep -f '^{ServerMap.Releases}/[a-z0-9]+/{ServerMap.ReleaseVenv}/bin/python -c ' | head -n 1)
                [ -n "$pid" ] || exit 0
                echo "uid=$(stat -c %u /proc/$pid)"
                echo "app-uid=$(id -u {ServerMap.AppUser})"
                if runuser -u {ServerMap.AppUser} -- cat /proc/$pid/environ >/dev/null 2>&1; then echo app-reads-environ=yes; else echo app-reads-environ=no; fi
                echo "url-in-environ=$(tr '\0' '\n' < /proc/$pid/environ | grep -c '^DATABASE_URL=postgresql://{LocalLayout.DatabaseUser}:')"
                echo "app-env-in-environ=$(tr '\0' '\n' < /proc/$pid/environ | grep -c -e '^STAFF_TOKEN=' -e '^REDIS_URL=')"
                """);
            if (look.Output.Count > 0)
            {
                seen = [.. look.Output];
            }
            else
            {
                await Task.Delay(300);
            }
        }

        var run = await deploy;
        output.WriteLine(run.ToString());
        Assert.NotNull(seen);
        var values = seen.Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.NotEqual(values["app-uid"], values["uid"]);
        Assert.NotEqual("0", values["uid"]);
        Assert.Equal("no", values["app-reads-environ"]);
        Assert.Equal("1", values["url-in-environ"]);
        Assert.Equal("0", values["app-env-in-environ"]);
        Assert.Equal(1, run.ExitCode);
        Assert.Equal("failed", run.Run.Status("Migrate"));
    }

    [Fact]
    public async Task The_database_is_verified_against_its_ca_and_a_wrong_ca_or_name_fails()
    {
        Assert.Equal(0, stack.FirstBootstrap.ExitCode);
        using var session = await ConnectAsync();

        // The app's URL as the env file has it, then with another CA (Redis's) and another name for the same server.
        var result = await RootAsync(session, $$"""
            python3 - <<'PY'
            import json, psycopg2
            url = [l.strip().split("=", 1)[1] for l in open("{{ServerMap.EnvFile}}") if l.startswith("DATABASE_URL=")][0]
            def attempt(u):
                try:
                    c = psycopg2.connect(u, connect_timeout=5)
                    cur = c.cursor()
                    cur.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
                    ssl = cur.fetchone()[0]
                    c.close()
                    return "ok ssl=%s" % ssl
                except psycopg2.OperationalError as e:
                    return "failed: " + str(e).strip().splitlines()[-1]
            print(json.dumps({
                "query": url.split("?", 1)[1],
                "as-written": attempt(url),
                "other-ca": attempt(url.replace("sslrootcert={{ServerMap.DatabaseCaFile}}", "sslrootcert={{ServerMap.RedisCaFile}}")),
                "other-name": attempt(url.replace("@127.0.0.1:", "@localhost:")),
            }))
            PY
            """);

        var outcome = JsonDocument.Parse(Assert.Single(result.Output)).RootElement;
        Assert.Equal($"sslmode=verify-full&sslrootcert={ServerMap.DatabaseCaFile}", outcome.GetProperty("query").GetString());
        Assert.Equal("ok ssl=True", outcome.GetProperty("as-written").GetString());
        Assert.StartsWith("failed", outcome.GetProperty("other-ca").GetString(), StringComparison.Ordinal);
        Assert.Contains("certificate verify failed", outcome.GetProperty("other-ca").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("failed", outcome.GetProperty("other-name").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_ssm_output_folder_on_the_server_is_roots_and_private_and_anything_else_is_refused()
    {
        Assert.Equal(0, stack.FirstBootstrap.ExitCode);
        using var session = await ConnectAsync();
        using var ssm = AwsClients.Ssm("ap-northeast-2", new BasicAWSCredentials("AKIANOTUSED", "not-used"), "http://127.0.0.1:9");
        var folder = new SsmShellOptions().OutputDirectory;
        var log = new RecordingLog(output);
        var wrapper = new SsmShell(ssm, "i-0123456789abcdef0", log, new SecretMasker()).WrapCommand("echo from-the-command", "privilege-test");
        string Run(string before) => $"{before}\n( {wrapper} )\necho \"exit=$?\"\nstat -c 'folder=%a %U %F' {folder} 2>/dev/null || echo folder=none";

        var made = await RootAsync(session, Run($"rm -rf {folder}"));
        var others = await RootAsync(session, Run($"chown {ServerMap.AppUser} {folder}"));
        var link = await RootAsync(session, Run($"rm -rf {folder} /tmp/tableorder-ssm-elsewhere && mkdir -m 0700 /tmp/tableorder-ssm-elsewhere && ln -s /tmp/tableorder-ssm-elsewhere {folder}") +
            "\necho \"elsewhere=$(ls -A /tmp/tableorder-ssm-elsewhere | wc -l)\"");
        await RootAsync(session, $"rm -rf {folder} /tmp/tableorder-ssm-elsewhere");

        Assert.Equal(["from-the-command", "exit=0", "folder=700 root directory"], made.Output);
        Assert.Equal(["exit=125", $"folder=700 {ServerMap.AppUser} directory"], others.Output);
        Assert.Contains("is not a private folder of root", Assert.Single(others.Errors), StringComparison.Ordinal);
        Assert.Equal(["exit=125", "folder=777 root symbolic link", "elsewhere=0"], link.Output);
    }

    private Task<SshSession> ConnectAsync() => MachineRoot.ConnectAsync(stack.Layout, output);

    private Task<RemoteResult> RootAsync(IRemoteShell session, string script) => MachineRoot.RunAsync(session, script, output);
}
