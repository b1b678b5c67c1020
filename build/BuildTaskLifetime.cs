using Cake.Core;
using Cake.Frosting;
using TableOrder.Build.Signals;

namespace TableOrder.Build;

/// <summary>Times every task into the run summary; what a task changed it records itself.</summary>
public sealed class BuildTaskLifetime : FrostingTaskLifetime<BuildContext>
{
    public override void Setup(BuildContext context, ITaskSetupContext info)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(info);
        context.OpenRunLog();
        context.Summary.TaskStarted(info.Task.Name);

        // A task boundary: a signal taken during the last task (or between) stops the run before this one starts.
        InterruptPoints.Reached("task:" + info.Task.Name);
        Interruption.Process.ThrowIfRequested();
    }

    public override void Teardown(BuildContext context, ITaskTeardownContext info)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(info);
        context.Summary.TaskFinished(info.Task.Name, info.Duration, info.Skipped, !info.Successful, interrupted: !info.Successful && Interruption.Process.IsRequested);
    }
}
