using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Configuration;
using TableOrder.Build.Environments;
using TableOrder.Build.Recovery;

namespace TableOrder.Build.Tasks;

[TaskName("Snapshot")]
[TaskDescription("A manual database snapshot named <db>-manual-<utc>-<release>, waited for (production and rehearsal: RDS CreateDBSnapshot; local: a labelled pgBackRest backup); with --server-image also an image of the app server (EC2 CreateImage, tagged, no reboot unless --reboot).")]
[UsesArguments("ssh-key", "ssh-host-key", "transport", "server-image", "reboot")]
public sealed class SnapshotTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var snapshot = await context.TakeSnapshotAsync();
        if (!context.Options.Recovery.ServerImage)
        {
            return;
        }

        var images = await (context.Deployment as IServerImages ?? throw new NotInThisEnvironmentException($"The {context.Deployment.Name} environment has no server images."))
            .ImageServersAsync(snapshot.Name, context.Options.Recovery.Reboot, context.Summary);
        context.Summary.Record("images", images.Select(i => new { server = i.Server, image = i.ImageId, name = i.Name, state = i.State }).ToList());
        foreach (var image in images)
        {
            context.Log.Information("Image of {0}: {1} ({2}), {3}", image.Server, image.ImageId, image.Name, image.State);
        }
    }
}
