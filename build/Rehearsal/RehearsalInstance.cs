using System.Diagnostics;
using System.Globalization;
using System.Text;
using TableOrder.Build.Aws;
using TableOrder.Build.Aws.StandIn;
using TableOrder.Build.Local;

namespace TableOrder.Build.Rehearsal;

/// <summary>
/// The local app-server machine as the stand-in's EC2 instance: running while systemd-nspawn runs,
/// status checks ok once its sshd listens, its console is the machine's console log (where its real
/// cloud-init prints the host keys, see <see cref="RehearsalMachine"/>), and Run Command
/// scripts run inside it as root by entering its namespaces (nsenter into the machine's PID 1), as the
/// SSM agent runs them: no SSH involved.
/// </summary>
public sealed class RehearsalInstance(LocalLayout layout, LocalMachine machine, string? instanceId = null) : IStandInInstance
{
    /// <summary>An EC2-shaped id (i- and 17 hex digits): the single instance's is fixed per state folder, a fleet's machine has the one of its launch.</summary>
    public string InstanceId { get; } = instanceId ?? "i-00000" + layout.StackId;

    public string State => machine.RunningPid is null ? "stopped" : "running";

    public string StatusCheck => machine.RunningPid is not null && PortCheck.IsListening(layout.Ports.Ssh) ? "ok" : "initializing";

    /// <summary>
    /// The last 64 KiB of the machine's console (its log is started afresh at each boot), as EC2 keeps
    /// only the most recent output: cloud-init prints the host keys there on the instance's first boot.
    /// </summary>
    public string ConsoleOutput()
    {
        if (!File.Exists(layout.MachineConsoleLog))
        {
            return string.Empty;
        }

        using var stream = new FileStream(layout.MachineConsoleLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(Math.Max(0, stream.Length - 65_536), SeekOrigin.Begin);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    public async Task<StandInCommandResult> RunScriptAsync(string script, CancellationToken cancellationToken)
    {
        var init = InitPid() ?? throw new AwsException($"Instance {InstanceId}: the machine is not running.");
        var start = new ProcessStartInfo("nsenter")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--target", init.ToString(CultureInfo.InvariantCulture), "--mount", "--uts", "--ipc", "--net", "--pid", "--", "/usr/bin/env", "-i", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8", "/bin/bash", "-s" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new AwsException("nsenter did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);

        // The script goes in on stdin: never in a process's arguments.
        await process.StandardInput.WriteAsync(script);
        process.StandardInput.Close();
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new StandInCommandResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The machine's PID 1 (systemd), the child of systemd-nspawn.</summary>
    private int? InitPid()
    {
        if (machine.RunningPid is not { } nspawn)
        {
            return null;
        }

        foreach (var task in Directory.GetDirectories($"/proc/{nspawn.ToString(CultureInfo.InvariantCulture)}/task"))
        {
            var children = File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (children.Length > 0)
            {
                return int.Parse(children[0], CultureInfo.InvariantCulture);
            }
        }

        return null;
    }
}
