using System.Globalization;
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
        var files = options.Log == "nginx" ? $"{ServerPaths.NginxAccessLog} {ServerPaths.NginxErrorLog}" : ServerPaths.ApiLog;
        var command = $"tail -n {options.Lines.ToString(CultureInfo.InvariantCulture)}{(options.Follow ? " -F" : string.Empty)} {files}";
        var server = await context.ServerAsync();
        await server.RunAsync(Shell.Sudo(command), new RemoteRunOptions { Description = $"the {options.Log} log", Timeout = options.Follow ? TimeSpan.FromDays(1) : TimeSpan.FromMinutes(2) });
    }
}
