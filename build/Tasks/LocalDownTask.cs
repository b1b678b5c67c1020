using Cake.Frosting;
using TableOrder.Build.Configuration;
using TableOrder.Build.Environments;

namespace TableOrder.Build.Tasks;

[TaskName("LocalDown")]
[TaskDescription("Stops everything this state folder's local stack started (never another stack's); --purge also deletes its state.")]
[UsesArguments("purge", "purge-image")]
public sealed class LocalDownTask : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        var local = context.Deployment as ILocalStackHolder
            ?? throw new NotInThisEnvironmentException("LocalDown stops the local stack: run it with --environment=local (the default) or --environment=rehearsal.");
        var stack = local.LocalStack
            ?? throw new NotInThisEnvironmentException("LocalDown stops the local stack: run it with --environment=local (the default) or --environment=rehearsal.");
        local.HoldStack();
        stack.Down(context.Options.Purge);
        if (context.Options.PurgeImage)
        {
            stack.PurgeImageCache();
        }

        context.Summary.Record("purged", context.Options.Purge);
        context.Summary.Record("imagePurged", context.Options.PurgeImage);
    }
}
