using Cake.Core.Diagnostics;
using Cake.Frosting;

namespace TableOrder.Build.Tasks;

[TaskName("Deploy")]
[TaskDescription("The whole lifecycle: Provision, WaitForServer, Bootstrap, Release, Migrate, Activate, Smoke.")]
[IsDependentOn(typeof(SmokeTask))]
public sealed class DeployTask : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        context.Summary.Record("release", context.Release?.Id);
        context.Summary.Record("url", context.Deployment.PublicUrl().ToString());
        context.Log.Information("Deployed release {0} to {1}: {2}", context.Release?.Id, context.Options.EnvironmentName, context.Deployment.PublicUrl());
    }
}
