using System.Runtime.InteropServices;
using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Release;

namespace TableOrder.Build;

/// <summary>
/// Says where the build points before anything runs (no side effects: --dryrun runs this for real);
/// at the end releases the deploy lock, writes the run summary and closes connections.
/// </summary>
public sealed class BuildLifetime : FrostingLifetime<BuildContext>
{
    private readonly List<PosixSignalRegistration> _signals = [];

    public override void Setup(BuildContext context, ISetupContext info)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(info);

        // Ctrl-C or a kill must not leave the deploy lock behind: release it, record the run, then stop.
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
        {
            _signals.Add(PosixSignalRegistration.Create(signal, _ => Interrupted(context, signal)));
        }

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
        _signals.ForEach(s => s.Dispose());
        try
        {
            context.FinishAsync(info.Successful, info.ThrownException).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is Remote.RemoteException or IOException or Renci.SshNet.Common.SshException)
        {
            // The deploy's own error matters more; say how to clean up instead of hiding it.
            context.Log.Warning("Could not release the deploy lock ({0}). Release it with --target=Lock --unlock.", ex.Message);
        }
        finally
        {
            if (!info.Successful && context.RunLog?.FilePath is { } file)
            {
                var tail = context.RunLog.Tail(25);
                context.RunLog.WriteConsole(Verbosity.Quiet, LogLevel.Error, $"Last {tail.Count} lines of the log:");
                foreach (var line in tail)
                {
                    context.RunLog.WriteConsole(Verbosity.Quiet, LogLevel.Error, "  " + line);
                }

                context.RunLog.WriteConsole(Verbosity.Quiet, LogLevel.Error, $"Full log: {file}");
            }

            context.Summary.Remote = context.RemoteMeter;
            context.Summary.Write(context.Options.StateDirectory, info.Successful, info.ThrownException is null ? null : context.Masker.Apply(info.ThrownException.Message.Split('\n')[0]));
            context.Close();
        }
    }

    /// <summary>
    /// The build is stopped by a signal: release the lock this build holds (recorded as interrupted
    /// in the audit log) and write the run summary, within a few seconds; then the signal's default
    /// action ends the process. Closing the connection ends the remote command with it.
    /// </summary>
    private static void Interrupted(BuildContext context, PosixSignal signal)
    {
        var error = new OperationCanceledException($"interrupted by {signal}");
        context.Log.Warning("Interrupted ({0}): releasing the deploy lock and stopping.", signal);
        try
        {
            context.FinishAsync(succeeded: false, error).Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException ex)
        {
            context.Log.Warning("Could not release the deploy lock ({0}). Release it with --target=Lock --unlock.", ex.InnerException?.Message);
        }
        finally
        {
            context.Summary.Remote = context.RemoteMeter;
            context.Summary.Write(context.Options.StateDirectory, succeeded: false, error.Message);
            context.Close();
        }
    }
}
