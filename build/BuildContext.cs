using Amazon.EC2;
using Amazon.SimpleSystemsManagement;
using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Aws;
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
public sealed class BuildContext : FrostingContext, IDisposable
{
    private TerraformCli? _terraform;
    private LocalEnvironment? _localEnvironment;
    private LocalLock? _localLock;
    private IRemoteShell? _server;
    private DeployLock? _deployLock;
    private AwsCredentialsSource? _aws;
    private AmazonEC2Client? _ec2;
    private AmazonSimpleSystemsManagementClient? _ssm;
    private TerraformOutputs? _outputs;

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
    public LocalEnvironment LocalEnvironment => _localEnvironment ??= new LocalEnvironment(
        new LocalLayout(Options.StateDirectory, LocalLayout.CacheFor(Options.RootDirectory), Options.RootDirectory),
        Log,
        Masker);

    /// <summary>Takes the local environment's lock for the rest of this build (a second build fails at once).</summary>
    public void LockLocalEnvironment() => _localLock ??= LocalEnvironment.Lock();

    /// <summary>Ports of Nginx and the API on the server.</summary>
    public ServerPorts ServerPorts => IsProduction ? ServerPorts.Production : new ServerPorts(LocalLayout.HttpPort, LocalLayout.ApiPort);

    /// <summary>
    /// The app server: over SSH with its host key pinned (local: read from the machine's disk;
    /// production: --ssh-host-key or the EC2 console), or through SSM. One connection per build.
    /// </summary>
    public async Task<IRemoteShell> ServerAsync(TimeSpan? waitFor = null)
    {
        if (_server is not null)
        {
            return _server;
        }

        if (!IsProduction)
        {
            _server = await SshSession.ConnectAsync(LocalSshTarget(), Log, Masker, waitFor ?? TimeSpan.FromSeconds(30));
            return _server;
        }

        var outputs = ProductionOutputs();
        var instanceId = outputs.InstanceId ?? throw new TerraformException("The terraform outputs have no instance_id.");
        if (Options.Transport == ServerTransport.Ssm)
        {
            _server = new SsmShell(await SsmAsync(), instanceId, Log, Masker, new SsmShellOptions { RunAsUser = outputs.SshUser ?? "ec2-user" });
            return _server;
        }

        var key = Options.SshKeyPath ?? throw new BuildArgumentException("--ssh-key is required in production: the private key of the EC2 key pair, e.g. --ssh-key=~/.ssh/table-order-key.pem.");
        var hostKey = Options.SshHostKey;
        if (hostKey is null)
        {
            Log.Information("Host key: reading {0}'s SSH host keys from its console output (cloud-init prints them).", instanceId);
            hostKey = await new ConsoleHostKeys(await Ec2Async(), Log).WaitForHostKeyAsync(instanceId, TimeSpan.FromMinutes(5));
        }

        var host = outputs.PublicIp ?? outputs.PublicDns ?? throw new TerraformException("The terraform outputs have no public_ip.");
        var target = new SshTarget(host, 22, outputs.SshUser ?? "ec2-user", key, PinnedHostKey.Parse(hostKey));
        Log.Information("Host key pinned: {0} {1}", target.HostKey.Algorithm, target.HostKey.Fingerprint);
        _server = await SshSession.ConnectAsync(target, Log, Masker, waitFor ?? TimeSpan.FromSeconds(30));
        return _server;
    }

    /// <summary>The outputs of the production stack, as Provision or Outputs saved them.</summary>
    public TerraformOutputs ProductionOutputs() =>
        LoadOutputs() ?? throw new TerraformException("No terraform outputs saved for production yet: run --target=Provision --environment=production (or --target=Outputs) first.");

    /// <summary>AWS credentials from the SDK's default chain; checked before the first production side effect.</summary>
    public async Task<AwsCredentialsSource> AwsCredentialsAsync()
    {
        if (_aws is null)
        {
            _aws = await AwsCredentialsCheck.ResolveAsync();
            Log.Information("AWS credentials: {0}", _aws.Source);
        }

        return _aws;
    }

    public async Task<AmazonEC2Client> Ec2Async() =>
        _ec2 ??= AwsClients.Ec2(Region, (await AwsCredentialsAsync()).Credentials);

    public async Task<AmazonSimpleSystemsManagementClient> SsmAsync() =>
        _ssm ??= AwsClients.Ssm(Region, (await AwsCredentialsAsync()).Credentials);

    /// <summary>The stack's region: from its outputs once it exists, else the design's region.</summary>
    private string Region => LoadOutputs()?.Region ?? "ap-northeast-2";

    private SshTarget LocalSshTarget()
    {
        if (LocalEnvironment.Machine.RunningPid is null)
        {
            throw new LocalEnvironmentException("The local app-server machine is not running. Start it with --target=Provision (or Bootstrap, or Deploy).");
        }

        var target = LocalEnvironment.SshTarget;
        return Options.SshKeyPath is { } key ? target with { PrivateKeyPath = key } : target;
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

        var outputs = ProductionOutputs();
        return new Uri($"http://{outputs.PublicIp ?? outputs.PublicDns}/");
    }

    public void Dispose() => Close();

    /// <summary>Closes what the build opened: the server connection and the local lock.</summary>
    public void Close()
    {
        _server?.Dispose();
        _server = null;
        _ec2?.Dispose();
        _ec2 = null;
        _ssm?.Dispose();
        _ssm = null;
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
        _outputs = outputs;
    }

    /// <summary>The outputs the last Provision or Outputs saved; null when there are none yet.</summary>
    public TerraformOutputs? LoadOutputs() =>
        _outputs ??= File.Exists(OutputsFile) ? System.Text.Json.JsonSerializer.Deserialize<TerraformOutputs>(File.ReadAllText(OutputsFile), OutputsJson) : null;

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
