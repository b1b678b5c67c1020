using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Configuration;
using TableOrder.Build.Terraform;

namespace TableOrder.Build.Tasks;

[TaskName("Outputs")]
[TaskDescription("Production: reads the stack's terraform outputs, prints them and keeps them for later tasks.")]
[UsesArguments("terraform-dir", "var-file", "backend-config", "terraform-mirror")]
[ActsOnAwsStack]
public sealed class OutputsTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var outputs = await context.Deployment.RefreshOutputsAsync();
        foreach (var property in typeof(TerraformOutputs).GetProperties().Where(p => p.Name != nameof(TerraformOutputs.IsEmpty)))
        {
            context.Log.Information("{0,-18} {1}", property.Name, property.GetValue(outputs) ?? "-");
        }
    }
}
