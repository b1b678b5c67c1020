using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Configuration;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Environments;
using TableOrder.Build.Release;
using TableOrder.Build.Server;

namespace TableOrder.Build.Tasks;

[TaskName("Release")]
[TaskDescription("Packs the app (id from its content) and makes releases/<id> on the server (its own venv, its requirements checked, marked complete last) unless it is complete already, under the deploy lock.")]
[IsDependentOn(typeof(BootstrapTask))]
[UsesArguments("ssh-key", "ssh-host-key", "transport", "app-dir", "lock-wait")]
public sealed class ReleaseTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var archive = ReleaseArchive.FromDirectory(context.Options.Release.AppDirectory);
        context.Release = archive;
        context.Log.Information("Release {0}: {1} ({2} files)", archive.Id, archive.SourceDirectory, archive.Files.Count);

        context.Summary.Record("release", archive.Id);
        if (context.ServerState is { Locked: false } state && state.Releases.Contains(archive.Id))
        {
            context.Summary.Record("skipped", ServerState.UpToDate);
            context.Summary.Record("uploaded", false);
            context.Log.Information("Release {0}: already on the server; nothing uploaded.", archive.Id);
            return;
        }

        await context.HoldAsync(archive.Id);
        var servers = context.Deployment.AppServers();
        var uploaded = false;
        var perServer = new List<object>();
        foreach (var app in servers)
        {
            var server = await app.Connect(TimeSpan.FromSeconds(30));
            var where = servers.Count > 1 ? $" to {app.Name}" : string.Empty;
            using var step = context.Log.Step($"Release {archive.Id}: upload{where} and unpack (and its Python packages)");
            var here = await new ServerReleases(server, context.Log).EnsureAsync(archive, context.Deployment.Policy);
            step.Done(here ? "uploaded" : "already on the server");
            uploaded |= here;
            perServer.Add(new { server = app.Name, uploaded = here });
        }

        if (servers.Count > 1)
        {
            context.Summary.Record("servers", perServer);
        }

        if (uploaded)
        {
            context.ServerState = null;
        }

        context.Summary.Record("uploaded", uploaded);
    }
}
