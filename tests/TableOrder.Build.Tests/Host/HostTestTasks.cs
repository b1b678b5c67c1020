using Cake.Core;
using Cake.Frosting;

namespace TableOrder.Build.Tests.Host;

// Test-only tasks for the in-process CakeHost tests. In a test run the entry assembly is the
// test host, so only the tasks of this assembly (added with AddAssembly) are registered.

/// <summary>The context the test tasks receive; it records what ran.</summary>
public sealed class HostTestContext(ICakeContext context) : FrostingContext(context)
{
    private static readonly List<string> Entries = [];

    /// <summary>What ran, in order, since the last <see cref="Reset"/>.</summary>
    public static IReadOnlyList<string> Executed
    {
        get
        {
            lock (Entries)
            {
                return [.. Entries];
            }
        }
    }

    public static void Reset()
    {
        lock (Entries)
        {
            Entries.Clear();
        }
    }

    public static void Record(string entry)
    {
        lock (Entries)
        {
            Entries.Add(entry);
        }
    }
}

[TaskName("A")]
[TaskDescription("The first task.")]
public sealed class ATask : FrostingTask<HostTestContext>
{
    public override void Run(HostTestContext context) => HostTestContext.Record("A");
}

[TaskName("B")]
[IsDependentOn(typeof(ATask))]
public sealed class BTask : FrostingTask<HostTestContext>
{
    public override void Run(HostTestContext context) => HostTestContext.Record("B");
}

[TaskName("C")]
[IsDependentOn(typeof(BTask))]
[IsDependentOn(typeof(AsyncWorkTask))]
public sealed class CTask : FrostingTask<HostTestContext>
{
    public override void Run(HostTestContext context) => HostTestContext.Record("C");
}

[TaskName("AsyncWork")]
public sealed class AsyncWorkTask : AsyncFrostingTask<HostTestContext>
{
    public override async Task RunAsync(HostTestContext context)
    {
        HostTestContext.Record("AsyncWork:start");
        await Task.Delay(20);
        await Task.Yield();
        HostTestContext.Record("AsyncWork:end");
    }
}

[TaskName("Skipped")]
public sealed class SkippedTask : FrostingTask<HostTestContext>
{
    public override bool ShouldRun(HostTestContext context)
    {
        HostTestContext.Record("Skipped:ShouldRun");
        return false;
    }

    public override void Run(HostTestContext context) => HostTestContext.Record("Skipped");
}

[TaskName("AfterSkipped")]
[IsDependentOn(typeof(SkippedTask))]
public sealed class AfterSkippedTask : FrostingTask<HostTestContext>
{
    public override void Run(HostTestContext context) => HostTestContext.Record("AfterSkipped");
}

[TaskName("Failing")]
[IsDependentOn(typeof(ATask))]
public sealed class FailingTask : FrostingTask<HostTestContext>
{
    public const string Message = "The failing task failed on purpose.";

    public override void Run(HostTestContext context)
    {
        HostTestContext.Record("Failing");
        throw new InvalidOperationException(Message);
    }

    public override void Finally(HostTestContext context) => HostTestContext.Record("Failing:Finally");
}

[TaskName("AfterFailing")]
[IsDependentOn(typeof(FailingTask))]
public sealed class AfterFailingTask : FrostingTask<HostTestContext>
{
    public override void Run(HostTestContext context) => HostTestContext.Record("AfterFailing");
}

[TaskName("FailingAsync")]
public sealed class FailingAsyncTask : AsyncFrostingTask<HostTestContext>
{
    public override async Task RunAsync(HostTestContext context)
    {
        await Task.Yield();
        HostTestContext.Record("FailingAsync");
        throw new InvalidOperationException("The async task failed on purpose.");
    }
}

[TaskName("HandledFailure")]
public sealed class HandledFailureTask : FrostingTask<HostTestContext>
{
    public override void Run(HostTestContext context) => throw new InvalidOperationException("handled");

    public override void OnError(Exception exception, HostTestContext context) => HostTestContext.Record($"OnError:{exception.Message}");
}

[TaskName("ContinuesOnError")]
[ContinueOnError]
public sealed class ContinuesOnErrorTask : FrostingTask<HostTestContext>
{
    public override void Run(HostTestContext context)
    {
        HostTestContext.Record("ContinuesOnError");
        throw new InvalidOperationException("ignored");
    }
}

[TaskName("AfterContinue")]
[IsDependentOn(typeof(ContinuesOnErrorTask))]
public sealed class AfterContinueTask : FrostingTask<HostTestContext>
{
    public override void Run(HostTestContext context) => HostTestContext.Record("AfterContinue");
}

[TaskName("ReadsArgument")]
public sealed class ReadsArgumentTask : FrostingTask<HostTestContext>
{
    public override void Run(HostTestContext context) =>
        HostTestContext.Record($"color={context.Arguments.GetArgument("color")}");
}

public sealed class HostTestLifetime : FrostingLifetime<HostTestContext>
{
    public override void Setup(HostTestContext context, ISetupContext info) =>
        HostTestContext.Record($"Setup:{string.Join('+', info.TasksToExecute.Select(t => t.Name))}");

    public override void Teardown(HostTestContext context, ITeardownContext info) =>
        HostTestContext.Record($"Teardown:{(info.Successful ? "ok" : "failed")}");
}
