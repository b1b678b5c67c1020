using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using TableOrder.Build.Aws;
using TableOrder.Build.IntegrationTests.Support;
using TableOrder.Build.Testing;
using Xunit;
using Xunit.Abstractions;

namespace TableOrder.Build.IntegrationTests.Rehearsal;

/// <summary>Stops the tests' rehearsal stack (its machine, PostgreSQL, Redis, its AWS: moto) when the class is done.</summary>
public sealed class RehearsalFixture : IDisposable
{
    public static string StateRoot { get; } = Path.Combine(RepositoryRoot.Path, ".tableorder", "test");

    public static string StateDirectory { get; } = Path.Combine(StateRoot, "rehearsal");

    private static readonly TimeSpan LongRun = TimeSpan.FromMinutes(30);

    public void Dispose() =>
        OrchestratorProcess.RunAsync(RepositoryRoot.Path, TimeSpan.FromMinutes(3), ["--target=LocalDown", "--environment=rehearsal", $"--state-dir={StateRoot}"]).GetAwaiter().GetResult();

    /// <summary>One rehearsal run on the tests' stack, read back from its last-run.json (the output shown when it failed).</summary>
    public static async Task<BuildResult> RehearseAsync(ITestOutputHelper output, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (Directory.Exists(StateDirectory))
        {
            File.Delete(Path.Combine(StateDirectory, LastRun.FileName));
        }

        var run = await OrchestratorProcess.RunAsync(RepositoryRoot.Path, LongRun, [.. arguments, "--environment=rehearsal", $"--state-dir={StateRoot}"]);
        var result = new BuildResult(run.ExitCode, run.Output, LastRun.Read(StateDirectory));
        if (run.ExitCode != 0)
        {
            output.WriteLine(result.ToString());
        }

        return result;
    }
}

/// <summary>The classes that use the tests' rehearsal stack (.tableorder/test) run one after the other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RehearsalGroup
{
    public const string Name = "Rehearsal stack";
}

/// <summary>
/// The production rehearsal end to end (`--environment=rehearsal`): production's code path against the
/// rehearsal's own AWS (moto, a service of the tests' rehearsal stack), terraform applying the root
/// module there for real, its instance a machine booted through cloud-init, its database and cache the
/// stack's PostgreSQL and Redis. Needs root, like the local stack, and python3 with moto 5.2.1.
/// </summary>
[Trait("Category", "Integration")]
[Collection(RehearsalGroup.Name)]
public sealed class RehearsalTests(RehearsalFixture fixture, ITestOutputHelper output) : IClassFixture<RehearsalFixture>
{
    private static string PinFile => Path.Combine(RehearsalFixture.StateDirectory, "ssh-host-key.pin");

    private static RehearsalAws Aws => new(RehearsalFixture.StateDirectory);

