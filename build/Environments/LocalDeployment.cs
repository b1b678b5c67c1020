using Cake.Core.Diagnostics;
using TableOrder.Build.Configuration;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Local;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;
using TableOrder.Build.Terraform;

namespace TableOrder.Build.Environments;

/// <summary>
/// Local: the stack is this machine's (PostgreSQL, Redis, the app-server machine), reached over
/// SSH with the host key read from the machine's disk; settings are written from the local secrets.
/// </summary>
public sealed class LocalDeployment(BuildOptions options, LocalEnvironment stack, ICakeLog log, SecretMasker masker) : IDeploymentEnvironment, ILocalStackHolder
{
    private IRemoteShell? _server;
    private LocalLock? _lock;

    public string Name => "local";

    /// <summary>Debian's packages only (no package index here), and no CloudWatch (no AWS).</summary>
    public ServerPolicy Policy { get; } = new(CloudWatchAgent: false, PythonPackages.Distro);

    public ServerPorts Ports => new(stack.Layout.Ports.Http, stack.Layout.Ports.Api, stack.Layout.Ports.ApiGreen);

    public bool PlansInfrastructure => false;

    public TimeSpan? RecoveryTimeObjective => null;

    public LocalEnvironment Stack => stack;

    public LocalEnvironment? LocalStack => stack;

    public Task<PlanResult> PlanAsync(RunSummary summary) =>
        throw new NotInThisEnvironmentException("The local stack has no plan: --target=Provision starts it.");

    public Task ProvisionAsync(PlanResult? plan, RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        HoldStack();
        stack.Up();
        summary.Record("machine", stack.Layout.MachineName);
        summary.Record("ports", stack.Layout.Ports);
        return Task.CompletedTask;
    }

    public Task<TerraformOutputs> RefreshOutputsAsync() =>
        throw new NotInThisEnvironmentException("The local stack has no terraform outputs; --target=LocalStatus shows where its parts run.");

    public Task PrepareRebuildAsync(RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        HoldStack();
        _server?.Dispose();
        _server = null;
        stack.Down(purge: true);
        if (options.PurgeImage)
        {
            stack.PurgeImageCache();
        }

        summary.Record("purged", true);
        summary.Record("imagePurged", options.PurgeImage);
        return Task.CompletedTask;
    }

    public Task DestroyAsync() =>
        throw new NotInThisEnvironmentException("Destroy is for production; the local stack goes with --target=LocalDown --purge.");

    public async Task<IRemoteShell> WaitForServerAsync() => await ConnectAsync(TimeSpan.FromMinutes(3));

    public async Task<IRemoteShell> ServerAsync() => await ConnectAsync(TimeSpan.FromSeconds(30));

    public Uri PublicUrl() => new($"http://127.0.0.1:{stack.Layout.Ports.Http}/");

    /// <summary>The local Redis's CA certificate (the app verifies Redis against it), then the env file.</summary>
    public async Task<bool> WriteAppSettingsAsync(IRemoteShell server, RunSummary summary)
    {
        var ca = await AppEnvironmentFile.WriteFileAsync(server, await File.ReadAllBytesAsync(stack.Redis.CaCertificateFile), ServerMap.RedisCaFile, "0644", "root");
        var settings = await AppEnvironmentFile.WriteAsync(server, AppEnvironmentFile.Render(stack.AppSettings()));
        return ca || settings;
    }

    /// <summary>The local secret (secrets.json in the state folder); the stack masks it when it loads it.</summary>
    public Task<string?> StaffTokenAsync() => Task.FromResult(stack.Secrets.StaffToken);

    /// <summary>Holds this state folder's stack for the rest of the build: a second build fails at once.</summary>
    public void HoldStack() => _lock ??= stack.Lock();

    public void Dispose()
    {
        _server?.Dispose();
        _server = null;
        _lock?.Dispose();
        _lock = null;
    }

    private async Task<IRemoteShell> ConnectAsync(TimeSpan waitFor)
    {
        if (_server is not null)
        {
            return _server;
        }

        if (stack.Machine.RunningPid is null)
        {
            throw new LocalEnvironmentException("The local app-server machine is not running. Start it with --target=Provision (or Deploy).");
        }

        var target = stack.SshTarget;
        if (options.SshKeyPath is { } key)
        {
            target = target with { PrivateKeyPath = key };
        }

        _server = await SshSession.ConnectAsync(target, log, masker, waitFor);
        return _server;
    }
}
