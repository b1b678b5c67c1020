using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Environments;

namespace TableOrder.Build.Tasks;

[TaskName("LocalStatus")]
[TaskDescription("Shows what of this state folder's local stack runs, where, and on which ports; and which other stacks share the repository.")]
public sealed class LocalStatusTask : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        var local = context.Deployment as ILocalStackHolder
            ?? throw new NotInThisEnvironmentException("LocalStatus shows the local stack: run it with --environment=local (the default) or --environment=rehearsal.");
        var stack = local.LocalStack
            ?? throw new NotInThisEnvironmentException("LocalStatus shows the local stack: run it with --environment=local (the default) or --environment=rehearsal.");
        foreach (var (part, state, where) in stack.Status())
        {
            context.Log.Information("{0,-30} {1,-22} {2}", part, state, where);
        }

        context.Log.Information("State folder: {0}", stack.Layout.StateDirectory);
        foreach (var (folder, ports) in Local.LocalEnvironment.OtherStacks(context.Options.StateRoot, stack.Layout.StateDirectory))
        {
            context.Log.Information("Other stack:  {0} (ssh {1}, http {2})", folder, ports.Ssh, ports.Http);
        }
    }
}