    [Fact]
    public async Task Deploy_applies_every_planned_resource_in_moto_a_second_run_changes_nothing_ssm_runs_through_moto_and_a_gone_aws_starts_afresh()
    {
        Assert.NotNull(fixture);
        Assert.Equal(0, (await Rehearse("--target=LocalDown", "--purge")).ExitCode);

        var first = await Rehearse("--target=Deploy");
        Assert.Equal(0, first.ExitCode);
        var planned = first.Run.Outcome("Plan", "planned")!.Value.GetProperty("add").GetInt32();
        Assert.True(planned >= 40, $"the plan adds {planned} resources");
        Assert.Equal(planned, first.Run.Outcome("Provision", "resources")!.Value.GetProperty("added").GetInt32());
        Assert.Equal("set", first.Run.Text("Provision", "redisAuthToken"));
        Assert.Equal("done", first.Run.Text("WaitForServer", "cloudInit"));
        var instance = Assert.Single(await Aws.InstancesAsync(), i => i.Value == "running").Key;
        Assert.Equal(instance, OwnerOfPin());
        await AssertNoSecretIn(first.Output);

        var again = await Rehearse("--target=Deploy");
        Assert.Equal(0, again.ExitCode);
        Assert.False(again.Run.Flag("Plan", "changes"));
        Assert.False(again.Run.Flag("Provision", "applied"));
        Assert.Equal("kept", again.Run.Text("Provision", "redisAuthToken"));
        Assert.Equal(0, again.Run.Number("Bootstrap", "changes"));
        Assert.False(again.Run.Flag("Bootstrap", "restarted"));
        Assert.False(again.Run.Flag("Release", "uploaded"));
        Assert.False(again.Run.Flag("Activate", "switched"));

        var ssm = await Rehearse("--target=Deploy", "--transport=ssm");
        Assert.Equal(0, ssm.ExitCode);
        using (var client = Aws.Ssm())
        {
            var commands = (await client.ListCommandsAsync(new Amazon.SimpleSystemsManagement.Model.ListCommandsRequest { InstanceId = instance })).Commands;
            Assert.NotEmpty(commands);
            Assert.All(commands, c => Assert.Equal("AWS-RunShellScript", c.DocumentName));
        }

        // moto keeps everything in memory: once it has gone, the rehearsal's AWS starts afresh (a new instance, a new apply)
        Assert.Equal(0, (await Rehearse("--target=LocalDown")).ExitCode);
        var afresh = await Rehearse("--target=Deploy");
        Assert.Equal(0, afresh.ExitCode);
        Assert.True(afresh.Run.Flag("Plan", "awsAfresh"));
        Assert.Equal(planned, afresh.Run.Outcome("Provision", "resources")!.Value.GetProperty("added").GetInt32());
        Assert.NotEqual(instance, Assert.Single(await Aws.InstancesAsync(), i => i.Value == "running").Key);
    }

    [Fact]
    public async Task After_a_restart_the_console_shows_no_keys_and_the_kept_pin_connects_but_a_changed_key_is_refused()
    {
        var deployed = await Rehearse("--target=Deploy");
        Assert.Equal(0, deployed.ExitCode);

        // The pin is the key real cloud-init made for this instance (its ssh module replaced the image's keys)
        // and printed to the console, where the first connection read it (moto's GetConsoleOutput).
        var instance = Directory.GetDirectories(Path.Combine(MachineRootfs, "var", "lib", "cloud", "instances")).Single();
        Assert.True(File.Exists(Path.Combine(instance, "sem", "config_ssh")));
        Assert.True(File.Exists(Path.Combine(instance, "sem", "config_keys_to_console")));
        var machineKey = KeyOf(await File.ReadAllTextAsync(Path.Combine(MachineRootfs, "etc", "ssh", "ssh_host_ed25519_key.pub")));
        var imageKey = KeyOf(await File.ReadAllTextAsync(Path.Combine(ImageRootfs(), "etc", "ssh", "ssh_host_ed25519_key.pub")));
        Assert.NotEqual(imageKey, machineKey);
        var (owner, pinned) = TableOrder.Build.Aws.KeptHostKey.Parse(await File.ReadAllTextAsync(PinFile));
        Assert.Equal(machineKey, KeyOf(pinned));
        Assert.StartsWith("i-", owner, StringComparison.Ordinal);

        // the instance restarts: its machine shuts down (as the OS of a rebooted instance), the next Provision boots it again
        StopMachine();
        var restartedAt = DateTime.UtcNow;
        var restarted = await Rehearse("--target=Deploy");
        Assert.Equal(0, restarted.ExitCode);

        // cloud-init ran this boot too (WaitForServer waited for it), but its per-instance modules did not:
        // the same keys, none printed to this boot's console; the kept pin connected.
        Assert.Equal("done", restarted.Run.Text("WaitForServer", "cloudInit"));
        Assert.True(File.GetLastWriteTimeUtc(Path.Combine(instance, "boot-finished")) > restartedAt);
        Assert.True(File.GetLastWriteTimeUtc(Path.Combine(instance, "sem", "config_keys_to_console")) < restartedAt);
        Assert.Equal(machineKey, KeyOf(await File.ReadAllTextAsync(Path.Combine(MachineRootfs, "etc", "ssh", "ssh_host_ed25519_key.pub"))));
        Assert.DoesNotContain(TableOrder.Build.Aws.ConsoleHostKeys.BeginMarker, await File.ReadAllTextAsync(Path.Combine(RehearsalFixture.StateDirectory, "machine", "console.log")), StringComparison.Ordinal);

        var kept = await File.ReadAllTextAsync(PinFile);
        try
        {
            // a changed key for the same instance (the one moto reports) is refused
            await File.WriteAllTextAsync(PinFile, TableOrder.Build.Aws.KeptHostKey.Format(owner!, OtherHostKey()) + "\n");
            var refused = await Rehearse("--target=WaitForServer", "--exclusive");
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("does not match the pinned key", refused.Run.Error, StringComparison.Ordinal);
            Assert.Contains("--ssh-host-key=", refused.Run.Error, StringComparison.Ordinal);
        }
        finally
        {
            await File.WriteAllTextAsync(PinFile, kept);
        }
    }

