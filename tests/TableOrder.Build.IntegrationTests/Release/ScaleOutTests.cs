using System.Net.Http.Json;
using System.Text.Json;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.IntegrationTests.Support;
using TableOrder.Build.Local;
using TableOrder.Build.Release;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;
using TableOrder.Build.Testing;
using Xunit;
using Xunit.Abstractions;

namespace TableOrder.Build.IntegrationTests.Release;

/// <summary>
/// One 3-machine local stack (--servers=3, HAProxy in front) in a state folder of its own, shared
/// by the scale-out tests: booting three machines costs minutes, so it happens once.
/// </summary>
public sealed class ScaleOutFixture() : FleetStackFixture("test-scale", "local", servers: 3);

[CollectionDefinition(Name)]
public sealed class ScaleOutGroup : ICollectionFixture<ScaleOutFixture>
{
    public const string Name = "Scale out";
}

/// <summary>
/// Several app servers behind HAProxy: the stack boots, a rolling Deploy reaches every machine with
/// no failed request, and a failure on machine 2 stops the roll-out and puts machine 1 back.
/// </summary>
[Trait("Category", "Integration")]
[Collection(ScaleOutGroup.Name)]
public sealed class ScaleOutTests(ScaleOutFixture stack, ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _apps = new("scale-apps");

    [Fact]
    public async Task A_three_machine_stack_boots_behind_haproxy_and_every_machine_serves_the_release()
    {
        Assert.True(stack.Deploy.ExitCode == 0, stack.Deploy.ToString());
        Assert.Equal(3, stack.Deploy.Run.Outcome("Provision", "servers")?.GetArrayLength());
        Assert.Equal(stack.LoadBalancerUrl.ToString(), stack.Deploy.Run.Text("Provision", "loadBalancer"));

        var status = await Run("--target=Status");
        Assert.Equal(0, status.ExitCode);
        var servers = Servers(status.Run, "Status");
        Assert.Equal(["app-1", "app-2", "app-3"], servers.Select(s => s.GetProperty("server").GetString()));
        Assert.All(servers, s => Assert.Equal("UP", s.GetProperty("balancer").GetString()));
        var current = servers[0].GetProperty("current").GetString();
        Assert.All(servers, s => Assert.Equal(current, s.GetProperty("current").GetString()));

        // each machine answers for itself on its own Nginx, and HAProxy spreads requests over all three
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var index in new[] { 1, 2, 3 })
        {
            Assert.Equal(current, await ReferenceApp.ServingReleaseAsync(http, stack.LayoutOf(index).Ports.Http));
        }

        Assert.Equal(current, await ReferenceApp.ServingReleaseAsync(http, stack.LoadBalancerUrl.Port));
    }

    [Fact]
    public async Task A_rolling_deploy_changes_every_machine_with_no_failed_request()
    {
        var next = ChangedApp("roll-" + Guid.NewGuid().ToString("N")[..8]);
        var nextId = ReleaseArchive.FromDirectory(next).Id;

        using var loop = new ClientLoop(stack.LoadBalancerUrl);
        var deploy = await Run("--target=Deploy", $"--app-dir={next}");
        var (requests, failed, failures) = await loop.StopAsync();
        output.WriteLine($"client loop: {requests} requests, {failed} failed {string.Join("; ", failures.Take(5))}");

        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        Assert.True(requests >= 100, $"the client loop made only {requests} requests");
        Assert.Equal(0, failed);
        var rolled = Servers(deploy.Run, "Activate");
        Assert.Equal(3, rolled.Count);
        Assert.All(rolled, r => Assert.Equal(("switched", nextId), (r.GetProperty("result").GetString(), r.GetProperty("release").GetString())));

        var status = await Run("--target=Status");
        Assert.All(Servers(status.Run, "Status"), s => Assert.Equal(nextId, s.GetProperty("current").GetString()));
    }

    [Fact]
    public async Task A_failure_on_machine_2_stops_the_roll_out_and_switches_machine_1_back()
    {
        var before = (await Run("--target=Status")).Run.Text("Status", "current");
        Assert.NotNull(before);
        var broken = ChangedApp("broken-on-2-" + Guid.NewGuid().ToString("N")[..8]);

        // Machine 2's idle API slot port is taken: the new release cannot start there, so its health check fails.
        var two = stack.LayoutOf(2);
        var live = (await Ssh(two, $"cat {ServerMap.LiveSlotFile}")).Trim();
        var idlePort = live == "green" ? two.Ports.Api : two.Ports.ApiGreen;
        await Ssh(two, $"systemd-run --unit=tableorder-test-blocker python3 -m http.server --bind 127.0.0.1 {idlePort}");
        try
        {
            var deploy = await Run("--target=Deploy", $"--app-dir={broken}", "--health-timeout=8");

            Assert.Equal(1, deploy.ExitCode);
            Assert.Equal("failed", deploy.Run.Status("Activate"));
            Assert.DoesNotContain("Smoke", deploy.Run.TaskNames);
            var results = Servers(deploy.Run, "Activate").ToDictionary(r => r.GetProperty("server").GetString()!, r => r.GetProperty("result").GetString());
            Assert.Equal("rolled-back", results["app-1"]);
            Assert.Equal("failed", results["app-2"]);
            Assert.Equal("not-reached", results["app-3"]);

            var status = await Run("--target=Status");
            Assert.All(Servers(status.Run, "Status"), s => Assert.Equal((before, "UP"), (s.GetProperty("current").GetString(), s.GetProperty("balancer").GetString())));
        }
        finally
        {
            await Ssh(two, "systemctl stop tableorder-test-blocker");
        }
    }

    [Fact]
    public async Task A_machine_that_dies_during_the_roll_out_stops_it_and_the_others_keep_serving()
    {
        var before = (await Run("--target=Status")).Run.Text("Status", "current");
        var next = ChangedApp("dies-" + Guid.NewGuid().ToString("N")[..8]);
        var three = new LocalMachine(stack.LayoutOf(3), new LocalProcess(new RecordingLog(output)), new RecordingLog(output));

        using var loop = new ClientLoop(stack.LoadBalancerUrl);
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { WorkingDirectory = RepositoryRoot.Path, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { OrchestratorProcess.AssemblyPath, "--target=Deploy", $"--app-dir={next}", $"--state-dir={stack.StateRoot}" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["NO_COLOR"] = "1";
        File.Delete(Path.Combine(stack.StateDirectory, LastRun.FileName));
        using var build = System.Diagnostics.Process.Start(start)!;
        build.BeginErrorReadLine();
        while (await build.StandardOutput.ReadLineAsync() is { } line)
        {
            // machine 3 goes down (an orderly shutdown, as a stopped instance) once machine 1 is on the new release
            if (line.Contains("app-1: UP in the load balancer", StringComparison.Ordinal))
            {
                three.Stop();
                break;
            }
        }

        _ = build.StandardOutput.ReadToEndAsync();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10)))
        {
            await build.WaitForExitAsync(timeout.Token);
        }

        var (requests, failed, failures) = await loop.StopAsync();
        output.WriteLine($"client loop: {requests} requests, {failed} failed {string.Join("; ", failures.Take(5))}");
        try
        {
            Assert.Equal(1, build.ExitCode);
            var run = LastRun.Read(stack.StateDirectory)!;
            Assert.Equal("failed", run.Status("Activate"));
            var results = Servers(run, "Activate").ToDictionary(r => r.GetProperty("server").GetString()!, r => r.GetProperty("result").GetString());
            Assert.Equal("failed", results["app-3"]);
            Assert.Equal("rolled-back", results["app-1"]);
            Assert.Equal("rolled-back", results["app-2"]);
            Assert.Equal(0, failed);

            // HAProxy keeps the dead machine out; the other two serve the release they had
            var balanced = await new LocalLoadBalancer(stack.Layout, new LocalProcess(new RecordingLog(output)), new RecordingLog(output)).ServersAsync();
            Assert.Equal(["UP", "UP", "DOWN"], balanced.Select(b => b.Status.Split(' ')[0]));
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            Assert.Equal(before, await ReferenceApp.ServingReleaseAsync(http, stack.LayoutOf(1).Ports.Http));
            Assert.Equal(before, await ReferenceApp.ServingReleaseAsync(http, stack.LayoutOf(2).Ports.Http));

            // Status reports the two that answer and names the dead one, and fails
            var status = await Run("--target=Status");
            Assert.Equal(1, status.ExitCode);
            Assert.Equal("failed", status.Run.Status("Status"));
            var reported = Servers(status.Run, "Status").ToDictionary(s => s.GetProperty("server").GetString()!);
            Assert.False(reported["app-3"].GetProperty("reachable").GetBoolean());
            Assert.All(new[] { "app-1", "app-2" }, name => Assert.Equal(before, reported[name].GetProperty("current").GetString()));
        }
        finally
        {
            // machine 3 boots again with what it had: the stack is whole for the next test
            Assert.Equal(0, (await Run("--target=Provision")).ExitCode);
            var balancer = new LocalLoadBalancer(stack.Layout, new LocalProcess(new RecordingLog(output)), new RecordingLog(output));
            for (var i = 0; i < 120 && !(await balancer.ServersAsync()).All(b => b.IsUp); i++)
            {
                await Task.Delay(500);
            }
        }
    }

    [Fact]
    public async Task A_machine_added_with_servers_4_serves_the_fleets_release_before_haproxy_sends_it_traffic()
    {
        var current = (await Run("--target=Status")).Run.Text("Status", "current");
        Assert.NotNull(current);
        var balancer = new LocalLoadBalancer(stack.Layout, new LocalProcess(new RecordingLog(output)), new RecordingLog(output));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            using var loop = new ClientLoop(stack.LoadBalancerUrl);
            var grow = await Run("--target=Provision", "--servers=4");
            var (requests, failed, failures) = await loop.StopAsync();
            output.WriteLine($"client loop: {requests} requests, {failed} failed {string.Join("; ", failures.Take(5))}");

            Assert.True(grow.ExitCode == 0, grow.ToString());
            var joined = Assert.Single(grow.Run.Outcome("Provision", "joined")?.EnumerateArray().ToList() ?? []);
            Assert.Equal(("app-4", current), (joined.GetProperty("server").GetString(), joined.GetProperty("release").GetString()));
            Assert.True(requests >= 20, $"the client loop made only {requests} requests");
            Assert.Equal(0, failed);

            // no Deploy ran: the new machine serves the fleet's release on its own Nginx, and HAProxy calls it UP
            Assert.Equal(current, await ReferenceApp.ServingReleaseAsync(http, stack.LayoutOf(4).Ports.Http));
            var balanced = await balancer.ServersAsync();
            Assert.Equal(["app-1", "app-2", "app-3", "app-4"], balanced.Select(b => b.Name));
            Assert.All(balanced, b => Assert.True(b.IsUp, $"{b.Name} is {b.Status}"));

            // through HAProxy with the three others drained: only machine 4 can answer
            foreach (var other in new[] { "app-1", "app-2", "app-3" })
            {
                await balancer.DrainAsync(other);
            }

            try
            {
                for (var i = 0; i < 6; i++)
                {
                    Assert.Equal(current, await ReferenceApp.ServingReleaseAsync(http, stack.LoadBalancerUrl.Port));
                }
            }
            finally
            {
                foreach (var other in new[] { "app-1", "app-2", "app-3" })
                {
                    await balancer.ReadyAsync(other);
                }
            }

            var status = await Run("--target=Status");
            var servers = Servers(status.Run, "Status");
            Assert.Equal(4, servers.Count);
            Assert.All(servers, s => Assert.Equal(current, s.GetProperty("current").GetString()));

            // UP, or UP with one check missed on this busy host ("UP 1/2"): HAProxy still sends it requests
            Assert.All(servers, s => Assert.StartsWith("UP", s.GetProperty("balancer").GetString(), StringComparison.Ordinal));
        }
        finally
        {
            // back to three machines: the other tests see the stack they expect
            Assert.Equal(0, (await Run("--target=Provision", "--servers=3")).ExitCode);
        }
    }

    public void Dispose() => _apps.Dispose();

    private static List<JsonElement> Servers(LastRun run, string task) => FleetStackFixture.Servers(run, task);

    private async Task<BuildResult> Run(params string[] arguments)
    {
        var run = await stack.RunAsync(arguments);
        output.WriteLine(run.ToString());
        return run;
    }

    private async Task<string> Ssh(LocalLayout layout, string rootCommand)
    {
        var log = new RecordingLog(output);
        using var session = await SshSession.ConnectAsync(new LocalMachine(layout, new LocalProcess(log), log).SshTarget, log, new SecretMasker(), TimeSpan.FromSeconds(30));
        return (await session.RunAsync(RemoteCommand.Root(rootCommand, "test step") with { AllowFailure = true })).Text;
    }

    private string ChangedApp(string name) => ReferenceApp.ChangedCopy(_apps.Path, name);
}
