using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Terraform;

namespace TableOrder.Build.Tasks;

[TaskName("Provision")]
[TaskDescription("Production: applies exactly the saved plan (nothing when it has no changes). Local: starts the local stack.")]
[IsDependentOn(typeof(PlanTask))]
public sealed class ProvisionTask : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        if (!context.IsProduction)
        {
            context.LockLocalEnvironment();
            context.LocalEnvironment.Up();
            return;
        }

        var plan = context.PlanResult ?? throw new TerraformException("Provision applies the plan that Plan saved, and there is none. Run --target=Provision (it plans first).");
        if (!plan.HasChanges)
        {
            context.Log.Information("The plan has no changes: nothing to apply.");
        }
        else
        {
            PlanApproval.Require(context.Options.Terraform.AutoApprove, context.Options.EnvironmentName, plan.Summary);
            context.Terraform.Apply(new TerraformApplySettings { PlanFile = plan.PlanFile });
        }

        var outputs = context.Terraform.Output();
        context.SaveOutputs(outputs);
        context.Log.Information("Instance {0} at {1} ({2}).", outputs.InstanceId, outputs.PublicIp, outputs.Region);
    }
}
