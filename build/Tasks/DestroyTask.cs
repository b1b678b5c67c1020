using Cake.Frosting;
using TableOrder.Build.Configuration;

namespace TableOrder.Build.Tasks;

[TaskName("Destroy")]
[TaskDescription("Production: destroys the stack; runs only with --confirm-destroy=production.")]
[UsesArguments("terraform-dir", "var-file", "backend-config", "terraform-mirror", "confirm-destroy")]
[ActsOnAwsStack]
public sealed class DestroyTask : AsyncFrostingTask<BuildContext>
{
    // BuildArguments refuses a Destroy without a matching --confirm-destroy before any task runs.
    public override async Task RunAsync(BuildContext context) => await context.Deployment.DestroyAsync();
}
