using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Configuration;

namespace TableOrder.Build.Tasks;

[TaskName("Rebuild")]
[TaskDescription("Rebuilds from nothing and deploys: local purges the stack (--purge-image: the image too); production replaces the app server through a reviewed plan (--confirm-rebuild=production). Prints the time taken (against the 30-minute RTO in production).")]
[IsDependentOn(typeof(DeployTask))]
[UsesArguments("confirm-rebuild", "purge-image")]
public sealed class RebuildTask : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        var elapsed = context.RebuildClock?.Elapsed ?? TimeSpan.Zero;
        var objective = context.Deployment.RecoveryTimeObjective;
        context.Summary.Record("rebuildSeconds", Math.Round(elapsed.TotalSeconds, 1));
        var took = $"{(int)elapsed.TotalMinutes}m {elapsed.Seconds:00}s";
        if (objective is not { } rto)
        {
            context.Log.Information("Rebuild: {0} from nothing to a smoke-checked deploy.", took);
            return;
        }

        var met = elapsed <= rto;
        context.Summary.Record("rtoSeconds", rto.TotalSeconds);
        context.Summary.Record("rtoMet", met);
        context.Log.Write(
            Verbosity.Minimal,
            met ? LogLevel.Information : LogLevel.Warning,
            "Rebuild: {0} to a new app server, deployed and smoke-checked; RTO {1:0} min: {2}.",
            took,
            rto.TotalMinutes,
            met ? "met" : "MISSED");
    }
}
