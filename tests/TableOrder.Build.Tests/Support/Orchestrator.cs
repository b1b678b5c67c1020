using TableOrder.Build.Configuration;
using TableOrder.Build.Testing;

namespace TableOrder.Build.Tests.Support;

/// <summary>The orchestrator as a child process, for host behaviour that only a real run shows.</summary>
internal static class Orchestrator
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    // The developer's mirror variable must not decide what these runs see.
    public static Task<OrchestratorRun> RunAsync(params string[] arguments) =>
        OrchestratorProcess.RunAsync(RepositoryRoot.Path, Timeout, arguments, new Dictionary<string, string?> { [BuildArguments.MirrorVariable] = null });
}
