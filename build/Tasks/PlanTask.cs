using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Terraform;

namespace TableOrder.Build.Tasks;

[TaskName("Plan")]
[TaskDescription("Production: terraform init and plan into a saved plan file; prints what would change.")]
public sealed class PlanTask : AsyncFrostingTask<BuildContext>
{
    public override bool ShouldRun(BuildContext context) => context.IsProduction;

    public override async Task RunAsync(BuildContext context)
    {
        // Before anything touches production: credentials, or a message that says how to provide them.
        await context.AwsCredentialsAsync();
        var options = context.Options.Terraform;
        Directory.CreateDirectory(Path.GetDirectoryName(options.PlanFile)!);
        context.Terraform.Init(new TerraformInitSettings { BackendConfigFile = options.BackendConfigFile });

        var settings = new TerraformPlanSettings { OutFile = options.PlanFile };
        if (options.VarFile is { } varFile)
        {
            settings.VarFiles.Add(varFile);
        }

        var plan = context.Terraform.Plan(settings);
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
    }
}
