using TableOrder.Build.Testing;

namespace TableOrder.Build.IntegrationTests.Support;

/// <summary>Runs the orchestrator as a user does, in the tests' own local environment.</summary>
internal static class BuildRun
{
    /// <summary>The tests' own state folder: a developer's `.tableorder/local` is never touched.</summary>
    public static string StateRoot { get; } = Path.Combine(RepositoryRoot.Path, ".tableorder", "test");

    public static Task<OrchestratorRun> RunAsync(TimeSpan timeout, params string[] arguments) =>
        OrchestratorProcess.RunAsync(RepositoryRoot.Path, timeout, [.. arguments, $"--state-dir={StateRoot}"]);
}
