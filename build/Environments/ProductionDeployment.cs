using System.Text.Json;
using Amazon.EC2;
using Amazon.SimpleSystemsManagement;
using Cake.Core;
using Cake.Core.Diagnostics;
using TableOrder.Build.Aws;
using TableOrder.Build.Configuration;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Local;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;
using TableOrder.Build.Terraform;

namespace TableOrder.Build.Environments;

/// <summary>
/// Production: the stack is the terraform root module on the <see cref="IProductionSite"/> (AWS, or
/// the rehearsal's stand-in); the server is the EC2 instance, reached over SSH with its host key pinned
/// from the console output (or --ssh-host-key), or through SSM Run Command; the database password is
/// read on the server with the instance role and never reaches this machine.
/// </summary>
public sealed class ProductionDeployment(ICakeContext cake, BuildOptions options, SecretMasker masker, IProductionSite site) : IDeploymentEnvironment, ILocalStackHolder
{
    private static readonly JsonSerializerOptions OutputsJson = new() { WriteIndented = true };

    private AmazonEC2Client? _ec2;
    private AmazonSimpleSystemsManagementClient? _ssm;
    private TerraformOutputs? _outputs;
    private IRemoteShell? _server;

    public ProductionDeployment(ICakeContext cake, BuildOptions options, SecretMasker masker)
        : this(cake, options, masker, new AwsSite(cake, options, masker))
    {
    }

    public string Name => site.Name;

    /// <summary>The CloudWatch agent on; Python packages as the site says (production: Debian's first, pip for what a release's requirements add).</summary>
    public ServerPolicy Policy => new(CloudWatchAgent: true, site.PythonPackages, site.Tls(options.Domain));

    public ServerPorts Ports => site.Ports with { Tls = Policy.Tls };

    public bool PlansInfrastructure => true;

    /// <summary>The rehearsal's instance, database and cache run here; production has none.</summary>
    public LocalEnvironment? LocalStack => (site as ILocalStackHolder)?.LocalStack;

    public void HoldStack() => (site as ILocalStackHolder)?.HoldStack();

    private ICakeLog Log => cake.Log;

    private string OutputsFile => Path.Combine(options.StateDirectory, "terraform-outputs.json");

    /// <summary>The single app server in terraform/main.tf (module "compute") and modules/compute (aws_instance.app_server, counted: none when scaled out).</summary>
    public const string AppServerAddress = "module.compute.aws_instance.app_server[0]";

    /// <summary>The seed's "EC2 failure" recovery objective.</summary>
    public TimeSpan? RecoveryTimeObjective => TimeSpan.FromMinutes(30);

    public Task PrepareRebuildAsync(RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        if (site is not AwsSite aws)
        {
            throw new NotInThisEnvironmentException($"Rebuild replaces the AWS instance; the {Name} has no instance to replace: run --target=Deploy --environment={Name}.");
        }

        aws.ReplaceServer = true;
        summary.Record("replace", AppServerAddress);
        Log.Information("Rebuild: the plan replaces {0} (a new instance from the AMI); review it before it is applied.", AppServerAddress);
        return Task.CompletedTask;
    }

    /// <summary>The tasks that read the terraform outputs (the server's address, login, secrets' ARNs, ...).</summary>
    private static readonly string[] OutputReaders = ["WaitForServer", "Bootstrap", "Release", "Migrate", "Activate", "Smoke", "Rollback", "Status", "Logs", "Lock", "Verify"];

    /// <summary>
    /// The outputs the run's tasks read, checked before any of them runs: a run that provisions checks
    /// that the root module declares every required one (it applies first, then reads them); any other
    /// run checks the outputs saved by the last Provision or Outputs.
    /// </summary>
    public void CheckBeforeTasks(IReadOnlyCollection<string> tasks)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        if (!tasks.Any(OutputReaders.Contains))
        {
            return;
        }

        if (tasks.Contains("Provision"))
        {
            var missing = StackOutputs.MissingFrom(RootModuleOutputs.Declared(options.Terraform.WorkingDirectory));
            if (missing.Count > 0)
            {
                throw new TerraformException(
                    $"The root module {options.Terraform.WorkingDirectory} declares no output {string.Join(", ", missing)}: the tasks after Provision read them. " +
                    "Add them to its outputs.tf (the repository's terraform/outputs.tf has them all), or point --terraform-dir at the repository's terraform/.");
            }

            return;
        }

