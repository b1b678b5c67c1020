using TableOrder.Build.Testing;

namespace TableOrder.Build.IntegrationTests.Support;

/// <summary>One run of the orchestrator: its exit code, its output (for the test log), and its run summary (for the assertions).</summary>
public sealed record BuildResult(int ExitCode, string Output, LastRun? Summary)
{
    /// <summary>The run summary; a run that wrote none fails the test here.</summary>
    public LastRun Run => Summary ?? throw new Xunit.Sdk.XunitException("The build wrote no last-run.json:\n" + Output);

    public override string ToString() => $"exit code {ExitCode}\n{Output}\nlast-run.json: {Summary}";
}

/// <summary>Runs the orchestrator as a user does, in the tests' own local stack.</summary>
internal static class BuildRun
{
    /// <summary>The tests' own state folder: a developer's `.tableorder/local` is never touched.</summary>
    public static string StateRoot { get; } = Path.Combine(RepositoryRoot.Path, ".tableorder", "test");

    /// <summary>The local environment's state folder below the tests' root.</summary>
    public static string StateDirectory { get; } = Path.Combine(StateRoot, "local");

    public static Task<BuildResult> RunAsync(TimeSpan timeout, params string[] arguments) =>
        RunAsync(timeout, null, arguments);

    /// <summary>With environment variables for the build (e.g. the test-only stop point of the server scripts).</summary>
    public static Task<BuildResult> RunAsync(TimeSpan timeout, IReadOnlyDictionary<string, string?>? environment, params string[] arguments) =>
        RunAsync(timeout, environment, null, arguments);

    /// <summary>Started through <paramref name="launcher"/> (e.g. <c>env --ignore-signal=INT</c>, as a shell starts a background job).</summary>
    public static async Task<BuildResult> RunAsync(TimeSpan timeout, IReadOnlyDictionary<string, string?>? environment, IReadOnlyList<string>? launcher, params string[] arguments)
    {
        // A summary left by an earlier run must never answer for this one.
        if (Directory.Exists(StateDirectory))
        {
            File.Delete(Path.Combine(StateDirectory, LastRun.FileName));
        }

        var run = await OrchestratorProcess.RunAsync(RepositoryRoot.Path, timeout, [.. arguments, $"--state-dir={StateRoot}"], environment, launcher);
        return new BuildResult(run.ExitCode, run.Output, LastRun.Read(StateDirectory));
    }
}
