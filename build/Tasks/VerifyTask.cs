using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Configuration;
using TableOrder.Build.Environments;
using TableOrder.Build.Server;

namespace TableOrder.Build.Tasks;

[TaskName("Verify")]
[TaskDescription("Checks the server like InSpec would: packages, services enabled and running, ports, env file mode, nginx -t.")]
[UsesArguments("ssh-key", "ssh-host-key", "transport")]
public sealed class VerifyTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var servers = context.Deployment.AppServers();
        var checks = new List<VerificationCheck>();
        foreach (var app in servers)
        {
            var server = await app.Connect(TimeSpan.FromSeconds(30));
            await DeployScripts.UploadAsync(server, Path.Combine(context.Options.RootDirectory, "app-deploy"));
            var own = await ServerVerification.RunAsync(server, app.Ports);
            checks.AddRange(servers.Count > 1 ? own.Select(c => c with { Name = $"{app.Name}: {c.Name}" }) : own);
        }

        var failed = checks.Where(c => !c.Passed).ToList();
        context.Summary.Record("checks", checks.Count);
        context.Summary.Record("failed", failed.Select(f => f.Name).ToList());
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