        _ = Outputs();
    }

    public Task<PlanResult> PlanAsync(RunSummary summary) => site.PlanAsync(summary);

    public async Task ProvisionAsync(PlanResult? plan, RunSummary summary)
    {
        var outputs = SaveOutputs(await site.ProvisionAsync(plan, summary));
        var stack = StackOutputs.From(outputs);
        Log.Information("Instance {0} at {1} ({2}).", stack.InstanceId, stack.Host, stack.Region);
    }

    public async Task<TerraformOutputs> RefreshOutputsAsync()
    {
        var outputs = await site.OutputsAsync();
        if (outputs.IsEmpty)
        {
            throw new TerraformException($"The stack has no outputs yet: nothing has been applied. Run --target=Provision --environment={Name} first.");
        }

        return SaveOutputs(outputs);
    }

    public Task DestroyAsync() => site.DestroyAsync();

    public async Task<IRemoteShell> WaitForServerAsync()
    {
        var outputs = Outputs();
        await new Ec2Instances(await Ec2Async(), Log).WaitUntilReadyAsync(outputs.InstanceId, TimeSpan.FromMinutes(10));
        return await ConnectAsync(TimeSpan.FromMinutes(3));
    }

    public async Task<IRemoteShell> ServerAsync() => await ConnectAsync(TimeSpan.FromSeconds(30));

    public Uri PublicUrl() => Policy.SiteUrl(Outputs().Host, Ports);

    public RemoteMeter Meter { get; } = new();

    /// <summary>The server writes the env files from secrets this machine never sees: they are always written.</summary>
    public IReadOnlyDictionary<string, string>? SettingsChecksums() => null;

    public async Task<bool> WriteAppSettingsAsync(IRemoteShell server, RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(summary);

        // No database password or Redis AUTH token reaches this machine: the server reads the secrets with its instance role.
        // The app logs in as its own role (a master-password rotation changes nothing for it); the master
        // secret only creates and grants that role, and is the owner's URL for migrations (root-only file).
        var outputs = Outputs();
        var role = new AppDatabaseRoleSettings
        {
            MasterSecretArn = outputs.DbSecretArn,
            PasswordParameter = $"/tableorder/{Name}/db-app-password",
            Region = outputs.Region,
            DbHost = outputs.DbEndpoint,
            DbPort = outputs.DbPort,
            DbName = outputs.DbName,
        };
        var roleResult = await server.RunAsync(RemoteCommand.Root(AppDatabaseRole.Script(role), "the app's database role"));
        var migration = await server.RunAsync(RemoteCommand.Root(
            ServerSideSecret.EnvFileScript(new ServerSideSecretSettings
            {
                SecretArn = outputs.DbSecretArn,
                Region = outputs.Region,
                DbHost = outputs.DbEndpoint,
                DbPort = outputs.DbPort,
                DbName = outputs.DbName,
                RedisHost = outputs.RedisEndpoint,
                RedisPort = outputs.RedisPort,
                RedisTls = outputs.RedisTls,
                EnvFilePath = ServerMap.MigrationEnvFile,
                Owner = "root",
            }),
            "write the migration env file from the RDS secret"));
        var script = ServerSideSecret.EnvFileScript(new ServerSideSecretSettings
        {
            SecretJsonCommand = AppDatabaseRole.CredentialsJsonCommand(role),
            SecretArn = outputs.DbSecretArn,
            Region = outputs.Region,
            DbHost = outputs.DbEndpoint,
            DbPort = outputs.DbPort,
            DbName = outputs.DbName,
            RedisHost = outputs.RedisEndpoint,
            RedisPort = outputs.RedisPort,
            RedisTls = outputs.RedisTls,
            RedisAuthSecretArn = outputs.RedisAuthSecretArn,
            EnvFilePath = ServerMap.EnvFile,
            Owner = ServerMap.AppUser,
            Settings = new Dictionary<string, string>
            {
                ["TABLEORDER_ENVIRONMENT"] = Name,
                ["S3_BUCKET"] = outputs.BucketName,
                ["AWS_REGION"] = outputs.Region,
            },
        });
        var written = await server.RunAsync(RemoteCommand.Root(script, "write the app's env file with its own role and the Redis token"));
        var parameters = await new ParameterStoreSettings(await SsmAsync(), Log, $"/tableorder/{Name}").SyncAsync(ParameterStoreSettings.FromOutputs(SavedOutputs()!));
        summary.Record("parametersWritten", parameters.Count);
        summary.Record("appRoleChanged", roleResult.Output.Any(l => l.Trim() == "changed"));
        summary.Record("migrationEnvChanged", migration.Output.Any(l => l.Trim() == "changed"));

        // Only the app's own env file restarts the app: the master password (migrations) is not its concern.
        return written.Output.Any(l => l.Trim() == "changed");
    }

    /// <summary>
    /// Read from the server's env file (root-only), where the env-file script made it once; never
    /// echoed (the command's output is not streamed) and masked from here on.
    /// </summary>
    public async Task<string?> StaffTokenAsync()
    {
        var server = await ServerAsync();
        var result = await server.RunAsync(
            RemoteCommand.Root($"sed -n 's/^STAFF_TOKEN=//p' {ServerMap.EnvFile} 2>/dev/null | head -n 1", "read the staff token") with { AllowFailure = true });
        var token = result.ExitCode == 0 ? result.Text.Trim() : string.Empty;
        masker.Add(token);
        return token.Length == 0 ? null : token;
    }

    public void Dispose()
    {
        _server?.Dispose();
        _server = null;
        _ec2?.Dispose();
        _ec2 = null;
        _ssm?.Dispose();
        _ssm = null;
        site.Dispose();
    }

    /// <summary>The outputs of the stack, as Provision or Outputs saved them, validated.</summary>
    private StackOutputs Outputs() =>
        StackOutputs.From(SavedOutputs() ?? throw new TerraformException($"No terraform outputs saved for {Name} yet: run --target=Provision --environment={Name} (or --target=Outputs) first."));

    private TerraformOutputs? SavedOutputs() =>
        _outputs ??= File.Exists(OutputsFile) ? JsonSerializer.Deserialize<TerraformOutputs>(File.ReadAllText(OutputsFile), OutputsJson) : null;

    /// <summary>Keeps the outputs for later tasks and runs (they hold no secrets: the password stays in Secrets Manager).</summary>
    private TerraformOutputs SaveOutputs(TerraformOutputs outputs)
    {
        Directory.CreateDirectory(options.StateDirectory);
        File.WriteAllText(OutputsFile, JsonSerializer.Serialize(outputs, OutputsJson));
        _outputs = outputs;
        return outputs;
    }

    private async Task<AmazonEC2Client> Ec2Async() => _ec2 ??= AwsClients.Ec2(Outputs().Region, (await site.CredentialsAsync()).Credentials, site.ServiceUrl);

    private async Task<AmazonSimpleSystemsManagementClient> SsmAsync() => _ssm ??= AwsClients.Ssm(Outputs().Region, (await site.CredentialsAsync()).Credentials, site.ServiceUrl);

    /// <summary>
    /// Over SSH with the host key pinned (--ssh-host-key, else the EC2 console's), or through SSM.
    /// One connection per build.
    /// </summary>
    private async Task<IRemoteShell> ConnectAsync(TimeSpan waitFor)
    {
        if (_server is not null)
        {
            return _server;
        }

        var outputs = Outputs();
        var instanceId = outputs.InstanceId;
        if (options.Transport == ServerTransport.Ssm)
        {
            _server = Meter.Wrap(new SsmShell(await SsmAsync(), instanceId, Log, masker, new SsmShellOptions { RunAsUser = outputs.SshUser }));
            return _server;
        }

        var key = options.SshKeyPath ?? site.DefaultSshKey ?? throw new BuildArgumentException("--ssh-key is required in production: the private key of the EC2 key pair, e.g. --ssh-key=~/.ssh/table-order-key.pem.");

        // The pin: --ssh-host-key (on purpose), else the one kept after the first verified connection,
        // else the console's (cloud-init prints the keys on first boot only).
        var kept = new KeptHostKey(await SsmAsync(), Log, Path.Combine(options.StateDirectory, "ssh-host-key.pin"), KeptHostKey.ParameterFor(Name));
        var hostKey = options.SshHostKey;
        var fromKept = false;
        if (hostKey is null && await kept.ReadAsync(instanceId) is { } keptKey)
        {
            hostKey = keptKey;
            fromKept = true;
        }

        if (hostKey is null)
        {
            Log.Information("Host key: reading {0}'s SSH host keys from its console output (cloud-init prints them).", instanceId);
            hostKey = await new ConsoleHostKeys(await Ec2Async(), Log).WaitForHostKeyAsync(instanceId, TimeSpan.FromMinutes(5));
        }

        var target = new SshTarget(outputs.Host, outputs.SshPort, outputs.SshUser, key, PinnedHostKey.Parse(hostKey));
        Log.Information("Host key pinned{0}: {1} {2}", fromKept ? " (kept)" : string.Empty, target.HostKey.Algorithm, target.HostKey.Fingerprint);
        try
        {
            _server = Meter.Wrap(await Meter.ConnectAsync(async () => (IRemoteShell)await SshSession.ConnectAsync(target, Log, masker, waitFor)));
        }
        catch (HostKeyMismatchException ex) when (fromKept)
        {
            throw new RemoteException(
                $"{ex.Message} The pin is kept in {kept.File} and in Parameter Store {kept.ParameterName}; it is not replaced silently. " +
                $"If the server was replaced on purpose, read its new key from the console (aws ec2 get-console-output --latest --output text --instance-id {instanceId}) " +
                $"and re-pin: dotnet run --project build -- --target=WaitForServer --environment={Name} --ssh-host-key=\"ssh-ed25519 AAAA...\"",
                ex);
        }

        await kept.KeepAsync(instanceId, hostKey);
        return _server;
    }
}
