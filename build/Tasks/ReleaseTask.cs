using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Release;

namespace TableOrder.Build.Tasks;

[TaskName("Release")]
[TaskDescription("Packs the app (id from its content) and makes releases/<id> on the server (its own venv, its requirements checked, marked complete last) unless it is complete already, under the deploy lock.")]
[IsDependentOn(typeof(BootstrapTask))]
public sealed class ReleaseTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var archive = ReleaseArchive.FromDirectory(context.Options.Release.AppDirectory);
        context.Release = archive;
        context.Log.Information("Release {0}: {1} ({2} files)", archive.Id, archive.SourceDirectory, archive.Files.Count);

        await context.HoldAsync(archive.Id);
        var server = await context.Deployment.ServerAsync();
        bool uploaded;
        using (var step = context.Log.Step($"Release {archive.Id}: upload and unpack (and its Python packages)"))
        {
            uploaded = await new ServerReleases(server, context.Log).EnsureAsync(archive, context.Deployment.Policy);
            step.Done(uploaded ? "uploaded" : "already on the server");
        }

        context.Summary.Record("release", archive.Id);
        context.Summary.Record("uploaded", uploaded);
    }
}
