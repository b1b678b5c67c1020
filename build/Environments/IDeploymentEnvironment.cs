using TableOrder.Build.Diagnostics;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;
using TableOrder.Build.Terraform;

namespace TableOrder.Build.Environments;

/// <summary>
/// The seam: everything that differs between where the pipeline runs (local, production, and a
/// production rehearsal next). Tasks talk to this and to the concern folders, never to an
/// environment name; adding an environment adds an implementation and touches no task.
/// </summary>
public interface IDeploymentEnvironment : IDisposable
{
    /// <summary>local, production, ...: names the state folder and the audit entries.</summary>
    string Name { get; }

    /// <summary>The named choices for the server: CloudWatch agent on/off, where Python packages come from.</summary>
    ServerPolicy Policy { get; }

    /// <summary>Nginx's and the API's ports on the server.</summary>
    ServerPorts Ports { get; }

    /// <summary>How long recovering the app server may take (the design's RTO); null where none is set.</summary>
    TimeSpan? RecoveryTimeObjective { get; }

    /// <summary>True when the stack is planned before it is provisioned (terraform); Plan skips otherwise.</summary>
    bool PlansInfrastructure { get; }

    /// <summary>
    /// Runs in the build's setup, before the first task body: checks what this run's tasks will need
    /// from the stack, so that a missing piece is one error up front (production: the terraform
    /// outputs). Reads only. The local stack needs nothing checked.
    /// </summary>
    void CheckBeforeTasks(IReadOnlyCollection<string> tasks)
    {
    }

    /// <summary>Plans the stack and saves the plan for Provision.</summary>
    Task<PlanResult> PlanAsync(RunSummary summary);

    /// <summary>Creates or starts the stack (applies <paramref name="plan"/> when one was made in this run).</summary>
    Task ProvisionAsync(PlanResult? plan, RunSummary summary);

    /// <summary>Reads the stack's terraform outputs and keeps them for later tasks.</summary>
    Task<TerraformOutputs> RefreshOutputsAsync();

    /// <summary>
    /// Rebuild's first step, before Plan: take down what the rebuild replaces (local: stop and purge
    /// the stack; production: have the next plan replace the app server). The confirmation was checked with the arguments.
    /// </summary>
    Task PrepareRebuildAsync(RunSummary summary);

    /// <summary>Destroys the stack; the confirmation was checked with the arguments.</summary>
    Task DestroyAsync();

    /// <summary>Waits until the server exists and answers (instance status, SSH with the pinned key), and returns the connection.</summary>
    Task<IRemoteShell> WaitForServerAsync();

    /// <summary>The build's one connection to the server, over the environment's transport.</summary>
    Task<IRemoteShell> ServerAsync();

    /// <summary>What this run asked of the server (connections, commands, uploads, seconds).</summary>
    RemoteMeter Meter { get; }

    /// <summary>The service as users reach it.</summary>
    Uri PublicUrl();

    /// <summary>
    /// The SHA-256 of each settings file <see cref="WriteAppSettingsAsync"/> would write (server path
    /// to checksum), where this machine knows their content (local); null where the server makes them
    /// from secrets only it reads (production), so they are always written there.
    /// </summary>
    IReadOnlyDictionary<string, string>? SettingsChecksums();

    /// <summary>Writes the app's settings (secrets included) on the server; true when they changed.</summary>
    Task<bool> WriteAppSettingsAsync(IRemoteShell server, RunSummary summary);

    /// <summary>
    /// The app's staff token (STAFF_TOKEN, the bearer token for publishing events), for the smoke
    /// check's publish; registered with the secret masker. Null when the environment has none yet.
    /// Never read through a command on a server (production: Parameter Store's API, not SSM Run Command).
    /// </summary>
    Task<string?> StaffTokenAsync();
}

/// <summary>A target asked of an environment that does not have it; the message says what to run instead.</summary>
public sealed class NotInThisEnvironmentException(string message) : Exception(message);
