using System.Diagnostics;
using System.Text;
using TableOrder.Build.Configuration;

namespace TableOrder.Build.Tests.Support;

/// <summary>What a run of the built orchestrator printed and returned.</summary>
internal sealed record OrchestratorRun(int ExitCode, string Output)
{
    public override string ToString() => $"exit code {ExitCode}\n{Output}";
}

/// <summary>
/// Runs the real orchestrator (TableOrder.Build.dll, copied next to the test assembly by the
/// project reference) as a child process from the repository root.
/// </summary>
internal static class OrchestratorProcess
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static string AssemblyPath { get; } = Path.Combine(AppContext.BaseDirectory, "TableOrder.Build.dll");

    public static async Task<OrchestratorRun> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepositoryRoot.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(AssemblyPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["NO_COLOR"] = "1";
        start.Environment["TERM"] = "dumb";
        start.Environment.Remove(BuildArguments.MirrorVariable);

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet TableOrder.Build.dll {string.Join(' ', arguments)} ran longer than {Timeout}. Output so far:\n{output}");
        }

        // WaitForExitAsync returns after the redirected streams are drained.
        lock (output)
        {
            return new OrchestratorRun(process.ExitCode, output.ToString());
        }
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }
}
