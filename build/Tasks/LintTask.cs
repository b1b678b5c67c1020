using Cake.Common.Tools.DotNet;
using Cake.Common.Tools.DotNet.Format;
using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Local;
using TableOrder.Build.Server;

namespace TableOrder.Build.Tasks;

[TaskName("Lint")]
[TaskDescription("dotnet format --verify-no-changes on the solution, and app-deploy/lint.sh (shellcheck, nginx -t, systemd-analyze verify, CloudWatch config).")]
public sealed class LintTask : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        context.DotNetFormat(
            Path.Combine(context.Options.RootDirectory, "TableOrder.Build.sln"),
            new DotNetFormatSettings { VerifyNoChanges = true });
        context.Log.Information("dotnet format: no changes needed.");

        // The repository's own scripts; app-deploy/lint.sh covers what lands on the server.
        var root = context.Options.RootDirectory;
        var process = new LocalProcess(context.Log);
        process.Run("shellcheck", [Path.Combine(root, ".ci", "run"), .. Directory.GetFiles(Path.Combine(root, "benchmarks"), "*.sh")], echo: true);
        context.Log.Information("shellcheck: .ci/run and benchmarks/ are clean.");

        // lint.sh renders the templates with the server map, as bootstrap.sh does on the server.
        var map = Path.Combine(Path.GetTempPath(), $"tableorder-{Environment.ProcessId}-{ServerMap.ShellFileName}");
        File.WriteAllText(map, ServerMap.ShellFile());
        LocalProcess.Result result;
        try
        {
            result = process.Run("bash", [Path.Combine(context.Options.RootDirectory, "app-deploy", "lint.sh"), "--server-map", map], allowFailure: true, echo: true);
        }
        finally
        {
            File.Delete(map);
        }

        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                result.ExitCode == 2
                    ? "app-deploy/lint.sh is missing tools (named above): --target=Provision installs them as root."
                    : "app-deploy/lint.sh found problems; they are named above.");
        }
    }
}
