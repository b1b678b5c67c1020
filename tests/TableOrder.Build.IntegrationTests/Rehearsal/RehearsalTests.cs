using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using TableOrder.Build.IntegrationTests.Support;
using TableOrder.Build.Testing;
using Xunit;
using Xunit.Abstractions;

namespace TableOrder.Build.IntegrationTests.Rehearsal;

/// <summary>Stops the tests' rehearsal stack when the class is done.</summary>
public sealed class RehearsalFixture : IDisposable
{
    public static string StateRoot { get; } = Path.Combine(RepositoryRoot.Path, ".tableorder", "test");

    public static string StateDirectory { get; } = Path.Combine(StateRoot, "rehearsal");

    public void Dispose() =>
        OrchestratorProcess.RunAsync(RepositoryRoot.Path, TimeSpan.FromMinutes(3), ["--target=LocalDown", "--environment=rehearsal", $"--state-dir={StateRoot}"]).GetAwaiter().GetResult();
}

/// <summary>
/// The production rehearsal end to end (`--environment=rehearsal`): production's code path with the AWS
/// stand-in, the tests' own rehearsal stack as instance, database and cache. Needs root, like the local stack.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RehearsalTests(RehearsalFixture fixture, ITestOutputHelper output) : IClassFixture<RehearsalFixture>
{
    private static readonly TimeSpan LongRun = TimeSpan.FromMinutes(20);

    private static string PinFile => Path.Combine(RehearsalFixture.StateDirectory, "ssh-host-key.pin");

    [Fact]
    public async Task Deploy_is_green_over_ssh_and_ssm_a_second_run_changes_nothing_and_only_the_stand_in_was_called()
    {
        Assert.NotNull(fixture);
        var first = await Rehearse("--target=Deploy");
        Assert.Equal(0, first.ExitCode);
        Assert.Contains("terraform apply is the one production step not rehearsed", first.Output, StringComparison.Ordinal);
        Assert.Equal("done", first.Run.Text("WaitForServer", "cloudInit"));
        var journal = await File.ReadAllTextAsync(Path.Combine(RehearsalFixture.StateDirectory, "aws-standin-journal.txt"));
        Assert.Contains("DescribeInstanceStatus", journal, StringComparison.Ordinal);
        Assert.Contains("GetSecretValue", journal, StringComparison.Ordinal);
        Assert.Contains("GetCallerIdentity", journal, StringComparison.Ordinal);

        var again = await Rehearse("--target=Deploy");
        Assert.Equal(0, again.ExitCode);
        Assert.Equal(0, again.Run.Number("Bootstrap", "changes"));
        Assert.False(again.Run.Flag("Bootstrap", "restarted"));
        Assert.False(again.Run.Flag("Release", "uploaded"));
        Assert.False(again.Run.Flag("Activate", "switched"));

        var ssm = await Rehearse("--target=Deploy", "--transport=ssm");
        Assert.Equal(0, ssm.ExitCode);
        Assert.Contains("SendCommand", await File.ReadAllTextAsync(Path.Combine(RehearsalFixture.StateDirectory, "aws-standin-journal.txt")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_a_restart_the_console_shows_no_keys_and_the_kept_pin_connects_but_a_changed_key_is_refused()
    {
        var deployed = await Rehearse("--target=Deploy");
        Assert.Equal(0, deployed.ExitCode);
        Assert.Equal("done", deployed.Run.Text("WaitForServer", "cloudInit"));

        // The pin is the key real cloud-init made for this instance (its ssh module replaced the image's keys)
        // and printed to the console, where the first connection read it.
        var instance = Directory.GetDirectories(Path.Combine(MachineRootfs, "var", "lib", "cloud", "instances")).Single();
        Assert.True(File.Exists(Path.Combine(instance, "sem", "config_ssh")));
        Assert.True(File.Exists(Path.Combine(instance, "sem", "config_keys_to_console")));
        var machineKey = KeyOf(await File.ReadAllTextAsync(Path.Combine(MachineRootfs, "etc", "ssh", "ssh_host_ed25519_key.pub")));
        var imageKey = KeyOf(await File.ReadAllTextAsync(Path.Combine(ImageRootfs(), "etc", "ssh", "ssh_host_ed25519_key.pub")));
        Assert.NotEqual(imageKey, machineKey);
        var (owner, pinned) = TableOrder.Build.Aws.KeptHostKey.Parse(await File.ReadAllTextAsync(PinFile));
        Assert.Equal(machineKey, KeyOf(pinned));
        Assert.StartsWith("i-", owner, StringComparison.Ordinal);
        Assert.Equal(0, (await Rehearse("--target=LocalDown")).ExitCode);

        var restartedAt = DateTime.UtcNow;
        var restarted = await Rehearse("--target=Deploy");
        Assert.Equal(0, restarted.ExitCode);
        Assert.DoesNotContain("GetConsoleOutput", await File.ReadAllTextAsync(Path.Combine(RehearsalFixture.StateDirectory, "aws-standin-journal.txt")), StringComparison.Ordinal);

        // cloud-init ran this boot too (WaitForServer waited for it), but its per-instance modules did not:
        // the same keys, none printed to this boot's console.
        Assert.Equal("done", restarted.Run.Text("WaitForServer", "cloudInit"));
        Assert.True(File.GetLastWriteTimeUtc(Path.Combine(instance, "boot-finished")) > restartedAt);
        Assert.True(File.GetLastWriteTimeUtc(Path.Combine(instance, "sem", "config_keys_to_console")) < restartedAt);
        Assert.Equal(machineKey, KeyOf(await File.ReadAllTextAsync(Path.Combine(MachineRootfs, "etc", "ssh", "ssh_host_ed25519_key.pub"))));
        Assert.DoesNotContain(TableOrder.Build.Aws.ConsoleHostKeys.BeginMarker, await File.ReadAllTextAsync(Path.Combine(RehearsalFixture.StateDirectory, "machine", "console.log")), StringComparison.Ordinal);

        var kept = await File.ReadAllTextAsync(PinFile);
        try
        {
            // a changed key for the same instance (the one the stand-in reports) is refused
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

        // Secrets Manager's side of the rotation (the stand-in keeps it in its state file) ...
        var stateFile = Path.Combine(RehearsalFixture.StateDirectory, "aws-standin.json");
        var state = JsonNode.Parse(await File.ReadAllTextAsync(stateFile))!;
        foreach (var (name, secret) in state["Secrets"]!.AsObject())
        {
            if (name == TableOrder.Build.Rehearsal.RehearsalSite.RedisAuthSecretName)
            {
                continue; // the cache's AUTH token is a plain string, not the master password
            }

            var value = JsonNode.Parse(secret!["Value"]!.GetValue<string>())!;
            value["password"] = password;
            secret["Value"] = value.ToJsonString();
        }

        await File.WriteAllTextAsync(stateFile, state.ToJsonString());

        // ... and the database's.
        var ports = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(RehearsalFixture.StateDirectory, "ports.json"))).RootElement;
        var postgresPort = ports.GetProperty("Postgres").GetInt32();
        await using (var connection = new NpgsqlConnection($"Host={Path.Combine(RehearsalFixture.StateDirectory, "postgres", "run")};Port={postgresPort};Username=postgres;Database=postgres;Pooling=false"))
        {
            await connection.OpenAsync();
#pragma warning disable CA2100 // a hex literal made above
            await using var alter = new NpgsqlCommand($"ALTER ROLE tableorder PASSWORD '{password}'", connection);
#pragma warning restore CA2100
            await alter.ExecuteNonQueryAsync();
        }

        // New connections of the running app: it logs in as its own role, untouched by the rotation.
        RunInMachine($"systemctl restart \"tableorder-api@$(cat {Server.ServerMap.LiveSlotFile}).service\"");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var httpPort = ports.GetProperty("Http").GetInt32().ToString(CultureInfo.InvariantCulture);
        string health = string.Empty;
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

    private static string MachineRootfs => Path.Combine(RehearsalFixture.StateDirectory, "machine", "rootfs");

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

    private static void RunInMachine(string command)
    {
        var nspawn = File.ReadAllText(Path.Combine(RehearsalFixture.StateDirectory, "machine", "nspawn.pid")).Trim();
        var init = Directory.GetDirectories($"/proc/{nspawn}/task").Select(t => File.ReadAllText(Path.Combine(t, "children")).Trim()).First(c => c.Length > 0).Split(' ')[0];
        using var process = Process.Start("nsenter", ["--target", init, "--mount", "--uts", "--ipc", "--net", "--pid", "--", "/bin/sh", "-c", command])!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    private async Task<BuildResult> Rehearse(params string[] arguments)
    {
        if (Directory.Exists(RehearsalFixture.StateDirectory))
        {
            File.Delete(Path.Combine(RehearsalFixture.StateDirectory, LastRun.FileName));
        }

        var run = await OrchestratorProcess.RunAsync(RepositoryRoot.Path, LongRun, [.. arguments, "--environment=rehearsal", $"--state-dir={RehearsalFixture.StateRoot}"]);
        var result = new BuildResult(run.ExitCode, run.Output, LastRun.Read(RehearsalFixture.StateDirectory));
        if (run.ExitCode != 0)
        {
            output.WriteLine(result.ToString());
        }

        return result;
    }
}
