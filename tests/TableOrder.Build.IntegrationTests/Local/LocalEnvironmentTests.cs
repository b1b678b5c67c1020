using System.Diagnostics;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.IntegrationTests.Support;
using TableOrder.Build.Local;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;
using TableOrder.Build.Testing;
using Xunit;
using Xunit.Abstractions;

namespace TableOrder.Build.IntegrationTests.Local;

/// <summary>The local environment for real: machine, PostgreSQL, Redis, bootstrap over SSH, verify, teardown.</summary>
[Trait("Category", "Integration")]
[Collection(LocalEnvironmentGroup.Name)]
public sealed class LocalEnvironmentTests(LocalEnvironmentFixture stack, ITestOutputHelper output)
{
    [Fact]
    public void First_bootstrap_brings_the_stack_up_and_changes_the_server()
    {
        output.WriteLine(stack.FirstBootstrap.ToString());
        Assert.Equal(0, stack.FirstBootstrap.ExitCode);
        var run = stack.FirstBootstrap.Run;
        Assert.True(run.Succeeded);
        Assert.Equal(["Provision", "WaitForServer", "Bootstrap"], run.TaskNames.Where(t => t is not ("Plan" or "RebuildTeardown")));
        Assert.Equal("ran", run.Status("Provision"));
        Assert.True(run.Number("Bootstrap", "changes") > 0, run.ToString());
        Assert.True(PortCheck.IsListening(stack.Layout.Ports.Postgres), "the stack's PostgreSQL does not answer on its own port");
        Assert.True(PortCheck.IsListening(stack.Layout.Ports.Redis), "the stack's Redis does not answer on its own port");
    }

    [Fact]
    public void The_test_stack_has_its_own_ports_and_machine_name()
    {
        Assert.False(stack.Layout.IsDeveloperStack);
        Assert.NotEqual(LocalPorts.Defaults, stack.Layout.Ports);
        Assert.NotEqual("tableorder-app", stack.Layout.MachineName);
        Assert.Equal(stack.Layout.Ports, LocalPorts.Load(stack.Layout.StateDirectory));
        Assert.Equal(stack.Layout.MachineName, stack.FirstBootstrap.Run.Text("Provision", "machine"));
    }

    [Fact]
    public void Second_bootstrap_reports_no_changes()
    {
        output.WriteLine(stack.SecondBootstrap.ToString());
        Assert.Equal(0, stack.SecondBootstrap.ExitCode);
        Assert.Equal(0, stack.SecondBootstrap.Run.Number("Bootstrap", "changes"));
        Assert.False(stack.SecondBootstrap.Run.Flag("Bootstrap", "settingsChanged"));
        Assert.False(stack.SecondBootstrap.Run.Flag("Bootstrap", "restarted"));
    }

    [Fact]
    public void Verify_passes_every_check()
    {
        output.WriteLine(stack.Verify.ToString());
        Assert.Equal(0, stack.Verify.ExitCode);
        Assert.True(stack.Verify.Run.Number("Verify", "checks") >= 10, stack.Verify.ToString());
        Assert.Equal(0, stack.Verify.Run.Outcome("Verify", "failed")?.GetArrayLength());
    }

