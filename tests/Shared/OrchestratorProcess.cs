using System.Diagnostics;
using System.Text;

namespace TableOrder.Build.Testing;

/// <summary>What one run of the orchestrator printed (stdout and stderr, in order) and returned.</summary>
public sealed record OrchestratorRun(int ExitCode, string Output)
{
    public override string ToString() => $"exit code {ExitCode}\n{Output}";
}

/// <summary>
/// Runs the real orchestrator (TableOrder.Build.dll, copied next to the test assembly by the
/// project reference) as a child process from the repository root, as `dotnet run --project build` would.
/// Shared by both test projects (linked, not copied).
/// </summary>
internal static class OrchestratorProcess
{
    public static string AssemblyPath { get; } = Path.Combine(AppContext.BaseDirectory, "TableOrder.Build.dll");

    /// <param name="launcher">A program (and its arguments) that starts dotnet, e.g. <c>env --ignore-signal=INT</c> as a background job would.</param>
    public static async Task<OrchestratorRun> RunAsync(string repositoryRoot, TimeSpan timeout, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, IReadOnlyList<string>? launcher = null)
    {
        var start = new ProcessStartInfo(launcher is { Count: > 0 } ? launcher[0] : "dotnet")
        {
            WorkingDirectory = repositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in launcher?.Skip(1).Append("dotnet") ?? [])
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add(AssemblyPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["NO_COLOR"] = "1";
        start.Environment["TERM"] = "dumb";
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.StandardInput.Close();
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
            throw new TimeoutException($"dotnet TableOrder.Build.dll {string.Join(' ', arguments)} ran longer than {timeout}. Output so far:\n{output}");
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
