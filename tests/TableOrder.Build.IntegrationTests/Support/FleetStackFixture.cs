using System.Text.Json;
using TableOrder.Build.Local;
using TableOrder.Build.Testing;
using Xunit;

namespace TableOrder.Build.IntegrationTests.Support;

/// <summary>
/// A stack with several machines (HAProxy in front) in a state folder of its own, shared by a test
/// class: purged and deployed with --servers once (booting machines costs minutes), stopped at the end.
/// </summary>
/// <param name="folder">Its state root below .tableorder/ (test-scale, test-rehearsal-scale, ...).</param>
/// <param name="environment">local or rehearsal; its state folder is named after it.</param>
/// <param name="servers">How many machines the first Deploy boots.</param>
public abstract class FleetStackFixture(string folder, string environment, int servers) : IAsyncLifetime
{
    public string StateRoot { get; } = Path.Combine(RepositoryRoot.Path, ".tableorder", folder);

    public string StateDirectory => Path.Combine(StateRoot, environment);

    public BuildResult Deploy { get; private set; } = null!;

    public LocalLayout Layout => new(StateDirectory, LocalLayout.CacheFor(RepositoryRoot.Path), RepositoryRoot.Path);

    /// <summary>Machine k's own layout (its ports, its rootfs), as the build makes it.</summary>
    public LocalLayout LayoutOf(int index) =>
        new LocalFleet(Layout, new LocalMachine(Layout, new LocalProcess(new RecordingLog(null)), new RecordingLog(null)), new LocalProcess(new RecordingLog(null)), new RecordingLog(null)).Server(index).Layout;

    public Uri LoadBalancerUrl => new LocalLoadBalancer(Layout, new LocalProcess(new RecordingLog(null)), new RecordingLog(null)).PublicUrl;

    /// <summary>One build run on this stack, read back from its run summary.</summary>
    public async Task<BuildResult> RunAsync(params string[] arguments)
    {
        if (Directory.Exists(StateDirectory))
        {
            File.Delete(Path.Combine(StateDirectory, LastRun.FileName));
        }

        var run = await OrchestratorProcess.RunAsync(RepositoryRoot.Path, TimeSpan.FromMinutes(30), [.. arguments, $"--environment={environment}", $"--state-dir={StateRoot}"]);
        return new BuildResult(run.ExitCode, run.Output, LastRun.Read(StateDirectory));
    }

    public async Task InitializeAsync()
    {
        await RunAsync("--target=LocalDown", "--purge");
        Deploy = await RunAsync("--target=Deploy", $"--servers={servers}");
    }

    public async Task DisposeAsync() => await RunAsync("--target=LocalDown");

    /// <summary>The per-server outcomes a task recorded (Status, Activate, ...).</summary>
    public static List<JsonElement> Servers(LastRun run, string task) =>
        run.Outcome(task, "servers") is { ValueKind: JsonValueKind.Array } list ? [.. list.EnumerateArray()] : throw new Xunit.Sdk.XunitException($"{task} recorded no servers:\n{run}");
}