    [Fact]
    public async Task A_master_password_rotation_leaves_the_app_healthy_and_the_next_deploy_green()
    {
        Assert.Equal(0, (await Rehearse("--target=Deploy")).ExitCode);
        var password = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var outputs = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(RehearsalFixture.StateDirectory, "terraform-outputs.json"))).RootElement;
        var secretArn = outputs.GetProperty("DbSecretArn").GetString()!;
        var master = outputs.GetProperty("DbUsername").GetString()!;

        // Secrets Manager's side of the rotation (the RDS-managed secret in the rehearsal's AWS) ...
        using (var secrets = Aws.SecretsManager())
        {
            var value = JsonNode.Parse((await secrets.CallAsync("GetSecretValue", new JsonObject { ["SecretId"] = secretArn }))["SecretString"]!.GetValue<string>())!;
            value["password"] = password;
            await secrets.CallAsync("PutSecretValue", new JsonObject { ["SecretId"] = secretArn, ["SecretString"] = value.ToJsonString() });
        }

        // ... and the database's.
        var ports = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(RehearsalFixture.StateDirectory, "ports.json"))).RootElement;
        var postgresPort = ports.GetProperty("Postgres").GetInt32();
        await using (var connection = new NpgsqlConnection($"Host={Path.Combine(RehearsalFixture.StateDirectory, "postgres", "run")};Port={postgresPort};Username=postgres;Database=postgres;Pooling=false"))
        {
            await connection.OpenAsync();
#pragma warning disable CA2100 // a hex literal made above, the master's name from terraform
            await using var alter = new NpgsqlCommand($"ALTER ROLE \"{master}\" PASSWORD '{password}'", connection);
#pragma warning restore CA2100
            await alter.ExecuteNonQueryAsync();
        }

        // New connections of the running app: it logs in as its own role, untouched by the rotation.
        RunInMachine($"systemctl restart \"tableorder-api@$(cat {Server.ServerMap.LiveSlotFile}).service\"");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var httpPort = ports.GetProperty("Http").GetInt32().ToString(CultureInfo.InvariantCulture);
        var health = string.Empty;
        for (var i = 0; i < 30 && !health.Contains("\"database\":\"ok\"", StringComparison.Ordinal); i++)
        {
            await Task.Delay(1000);
            try
            {
                health = await http.GetStringAsync(new Uri($"http://127.0.0.1:{httpPort}/api/health"));
            }
            catch (HttpRequestException)
            {
                // the API is still starting
            }
        }

        Assert.Contains("\"database\":\"ok\"", health, StringComparison.Ordinal);
        Assert.Equal(0, (await Rehearse("--target=Deploy")).ExitCode);
    }

    [Fact]
    public async Task Rebuild_replaces_the_instance_and_Destroy_leaves_only_the_final_snapshot_and_the_backups()
    {
        Assert.Equal(0, (await Rehearse("--target=Deploy")).ExitCode);
        var before = OwnerOfPin();
        var beforeKey = TableOrder.Build.Aws.KeptHostKey.Parse(await File.ReadAllTextAsync(PinFile)).HostKey;
        await File.WriteAllTextAsync(Path.Combine(MachineRootfs, "root", "old-instance"), before);

        var rebuilt = await Rehearse("--target=Rebuild", "--confirm-rebuild=rehearsal");

        Assert.True(rebuilt.ExitCode == 0, rebuilt.ToString());
        Assert.Contains("module.compute.aws_instance.app_server[0]", rebuilt.Run.Text("RebuildTeardown", "replace"), StringComparison.Ordinal);
        Assert.Equal(1, rebuilt.Run.Outcome("Plan", "planned")!.Value.GetProperty("replace").GetInt32());
        Assert.True(rebuilt.Run.Outcome("Rebuild", "rebuildSeconds")!.Value.GetDouble() > 0);
        var after = OwnerOfPin();
        Assert.NotEqual(before, after);
        Assert.Equal("terminated", (await Aws.InstancesAsync())[before!]);
        Assert.False(File.Exists(Path.Combine(MachineRootfs, "root", "old-instance")), "the new instance boots a fresh copy of the image");
        Assert.NotEqual(beforeKey, TableOrder.Build.Aws.KeptHostKey.Parse(await File.ReadAllTextAsync(PinFile)).HostKey);

        var destroyed = await Rehearse("--target=Destroy", "--confirm-destroy=rehearsal");

        Assert.True(destroyed.ExitCode == 0, destroyed.ToString());
        Assert.All(await Aws.InstancesAsync(), i => Assert.Equal("terminated", i.Value));
        using var rds = Aws.Rds();
        Assert.Empty((await rds.CallAsync("DescribeDBInstances", [])).Child("DBInstances")?.Elements() ?? []);
        var snapshots = (await rds.CallAsync("DescribeDBSnapshots", [])).Child("DBSnapshots")?.Elements().Select(s => (s.Text("DBSnapshotIdentifier"), s.Text("SnapshotType"))).ToList() ?? [];
        Assert.Contains(snapshots, s => s.Item2 == "manual" && s.Item1!.StartsWith("table-order-db-final-", StringComparison.Ordinal));
        // what else stays is data, as on AWS: the automated backups and the manual snapshots (Migrate's, before each migration)
        Assert.All(snapshots, s => Assert.True(s.Item2 == "automated" || s.Item1!.StartsWith("table-order-db-final-", StringComparison.Ordinal) || s.Item1!.StartsWith("table-order-db-manual-", StringComparison.Ordinal), $"{s.Item1} ({s.Item2}) is left"));
        using var ec2 = Aws.Ec2();
        Assert.All((await ec2.DescribeVpcsAsync(new Amazon.EC2.Model.DescribeVpcsRequest())).Vpcs, v => Assert.True(v.IsDefault, $"{v.VpcId} is left"));
        using var secrets = Aws.SecretsManager();
        Assert.Empty((await secrets.CallAsync("ListSecrets", new JsonObject()))["SecretList"]!.AsArray());
        Assert.Null(MachinePid());
    }

    private static string MachineRootfs => Path.Combine(RehearsalFixture.StateDirectory, "machine", "rootfs");

    private static string? OwnerOfPin() => TableOrder.Build.Aws.KeptHostKey.Parse(File.ReadAllText(PinFile)).InstanceId;

    /// <summary>The image the rehearsal's machine was copied from (its name is in the machine folder's marker).</summary>
    private static string ImageRootfs() =>
        Path.Combine(RepositoryRoot.Path, ".tableorder", "cache", "machine", File.ReadAllText(Path.Combine(RehearsalFixture.StateDirectory, "machine", "image")).Trim());

    /// <summary>"type base64" of an OpenSSH public key line (without its comment).</summary>
    private static string KeyOf(string line) => string.Join(' ', line.Trim().Split(' ').Take(2));

    private static string OtherHostKey()
    {
        var folder = Directory.CreateTempSubdirectory("other-host-key");
        try
        {
            using var keygen = Process.Start("ssh-keygen", ["-q", "-t", "ed25519", "-N", string.Empty, "-f", Path.Combine(folder.FullName, "k")])!;
            keygen.WaitForExit();
            var parts = File.ReadAllText(Path.Combine(folder.FullName, "k.pub")).Split(' ');
            return parts[0] + " " + parts[1];
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static int? MachinePid()
    {
        var file = Path.Combine(RehearsalFixture.StateDirectory, "machine", "nspawn.pid");
        return File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), out var pid) && Directory.Exists($"/proc/{pid}") && File.ReadAllText($"/proc/{pid}/comm").StartsWith("systemd-nspawn", StringComparison.Ordinal) ? pid : null;
    }

    /// <summary>An orderly shutdown of the machine (nspawn turns SIGTERM into one), as an instance's OS goes down in a restart.</summary>
    private static void StopMachine()
    {
        var pid = MachinePid() ?? throw new InvalidOperationException("the rehearsal's machine is not running");
        using var kill = Process.Start("kill", ["-TERM", pid.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        for (var i = 0; i < 120 && MachinePid() is not null; i++)
        {
            Thread.Sleep(500);
        }

        Assert.Null(MachinePid());
    }

    private static void RunInMachine(string command)
    {
        var nspawn = File.ReadAllText(Path.Combine(RehearsalFixture.StateDirectory, "machine", "nspawn.pid")).Trim();
        var init = Directory.GetDirectories($"/proc/{nspawn}/task").Select(t => File.ReadAllText(Path.Combine(t, "children")).Trim()).First(c => c.Length > 0).Split(' ')[0];
        using var process = Process.Start("nsenter", ["--target", init, "--mount", "--uts", "--ipc", "--net", "--pid", "--", "/bin/sh", "-c", command])!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    /// <summary>
    /// No secret of the stack (the database's master and app passwords, the Redis AUTH token, the staff
    /// token) in what a cold Deploy printed, its run log, the plan's text or terraform's state.
    /// </summary>
    private static async Task AssertNoSecretIn(string console)
    {
        var secrets = await Aws.SecretValuesAsync();
        Assert.Contains("/tableorder/rehearsal/staff-token", secrets.Keys);
        Assert.Contains("/tableorder/rehearsal/db-app-password", secrets.Keys);
        Assert.True(secrets.Count >= 4, "the master secret and the Redis token's secret too: " + string.Join(", ", secrets.Keys));
        var log = new DirectoryInfo(Path.Combine(RehearsalFixture.StateDirectory, "logs")).GetFiles("*-Deploy.log").MaxBy(f => f.LastWriteTimeUtc)!;
        var places = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["the console"] = console,
            ["the run's log " + log.Name] = await File.ReadAllTextAsync(log.FullName),
            ["the plan's text"] = await File.ReadAllTextAsync(Path.Combine(RehearsalFixture.StateDirectory, "terraform.tfplan.txt")),
            ["terraform's state"] = await File.ReadAllTextAsync(Path.Combine(RehearsalFixture.StateDirectory, "terraform", "terraform.tfstate")),
        };
        Assert.All(places.Values, text => Assert.True(text.Length > 1000, "too short to be what it names"));
        foreach (var (name, value) in secrets)
        {
            Assert.True(value.Length >= 16, $"{name} is no secret: '{value.Length}' characters");
            foreach (var (place, text) in places)
            {
                Assert.False(text.Contains(value, StringComparison.Ordinal), $"the secret {name} is in {place}");
            }
        }
    }

    private Task<BuildResult> Rehearse(params string[] arguments) => RehearsalFixture.RehearseAsync(output, arguments);
}
