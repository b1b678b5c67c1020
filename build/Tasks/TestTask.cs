using Cake.Common.Tools.DotNet;
using Cake.Common.Tools.DotNet.Test;
using Cake.Core.Diagnostics;
using Cake.Frosting;

namespace TableOrder.Build.Tasks;

[TaskName("Test")]
[TaskDescription("Runs every test: unit, integration (real terraform, sshd, PostgreSQL, Redis, the local machine) and the terraform test suites.")]
public sealed class TestTask : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        var results = Path.Combine(context.Options.RootDirectory, "artifacts", "test-results");
        if (Directory.Exists(results))
        {
            Directory.Delete(results, recursive: true);
        }

        context.Log.Information("Test results (TRX): {0}", results);
        context.DotNetTest(
            Path.Combine(context.Options.RootDirectory, "TableOrder.Build.sln"),
            new DotNetTestSettings
            {
                Configuration = "Release",
                ResultsDirectory = results,
                Loggers = ["trx", "console;verbosity=normal"],
            });
    }
}
