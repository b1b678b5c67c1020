using System.Diagnostics;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.IntegrationTests.Support;
using TableOrder.Build.Local;
using TableOrder.Build.Remote;
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
        Assert.Contains("PostgreSQL: starting on 127.0.0.1:15432", stack.FirstBootstrap.Output, StringComparison.Ordinal);
        Assert.Contains("Redis: starting on 127.0.0.1:16379", stack.FirstBootstrap.Output, StringComparison.Ordinal);
        Assert.Matches(@"Bootstrap: [1-9]\d* changes on the server", stack.FirstBootstrap.Output);
    }

    [Fact]
    public void Second_bootstrap_reports_no_changes()
    {
        output.WriteLine(stack.SecondBootstrap.ToString());
        Assert.Equal(0, stack.SecondBootstrap.ExitCode);
        Assert.Contains("bootstrap: no changes", stack.SecondBootstrap.Output, StringComparison.Ordinal);
        Assert.Contains("Bootstrap: no changes.", stack.SecondBootstrap.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_passes_every_check()
    {
        output.WriteLine(stack.Verify.ToString());
        Assert.Equal(0, stack.Verify.ExitCode);
        Assert.DoesNotContain("FAILED", stack.Verify.Output, StringComparison.Ordinal);
        Assert.Contains("ok: nginx -t passes", stack.Verify.Output, StringComparison.Ordinal);
        Assert.Contains("ok: API port 18000 listening on loopback only", stack.Verify.Output, StringComparison.Ordinal);
        Assert.Contains("ok: /etc/tableorder/app.env is 0600 tableorder", stack.Verify.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Passwords_never_reach_the_build_output()
    {
        var secrets = LocalSecrets.LoadOrCreate(stack.Layout.SecretsFile);
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
        Assert.Contains("[admin@127.0.0.1:2222] about to fail", log.Text, StringComparison.Ordinal);
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
        foreach (var port in new[] { LocalLayout.SshPort, LocalLayout.HttpPort, LocalLayout.ApiPort, LocalLayout.PostgresPort, LocalLayout.RedisPort })
        {
            Assert.False(PortCheck.IsListening(port), $"port {port} still answers after LocalDown");
        }

        var status = await BuildRun.RunAsync(TimeSpan.FromMinutes(2), "--target=LocalStatus");
        Assert.Contains("App server     stopped", status.Output, StringComparison.Ordinal);

        var up = await BuildRun.RunAsync(LocalEnvironmentFixture.LongRun, "--target=Bootstrap");
        output.WriteLine(up.ToString());
        Assert.Equal(0, up.ExitCode);
        Assert.Contains("Bootstrap: no changes.", up.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_scripts_that_land_on_the_server_pass_their_lints()
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(RepositoryRoot.Path, "app-deploy", "lint.sh")])
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
