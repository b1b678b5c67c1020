using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Terraform;

namespace TableOrder.Build.Tasks;

[TaskName("Destroy")]
[TaskDescription("Production: destroys the stack; runs only with --confirm-destroy=production.")]
public sealed class DestroyTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        await context.AwsCredentialsAsync();
        var options = context.Options.Terraform;

        // BuildArguments already refused a Destroy without a matching --confirm-destroy; this guards the code path too.
        if (!string.Equals(options.ConfirmDestroy, context.Options.EnvironmentName, StringComparison.Ordinal))
        {
            throw new TerraformException($"Destroy needs --confirm-destroy={context.Options.EnvironmentName}.");
        }

        context.Terraform.Init(new TerraformInitSettings { BackendConfigFile = options.BackendConfigFile });
        var settings = new TerraformDestroySettings { AutoApprove = true };
        if (options.VarFile is { } varFile)
        {
            settings.VarFiles.Add(varFile);
        }

        context.Log.Warning("Destroying {0}: the database keeps a final snapshot.", context.Options.EnvironmentName);
        context.Terraform.Destroy(settings);
    }
}
