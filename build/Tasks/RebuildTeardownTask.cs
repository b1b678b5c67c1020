using Cake.Frosting;

namespace TableOrder.Build.Tasks;

[TaskName("RebuildTeardown")]
[TaskDescription("Rebuild's first step (runs only when Rebuild is a target): local stops and purges the stack; production has the plan replace the app server.")]
[IsDependeeOf(typeof(PlanTask))]
public sealed class RebuildTeardownTask : AsyncFrostingTask<BuildContext>
{
    public override bool ShouldRun(BuildContext context) => context.Options.Rebuild;

    public override async Task RunAsync(BuildContext context)
    {
        context.RebuildClock = System.Diagnostics.Stopwatch.StartNew();
        await context.Deployment.PrepareRebuildAsync(context.Summary);
    }
}
