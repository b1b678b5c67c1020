using System.Diagnostics;
using System.Text;

namespace TableOrder.Build.IntegrationTests.Support;

/// <summary>What one run of the orchestrator printed and returned.</summary>
public sealed record BuildRun(int ExitCode, string Output)
{
    public override string ToString() => $"exit code {ExitCode}\n{Output}";

    /// <summary>
    /// Runs the real orchestrator (TableOrder.Build.dll, copied here by the project reference)
    /// from the repository root, the way a user runs `dotnet run --project build -- ...`.
    /// </summary>
    internal static async Task<BuildRun> RunAsync(TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepositoryRoot.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "TableOrder.Build.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"build {string.Join(' ', arguments)} did not finish in {timeout}:\n{output}");
        }

        process.WaitForExit();
        lock (output)
        {
            return new BuildRun(process.ExitCode, output.ToString());
        }
    }
}