    [Fact]
    public void Passwords_never_reach_the_build_output()
    {
        // The stack made these passwords when it started: read them, never make new ones here.
        Assert.Equal("ran", stack.FirstBootstrap.Run.Status("Provision"));
        Assert.True(File.Exists(stack.Layout.SecretsFile), "the stack never wrote its secrets");
        var secrets = LocalSecrets.LoadOrCreate(stack.Layout.SecretsFile);
        Assert.True(PortCheck.IsListening(stack.Layout.Ports.Postgres), "the stack is not running: nothing could have leaked");
        foreach (var run in new[] { stack.FirstBootstrap, stack.SecondBootstrap, stack.Verify })
        {
            Assert.DoesNotContain(secrets.DatabasePassword, run.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(secrets.RedisPassword, run.Output, StringComparison.Ordinal);
        }

        var mode = File.GetUnixFileMode(stack.Layout.SecretsFile);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
    }

    [Fact]
    public async Task Ssh_with_the_pinned_key_runs_commands_as_the_login_user_with_sudo()
    {
        var log = new RecordingLog(output);
        var target = new LocalMachine(stack.Layout, new LocalProcess(log), log).SshTarget;
        using var session = await SshSession.ConnectAsync(target, log, new SecretMasker(), TimeSpan.FromSeconds(30));

        var whoami = await session.RunAsync("id -un", new RemoteRunOptions { Stream = false });
        Assert.Equal(LocalLayout.LoginUser, whoami.Text.Trim());
        var root = await session.RunAsync("sudo -n id -u", new RemoteRunOptions { Stream = false });
        Assert.Equal("0", root.Text.Trim());

        var failure = await Assert.ThrowsAsync<RemoteCommandException>(() => session.RunAsync("echo about to fail; exit 7", new RemoteRunOptions { Description = "a failing command" }));
        Assert.Equal(7, failure.ExitCode);
        Assert.Contains("about to fail", failure.Message, StringComparison.Ordinal);
        Assert.Contains($"[{target.Label}] about to fail", log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ssh_with_a_wrong_pinned_host_key_is_refused_before_any_command_runs()
    {
        using var keys = new TempDirectory("hostkey");
        var otherKey = Path.Combine(keys.Path, "other");
        using (var keygen = Process.Start("ssh-keygen", ["-q", "-t", "ed25519", "-N", string.Empty, "-f", otherKey]))
        {
            await keygen.WaitForExitAsync();
        }

        var log = new RecordingLog(output);
        var real = new LocalMachine(stack.Layout, new LocalProcess(log), log).SshTarget;
        var forged = real with { HostKey = PinnedHostKey.FromFile(otherKey + ".pub") };

        var refused = await Assert.ThrowsAsync<HostKeyMismatchException>(() => SshSession.ConnectAsync(forged, log, new SecretMasker(), TimeSpan.FromSeconds(30)));
        Assert.Contains("does not match the pinned key", refused.Message, StringComparison.Ordinal);
        Assert.Contains(forged.HostKey.Fingerprint, refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Waiting for sshd", log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_build_on_the_same_environment_is_refused_while_one_holds_it()
    {
        using (LocalLock.Acquire(stack.Layout.LockFile))
        {
            var second = await BuildRun.RunAsync(TimeSpan.FromMinutes(2), "--target=Provision");
            output.WriteLine(second.ToString());
            Assert.Equal(1, second.ExitCode);
            Assert.Contains("Another build is working on this local environment", second.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task LocalDown_leaves_nothing_running_and_Provision_brings_it_back()
    {
        var down = await BuildRun.RunAsync(LocalEnvironmentFixture.LongRun, "--target=LocalDown");
        output.WriteLine(down.ToString());
        Assert.Equal(0, down.ExitCode);
        foreach (var port in stack.Layout.Ports.All)
        {
            Assert.False(PortCheck.IsListening(port), $"port {port} still answers after LocalDown");
        }

        var status = await BuildRun.RunAsync(TimeSpan.FromMinutes(2), "--target=LocalStatus");
        Assert.Equal("ran", status.Run.Status("LocalStatus"));

        var up = await BuildRun.RunAsync(LocalEnvironmentFixture.LongRun, "--target=Bootstrap");
        output.WriteLine(up.ToString());
        Assert.Equal(0, up.ExitCode);
        Assert.Equal(0, up.Run.Number("Bootstrap", "changes"));
    }

    [Fact]
    public async Task The_scripts_that_land_on_the_server_pass_their_lints()
    {
        using var map = new TempDirectory("server-map");
        var mapFile = Path.Combine(map.Path, ServerMap.ShellFileName);
        await File.WriteAllTextAsync(mapFile, ServerMap.ShellFile());
        var start = new ProcessStartInfo("bash", [Path.Combine(RepositoryRoot.Path, "app-deploy", "lint.sh"), "--server-map", mapFile])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var lint = Process.Start(start)!;
        var text = await lint.StandardOutput.ReadToEndAsync() + await lint.StandardError.ReadToEndAsync();
        await lint.WaitForExitAsync();
        output.WriteLine(text);
        Assert.True(lint.ExitCode == 0, text);
        Assert.Contains("ok:", text, StringComparison.Ordinal);
        Assert.DoesNotContain("FAILED", text, StringComparison.Ordinal);
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LocalEnvironmentGroup : ICollectionFixture<LocalEnvironmentFixture>
{
    public const string Name = "Local environment";
}
