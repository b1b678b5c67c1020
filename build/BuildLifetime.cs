using System.Runtime.InteropServices;
using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Release;
using TableOrder.Build.Signals;

namespace TableOrder.Build;

/// <summary>
/// Says where the build points before anything runs (no side effects: --dryrun runs this for real);
/// at the end releases the deploy lock, writes the run summary and closes connections.
/// </summary>
public sealed class BuildLifetime : FrostingLifetime<BuildContext>
{
    private BuildContext? _context;

    public override void Setup(BuildContext context, ISetupContext info)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(info);

        // The arguments against the tasks Cake is about to run: a wrong one stops the run before any task body.
        Configuration.ArgumentUse.Check(context.Options, info.TasksToExecute.Select(t => t.Name));
        context.ArgumentsAccepted = true;

        // Ctrl-C or a kill stops the running task where it is (its remote command, terraform, wait);
        // the teardown then releases the deploy lock and records the run. Program listens from its first line.
        _context = context;
        Interruption.Process.Requested += Interrupted;
        if (SignalListener.Note is { } note)
        {
            context.Log.Verbose("Signals: {0}", note);
        }

        if (SignalListener.Problem is { } problem)
        {
            context.Log.Warning("Signals: {0}", problem);
        }

        context.Summary.Planned = [.. info.TasksToExecute.Select(t => t.Name)];
        context.Log.Information(
            "Environment: {0}  targets: {1}  root: {2}",
            context.Options.EnvironmentName,
            string.Join(", ", info.TasksToExecute.Select(t => t.Name)),
            context.Options.RootDirectory);

        // What the tasks will read from the stack (terraform outputs) is checked now: one error, no task run.
        context.Deployment.CheckBeforeTasks([.. info.TasksToExecute.Select(t => t.Name)]);
    }

    public override void Teardown(BuildContext context, ITeardownContext info)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(info);
        Interruption.Process.Requested -= Interrupted;
        if (!context.ArgumentsAccepted)
        {
            // refused in Setup: no run happened, so no run summary and nothing in the state folder
            context.Close();
            return;
        }

        // The task has stopped by now: only then is the lock released (a signal does not cancel this).
        using var cleanup = Interruption.Cleanup();
        var interrupted = Interruption.Process.Signal;
        var error = interrupted is { } signal ? new BuildInterruptedException(signal) : info.ThrownException;
        var succeeded = info.Successful && interrupted is null;
        try
        {
            context.FinishAsync(succeeded, error).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is Remote.RemoteException or IOException or Renci.SshNet.Common.SshException)
        {
            // The deploy's own error matters more; say how to clean up instead of hiding it.
            context.Log.Warning("Could not release the deploy lock ({0}). Release it with --target=Lock --unlock.", ex.Message);
        }
        finally
        {
            if (!succeeded && context.RunLog?.FilePath is { } file)
            {
                var tail = context.RunLog.Tail(25);
                context.RunLog.WriteConsole(Verbosity.Quiet, LogLevel.Error, $"Last {tail.Count} lines of the log:");
                foreach (var line in tail)
                {
                    context.RunLog.WriteConsole(Verbosity.Quiet, LogLevel.Error, "  " + line);
                }

                context.RunLog.WriteConsole(Verbosity.Quiet, LogLevel.Error, $"Full log: {file}");
            }

            if (interrupted is { } stoppedBy)
            {
                Report(context, stoppedBy);
            }

            context.Summary.Remote = context.RemoteMeter;
            context.Summary.Write(context.Options.StateDirectory, succeeded, error is null ? null : context.Masker.Apply(error.Message.Split('\n')[0]));
            context.Close();
        }
    }

    /// <summary>On the signal's thread: say what happens; the running task sees the cancelled token and stops.</summary>
    private void Interrupted(PosixSignal signal)
    {
        var task = _context?.Summary.Running;
        _context?.Log.Warning(
            "Interrupted ({0}): stopping {1}, then releasing the deploy lock. A second {0} stops at once and leaves the lock.",
            signal,
            task is null ? "the run" : task);
    }

    /// <summary>What the interruption left: the task it stopped, the ones that never ran, the lock.</summary>
    private static void Report(BuildContext context, PosixSignal signal)
    {
        var lockState = context.DeployLock is null ? "not taken" : context.DeployLock.Held is null ? "released" : "still held (release it with --target=Lock --unlock)";
        var interruption = context.Summary.Interrupt(signal, lockState);
        context.Log.Warning(
            "Interrupted by {0}{1}. Not run: {2}. Deploy lock: {3}. Run the same command again to finish.",
            signal,
            interruption.Task is null ? string.Empty : $" during {interruption.Task}",
            interruption.NotRun.Count == 0 ? "nothing" : string.Join(", ", interruption.NotRun),
            interruption.DeployLock);
    }
}
