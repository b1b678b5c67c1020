using Cake.Frosting;
using TableOrder.Build.Release;
using TableOrder.Build.Remote;

namespace TableOrder.Build.Tasks;

[TaskName("Logs")]
[TaskDescription("Shows the server's API or Nginx log (--log=api|nginx, --lines=N, --follow).")]
public sealed class LogsTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var options = context.Options.Release;
        var server = await context.Deployment.ServerAsync();
        await server.RunAsync(ReleaseCommands.LogTail(options.Log, options.Lines, options.Follow));
    }
}
