using System.Text.Json;
using TableOrder.Build.Local;
using TableOrder.Build.Testing;

namespace TableOrder.Build.IntegrationTests.Support;

/// <summary>What the tests read of a stack with several machines: each machine's layout, HAProxy's URL, the servers a task recorded.</summary>
internal static class FleetStack
{
    /// <summary>Machine k's own layout (its ports, its rootfs), as the build makes it.</summary>
    public static LocalLayout LayoutOf(LocalLayout stack, int index) =>
        new LocalFleet(stack, new LocalMachine(stack, new LocalProcess(new RecordingLog(null)), new RecordingLog(null)), new LocalProcess(new RecordingLog(null)), new RecordingLog(null)).Server(index).Layout;

    public static Uri LoadBalancerUrl(LocalLayout stack) => new LocalLoadBalancer(stack, new LocalProcess(new RecordingLog(null)), new RecordingLog(null)).PublicUrl;

    /// <summary>One build run on the stack in <paramref name="stateDirectory"/> (below <paramref name="stateRoot"/>), read back from its run summary.</summary>
    public static async Task<BuildResult> RunAsync(string stateRoot, string stateDirectory, IEnumerable<string> arguments)
    {
        if (Directory.Exists(stateDirectory))
        {
            File.Delete(Path.Combine(stateDirectory, LastRun.FileName));
        }

        var run = await OrchestratorProcess.RunAsync(RepositoryRoot.Path, TimeSpan.FromMinutes(30), [.. arguments, $"--state-dir={stateRoot}"]);
        return new BuildResult(run.ExitCode, run.Output, LastRun.Read(stateDirectory));
    }

    /// <summary>The per-server outcomes a task recorded (Status, Activate, ...).</summary>
    public static List<JsonElement> Servers(LastRun run, string task) =>
        run.Outcome(task, "servers") is { ValueKind: JsonValueKind.Array } list ? [.. list.EnumerateArray()] : throw new Xunit.Sdk.XunitException($"{task} recorded no servers:\n{run}");
}
