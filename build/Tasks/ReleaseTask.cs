using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Release;

namespace TableOrder.Build.Tasks;

[TaskName("Release")]
[TaskDescription("Takes the deploy lock, packs the app (id from its content) and puts it in releases/<id> unless it is there already.")]
[IsDependentOn(typeof(BootstrapTask))]
public sealed class ReleaseTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var archive = ReleaseArchive.FromDirectory(context.Options.Release.AppDirectory);
        context.Release = archive;
        context.Log.Information("Release {0}: {1} ({2} files)", archive.Id, archive.SourceDirectory, archive.Files.Count);

        await context.TakeDeployLockAsync("deploy", archive.Id);
        var server = await context.ServerAsync();
        await new ServerReleases(server, context.Log).EnsureAsync(archive, installRequirements: context.IsProduction);
    }
}
