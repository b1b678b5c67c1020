using Cake.Core.Diagnostics;
using Cake.Frosting;

namespace TableOrder.Build.Tasks;

[TaskName("LocalStatus")]
[TaskDescription("Shows what of the local stack runs, where, and on which ports.")]
public sealed class LocalStatusTask : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        foreach (var (part, state, where) in context.LocalEnvironment.Status())
        {
            context.Log.Information("{0,-14} {1,-22} {2}", part, state, where);
        }

        context.Log.Information("State folder: {0}", context.LocalEnvironment.Layout.StateDirectory);
    }
}
