using System.Diagnostics;
using System.Runtime.InteropServices;
using Cake.Core.Diagnostics;
using TableOrder.Build.Signals;

namespace TableOrder.Build.Local;

/// <summary>Runs programs on this machine for the local environment, optionally as a service user.</summary>
public sealed class LocalProcess(ICakeLog log)
{
    public static bool IsRoot => Environment.UserName == "root";

    public sealed record Result(int ExitCode, string Output, string Errors);

    /// <summary>Runs a program to completion; throws with its output when it fails, unless allowed.</summary>
    public Result Run(string program, IEnumerable<string> arguments, string? asUser = null, bool allowFailure = false, bool echo = false, IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var args = arguments.ToList();
        if (asUser is not null && IsRoot)
        {
            // runuser keeps the environment minimal and needs no password: we are root.
            args = ["-u", asUser, "--", program, .. args];
            program = "runuser";
        }

        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        log.Write(Verbosity.Diagnostic, LogLevel.Debug, "$ {0} {1}", program, string.Join(' ', args));
        using var process = Process.Start(info) ?? throw new LocalEnvironmentException($"Could not start {program}.");
        process.StandardInput.Close();
        var output = new System.Text.StringBuilder();
        var errors = new System.Text.StringBuilder();
        var point = "local:" + string.Join(' ', [Path.GetFileName(program), .. args]);
        process.OutputDataReceived += (_, e) => Append(output, e.Data, echo, LogLevel.Information, point);
        process.ErrorDataReceived += (_, e) => Append(errors, e.Data, echo, LogLevel.Warning, point);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        var stopping = Interruption.Process.Token;
        while (!process.WaitForExit(TimeSpan.FromMilliseconds(200)))
        {
            if (stopping.IsCancellationRequested)
            {
                Stop(process, program);
                stopping.ThrowIfCancellationRequested();
            }

            if (deadline.Elapsed > (timeout ?? TimeSpan.FromMinutes(30)))
            {
                process.Kill(entireProcessTree: true);
                throw new LocalEnvironmentException($"{program} did not finish in time and was stopped.");
            }
        }

        process.WaitForExit();
        var result = new Result(process.ExitCode, output.ToString(), errors.ToString());
        if (result.ExitCode != 0 && !allowFailure)
        {
            throw new LocalEnvironmentException(
                $"{program} {string.Join(' ', args)} failed with exit code {result.ExitCode}: {Tail(result.Errors + result.Output)}");
        }

        return result;
    }

    public static bool CommandExists(string command) =>
        command.Contains('/', StringComparison.Ordinal)
            ? File.Exists(command)
            : (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
                .Split(':', StringSplitOptions.RemoveEmptyEntries)
                .Append("/usr/sbin").Append("/sbin")
                .Any(dir => File.Exists(Path.Combine(dir, command)));

    /// <summary>
    /// The build was interrupted: SIGTERM lets the program clean up (make-rootfs.sh removes its
    /// half-made tree, apt-get finishes its current package); what still runs after a while is killed.
    /// </summary>
    private void Stop(Process process, string program)
    {
        log.Warning("Stopping {0} (pid {1}): the build was interrupted.", program, process.Id);
        SignalListener.Send(process.Id, PosixSignal.SIGTERM);
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(10));
        }
    }

    private void Append(System.Text.StringBuilder buffer, string? line, bool echo, LogLevel level, string point)
    {
        if (line is null)
        {
            return;
        }

        lock (buffer)
        {
            buffer.AppendLine(line);
        }

        // Echoed lines show at normal verbosity (inside a progress step: in the run's log file only);
        // the others only in the log file (and on the console at diagnostic).
        log.Write(echo ? Verbosity.Normal : Verbosity.Diagnostic, echo ? level : LogLevel.Debug, "  {0}", line);
        InterruptPoints.Reached(point);
    }

    private static string Tail(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join(Environment.NewLine, lines.TakeLast(12));
    }
}

/// <summary>The local environment could not do something; the message says what to do.</summary>
public sealed class LocalEnvironmentException(string message) : Exception(message);
