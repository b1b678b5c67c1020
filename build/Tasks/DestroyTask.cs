using Cake.Frosting;

namespace TableOrder.Build.Tasks;

[TaskName("Destroy")]
[TaskDescription("Production: destroys the stack; runs only with --confirm-destroy=production.")]
public sealed class DestroyTask : AsyncFrostingTask<BuildContext>
{
    // BuildArguments refuses a Destroy without a matching --confirm-destroy before any task runs.
    public override async Task RunAsync(BuildContext context) => await context.Deployment.DestroyAsync();
}
