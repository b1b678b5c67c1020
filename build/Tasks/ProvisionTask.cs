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

        var plan = context.PlanResult ?? ReviewedPlan(context);
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

    /// <summary>
    /// With --exclusive (CI applying a plan that was reviewed earlier), Plan did not run in this build:
    /// apply the saved plan file as it is, never a new plan.
    /// </summary>
    private static PlanResult ReviewedPlan(BuildContext context)
    {
        var planFile = context.Options.Terraform.PlanFile;
        if (!File.Exists(planFile))
        {
            throw new TerraformException($"There is no saved plan at {planFile}. Run --target=Provision (it plans first), or --target=Plan and then --target=Provision --exclusive --plan-file={planFile}.");
        }

        context.Terraform.Init(new TerraformInitSettings { BackendConfigFile = context.Options.Terraform.BackendConfigFile });
        var summary = PlanSummary.Parse(context.Terraform.Show(planFile));
        context.Log.Information("Applying the saved plan {0}: {1}", planFile, summary);
        return new PlanResult(summary.HasChanges, planFile, summary);
    }
}
