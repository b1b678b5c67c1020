using Cake.Core;
using Cake.Frosting;
using TableOrder.Build.Configuration;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Environments;
using TableOrder.Build.Release;
using TableOrder.Build.Terraform;

namespace TableOrder.Build;

/// <summary>
/// The context every task receives: the options (parsed once, before the first task body runs),
/// the chosen environment, the run summary, and the hand-offs between tasks. Nothing else.
/// The environment is made on first use, so --dryrun and --tree touch nothing.
/// </summary>
public sealed class BuildContext : FrostingContext, IDisposable
{
    private IDeploymentEnvironment? _deployment;

    public BuildContext(ICakeContext context)
        : base(context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Options = BuildArguments.Parse(
            context.Arguments.GetArguments().ToDictionary(a => a.Key, a => a.Value.LastOrDefault(), StringComparer.OrdinalIgnoreCase),
            [.. context.Arguments.GetArguments("target")],
            System.Environment.GetEnvironmentVariable,
            context.Environment.WorkingDirectory.FullPath);
        Summary = new RunSummary(Options.EnvironmentName, Options.Targets);
        RunLog = context.Log as RunLog;
        RunLog?.Masker = Masker;
    }

    /// <summary>The full record of this run (every command's output); null when the host logs elsewhere (tests).</summary>
    public RunLog? RunLog { get; }

    /// <summary>Opens this run's log file under the state folder (at the first task: --tree and --dryrun write none).</summary>
    public void OpenRunLog()
    {
        if (RunLog is null || RunLog.FilePath is not null)
        {
            return;
        }

        var name = $"{DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture)}-{string.Join('-', Options.Targets)}.log";
        RunLog.Open(Path.Combine(Options.StateDirectory, RunLog.FolderName, name));
        Summary.LogFile = RunLog.FilePath;
    }

    public BuildOptions Options { get; }

    /// <summary>Setup found the arguments right for the tasks Cake is about to run (<see cref="ArgumentUse"/>).</summary>
    public bool ArgumentsAccepted { get; set; }

    /// <summary>Every secret the build has seen; log lines pass through it.</summary>
    public SecretMasker Masker { get; } = new();

    /// <summary>What each task did, written to the state folder's last-run.json at the end.</summary>
    public RunSummary Summary { get; }

    /// <summary>Where the pipeline runs: the seam between local, production and whatever comes next.</summary>
    public IDeploymentEnvironment Deployment => _deployment ??= Options.Environment.Create(this, Options, Masker);

    /// <summary>Hand-off: the plan that Plan saved in this run, for Provision to apply.</summary>
    public PlanResult? PlanResult { get; set; }

    /// <summary>Hand-off: the release this build ships, set by Release.</summary>
    public ReleaseArchive? Release { get; set; }

    /// <summary>Hand-off: started by Rebuild's first step, read by Rebuild at the end.</summary>
    public System.Diagnostics.Stopwatch? RebuildClock { get; set; }

    /// <summary>
    /// Hand-off: what the server was when WaitForServer probed it (one call); later tasks skip what
    /// already matches. Null when there was no probe, or once a task changed the server.
    /// </summary>
    public Server.ServerState? ServerState { get; set; }

    /// <summary>What the run asked of the server so far; null when no environment was made.</summary>
    public Remote.RemoteMeter? RemoteMeter => _deployment?.Meter;

    /// <summary>Hand-off: the server's deploy lock, held from the first task that changes the server to the end.</summary>
    public DeployLock? DeployLock { get; set; }

    public void Dispose() => Close();

    /// <summary>Closes what the build opened: the server connection, clients, the local stack's lock.</summary>
    public void Close()
    {
        _deployment?.Dispose();
        _deployment = null;
    }
}
