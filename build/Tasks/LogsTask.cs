using Cake.Frosting;
using TableOrder.Build.Configuration;
using TableOrder.Build.Environments;
using TableOrder.Build.Release;
using TableOrder.Build.Remote;

namespace TableOrder.Build.Tasks;

[TaskName("Logs")]
[TaskDescription("Shows the server's API or Nginx log (--log=api|nginx, --lines=N, --follow); of every app server, each line prefixed by its server.")]
[UsesArguments("ssh-key", "ssh-host-key", "transport", "log", "lines", "follow")]
public sealed class LogsTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var options = context.Options.Release;

        // Side by side, so --follow streams every server at once (the shell prefixes each line with its host).
        await Task.WhenAll(context.Deployment.AppServers().Select(async app =>
            await (await app.Connect(TimeSpan.FromSeconds(30))).RunAsync(ReleaseCommands.LogTail(options.Log, options.Lines, options.Follow))));
    }
}
