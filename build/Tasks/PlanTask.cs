using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Configuration;

namespace TableOrder.Build.Tasks;

[TaskName("Plan")]
[TaskDescription("Where the stack is terraform's: init and plan into a saved plan file; prints what would change.")]
[UsesArguments("terraform-dir", "var-file", "backend-config", "plan-file", "terraform-mirror", "reviewed-plan")]
[ActsOnAwsStack]
public sealed class PlanTask : AsyncFrostingTask<BuildContext>
{
    public override bool ShouldRun(BuildContext context) => context.Deployment.PlansInfrastructure;

    public override async Task RunAsync(BuildContext context)
    {
        var plan = await context.Deployment.PlanAsync(context.Summary);
        context.PlanResult = plan;
        context.Log.Information(plan.Summary.ToString());
        foreach (var (verb, addresses) in new[] { ("+", plan.Summary.Add), ("~", plan.Summary.Change), ("-/+", plan.Summary.Replace), ("-", plan.Summary.Destroy) })
        {
            foreach (var address in addresses)
            {
                context.Log.Information("  {0} {1}", verb, address);
            }
        }

        context.Log.Information("Saved plan: {0}", plan.PlanFile);
        if (plan.TextFile is { } text)
        {
            context.Log.Information("Its text (no sensitive value; the one form of the plan to share): {0}", text);
        }
    }
}
