using TableOrder.Build.Diagnostics;
using TableOrder.Build.Local;
using TableOrder.Build.Remote;
using Xunit.Abstractions;

namespace TableOrder.Build.IntegrationTests.Support;

/// <summary>A test's own look at a stack's machine: SSH with the pinned key, scripts run as root, their output read back.</summary>
internal static class MachineRoot
{
    public static async Task<SshSession> ConnectAsync(LocalLayout layout, ITestOutputHelper output)
    {
        var log = new RecordingLog(output);
        return await SshSession.ConnectAsync(new LocalMachine(layout, new LocalProcess(log), log).SshTarget, log, new SecretMasker(), TimeSpan.FromSeconds(30));
    }

    /// <summary>Runs a bash script as root; its exit code and output come back (never thrown), and go to the test's output.</summary>
    public static async Task<RemoteResult> RunAsync(IRemoteShell session, string script, ITestOutputHelper output)
    {
        var result = await session.RunAsync(Shell.Sudo(script), new RemoteRunOptions { Stream = false, AllowFailure = true, Timeout = TimeSpan.FromMinutes(5) });
        output.WriteLine(string.Join('\n', result.Output.Concat(result.Errors)));
        return result;
    }
}
