using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Configuration;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Local;
using TableOrder.Build.Release;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;
using TableOrder.Build.Terraform;

namespace TableOrder.Build;

/// <summary>
/// The context every task receives. Arguments are parsed once, here, before the first task
/// body runs: a wrong argument stops the build with one clear error and nothing done.
/// Services that touch the outside world are made on first use, so --dryrun and --tree touch nothing.
/// </summary>
public sealed class BuildContext : FrostingContext
{
    private TerraformCli? _terraform;
    private LocalEnvironment? _localStack;
    private LocalLock? _localLock;
    private IRemoteShell? _server;
    private DeployLock? _deployLock;

    public BuildContext(ICakeContext context)
        : base(context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Options = BuildArguments.Parse(
            context.Arguments.GetArguments().ToDictionary(a => a.Key, a => a.Value.LastOrDefault(), StringComparer.OrdinalIgnoreCase),
            [.. context.Arguments.GetArguments("target")],
            System.Environment.GetEnvironmentVariable,
            context.Environment.WorkingDirectory.FullPath);
    }

    public BuildOptions Options { get; }

    public bool IsProduction => Options.Environment == DeploymentEnvironment.Production;

    /// <summary>Every secret the build has seen; log lines pass through it.</summary>
    public SecretMasker Masker { get; } = new();

    /// <summary>Terraform in the root module folder, version-checked, with the provider mirror if one is found.</summary>
    public TerraformCli Terraform => _terraform ??= CreateTerraform(Options.Terraform.WorkingDirectory);

    /// <summary>The local stand-in of the AWS stack (PostgreSQL, Redis, the app-server machine).</summary>
    public LocalEnvironment LocalEnvironment => _localStack ??= new LocalEnvironment(
        new LocalLayout(Options.StateDirectory, Path.Combine(Options.StateRoot, "cache"), Options.RootDirectory),
        Log);

    /// <summary>Takes the local environment's lock for the rest of this build (a second build fails at once).</summary>
    public void LockLocalEnvironment() => _localLock ??= LocalEnvironment.Lock();

    /// <summary>Ports of Nginx and the API on the server.</summary>
    public ServerPorts ServerPorts => IsProduction ? ServerPorts.Production : new ServerPorts(LocalLayout.HttpPort, LocalLayout.ApiPort);

    /// <summary>The app server over SSH with its host key pinned; one connection for the whole build.</summary>
    public async Task<IRemoteShell> ServerAsync(TimeSpan? waitFor = null)
    {
        if (_server is not null)
        {
            return _server;
        }

        var target = IsProduction ? ProductionSshTarget() : LocalSshTarget();
        _server = await SshSession.ConnectAsync(target, Log, Masker, waitFor ?? TimeSpan.FromSeconds(30));
        return _server;
    }

    private SshTarget LocalSshTarget()
    {
        if (LocalEnvironment.Machine.RunningPid is null)
        {
            throw new LocalEnvironmentException("The local app-server machine is not running. Start it with --target=Provision (or Bootstrap, or Deploy).");
        }

        var target = LocalEnvironment.SshTarget;
        return Options.SshKeyPath is { } key ? target with { PrivateKeyPath = key } : target;
    }

    private SshTarget ProductionSshTarget()
    {
        var outputs = LoadOutputs() ?? throw new TerraformException("No terraform outputs saved for production yet: run --target=Provision --environment=production (or Outputs) first.");
        var key = Options.SshKeyPath ?? throw new BuildArgumentException("--ssh-key is required in production: the private key of the EC2 key pair, e.g. --ssh-key=~/.ssh/table-order-key.pem.");
        var hostKey = Options.SshHostKey ?? throw new RemoteException(
            "The production server's host key is not pinned. Read it from the instance's console output (cloud-init prints its keys) and pass --ssh-host-key=\"ssh-ed25519 AAAA...\".");
        return new SshTarget(outputs.PublicIp ?? outputs.PublicDns ?? throw new TerraformException("The outputs have no public_ip."), 22, outputs.SshUser ?? "ec2-user", key, PinnedHostKey.Parse(hostKey));
    }

    /// <summary>The release this build ships, set by the Release task.</summary>
    public ReleaseArchive? Release { get; set; }

