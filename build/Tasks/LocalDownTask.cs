using Cake.Frosting;

namespace TableOrder.Build.Tasks;

[TaskName("LocalDown")]
[TaskDescription("Stops everything the local environment started; --purge also deletes its state.")]
public sealed class LocalDownTask : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        context.LockLocalEnvironment();
        context.LocalEnvironment.Down(context.Options.Purge);
    }
}
