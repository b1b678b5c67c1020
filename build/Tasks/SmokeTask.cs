using Cake.Frosting;
using TableOrder.Build.Smoke;

namespace TableOrder.Build.Tasks;

[TaskName("Smoke")]
[TaskDescription("Smoke checks through Nginx: the three UIs, /api/health (database and Redis ok), an SSE round trip via Redis.")]
[IsDependentOn(typeof(ActivateTask))]
public sealed class SmokeTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var checks = await new SmokeChecks(http, context.Deployment.PublicUrl(), context.Log) { StaffToken = await context.Deployment.StaffTokenAsync() }.RunAllAsync(context.Release?.Id);
        context.Summary.Record("checks", checks);
    }
}