    /// <summary>The server's deploy lock, held from Release through Smoke (or for Rollback).</summary>
    public async Task<DeployLock> TakeDeployLockAsync(string action, string? release)
    {
        var server = await ServerAsync();
        _deployLock ??= new DeployLock(server, Log);
        if (_deployLock.Held is null)
        {
            LockHolder holder;
            try
            {
                holder = await _deployLock.AcquireAsync(AuditLog.CurrentActor(), action, release, Options.Release.LockWait);
            }
            catch (DeployLockedException locked)
            {
                await AuditLog.For(server).WriteAsync("lock-refused", new Dictionary<string, string?> { ["for"] = action, ["release"] = release, ["holder"] = locked.Holder.ToString() });
                throw;
            }

            Log.Information("Deploy lock: taken by {0}", holder);
            await AuditLog.For(server).WriteAsync("lock-acquired", new Dictionary<string, string?> { ["for"] = action, ["release"] = release });
        }

        return _deployLock;
    }

    /// <summary>Ends a deploy: records how it went and releases the lock this build holds.</summary>
    public async Task FinishDeployAsync(bool succeeded, Exception? error)
    {
        if (_deployLock?.Held is not { } held || _server is null)
        {
            return;
        }

        var audit = AuditLog.For(_server);
        await audit.WriteAsync(
            held.Action + (succeeded ? "-finished" : "-failed"),
            new Dictionary<string, string?> { ["release"] = held.Release, ["error"] = error is null ? null : Masker.Apply(error.Message.Split('\n')[0]) });
        await _deployLock.ReleaseAsync();
        await audit.WriteAsync("lock-released", new Dictionary<string, string?> { ["release"] = held.Release });
    }

    /// <summary>The service as users reach it: Nginx on the server's HTTP port.</summary>
    public Uri PublicUrl()
    {
        if (!IsProduction)
        {
            return new Uri($"http://127.0.0.1:{ServerPorts.Http}/");
        }

        var outputs = LoadOutputs() ?? throw new TerraformException("No terraform outputs saved for production yet: run --target=Outputs --environment=production.");
        return new Uri($"http://{outputs.PublicIp ?? outputs.PublicDns}/");
    }

    /// <summary>Closes what the build opened: the server connection and the local lock.</summary>
    public void Close()
    {
        _server?.Dispose();
        _server = null;
        _localLock?.Dispose();
        _localLock = null;
    }

    /// <summary>The plan that the Plan task saved in this run, for Provision to apply.</summary>
    public PlanResult? PlanResult { get; set; }

    private string OutputsFile => Path.Combine(Options.StateDirectory, "terraform-outputs.json");

    /// <summary>Keeps the outputs for later tasks and runs (they hold no secrets: the password stays in Secrets Manager).</summary>
    public void SaveOutputs(TerraformOutputs outputs)
    {
        Directory.CreateDirectory(Options.StateDirectory);
        File.WriteAllText(OutputsFile, System.Text.Json.JsonSerializer.Serialize(outputs, OutputsJson));
    }

    /// <summary>The outputs the last Provision or Outputs saved; null when there are none yet.</summary>
    public TerraformOutputs? LoadOutputs() =>
        File.Exists(OutputsFile) ? System.Text.Json.JsonSerializer.Deserialize<TerraformOutputs>(File.ReadAllText(OutputsFile), OutputsJson) : null;

    private static readonly System.Text.Json.JsonSerializerOptions OutputsJson = new() { WriteIndented = true };

    public TerraformCli CreateTerraform(string workingDirectory)
    {
        var mirror = Options.Terraform.MirrorDirectory;
        if (mirror is null)
        {
            var home = System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);
            mirror = ProviderMirror.Discover(
                ProviderMirror.CandidateFolders(home, System.Environment.GetEnvironmentVariable),
                ProviderMirror.SearchRoots(home));
        }

        string? cliConfig = null;
        if (mirror is null)
        {
            Log.Information("Terraform providers: no local mirror found; terraform installs them from its registry.");
        }
        else
        {
            cliConfig = ProviderMirror.WriteCliConfig(mirror, Options.StateRoot);
            Log.Information("Terraform providers: from the local mirror {0} only.", mirror);
        }

        var terraform = new TerraformCli(FileSystem, Environment, ProcessRunner, Tools, Log, Masker, workingDirectory, cliConfig);
        var version = terraform.EnsureSupportedVersion();
        Log.Verbose("terraform {0}", version.Version);
        return terraform;
    }
}
