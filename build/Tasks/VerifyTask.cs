using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Server;

namespace TableOrder.Build.Tasks;

[TaskName("Verify")]
[TaskDescription("Checks the server like InSpec would: packages, services enabled and running, ports, env file mode, nginx -t.")]
public sealed class VerifyTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var server = await context.ServerAsync();
        await DeployScripts.UploadAsync(server, Path.Combine(context.Options.RootDirectory, "app-deploy"));
        var checks = await ServerVerification.RunAsync(server, context.ServerPorts);
        var failed = checks.Where(c => !c.Passed).ToList();
        if (checks.Count == 0)
        {
            throw new InvalidOperationException("verify.sh reported no checks.");
        }

        if (failed.Count > 0)
        {
            throw new InvalidOperationException(
                $"{failed.Count} of {checks.Count} checks failed: " + string.Join("; ", failed.Select(f => $"{f.Name} ({f.Reason})")));
        }

        context.Log.Information("Verify: all {0} checks passed.", checks.Count);
    }
}
