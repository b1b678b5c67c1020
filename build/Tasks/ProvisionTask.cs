using Cake.Frosting;
using TableOrder.Build.Configuration;

namespace TableOrder.Build.Tasks;

[TaskName("Provision")]
[TaskDescription("Creates or starts the stack. Production: applies exactly the saved plan (nothing when it has no changes). Local: starts PostgreSQL, Redis and the machine.")]
[IsDependentOn(typeof(PlanTask))]
[UsesArguments("plan-file", "auto-approve", "debian-mirror", "servers")]
public sealed class ProvisionTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context) =>
        await context.Deployment.ProvisionAsync(context.PlanResult, context.Summary);
}
