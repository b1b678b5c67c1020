using System.Text.Json;
using Amazon.EC2;
using Amazon.SimpleSystemsManagement;
using Cake.Core;
using Cake.Core.Diagnostics;
using TableOrder.Build.Aws;
using TableOrder.Build.Configuration;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;
using TableOrder.Build.Terraform;

namespace TableOrder.Build.Environments;

/// <summary>
/// Production: the stack is the terraform root module on AWS (plan, then apply exactly that plan);
/// the server is the EC2 instance, reached over SSH with its host key pinned from the console
/// output (or --ssh-host-key), or through SSM Run Command; the database password is read on the
/// server with the instance role and never reaches this machine.
/// </summary>
public sealed class ProductionDeployment(ICakeContext cake, BuildOptions options, SecretMasker masker) : IDeploymentEnvironment
{
    private const string DefaultRegion = "ap-northeast-2";
    private static readonly JsonSerializerOptions OutputsJson = new() { WriteIndented = true };

    private TerraformCli? _terraform;
    private AwsCredentialsSource? _aws;
    private AmazonEC2Client? _ec2;
    private bool _replaceServer;
    private AmazonSimpleSystemsManagementClient? _ssm;
    private TerraformOutputs? _outputs;
    private IRemoteShell? _server;

    public string Name => "production";

    /// <summary>The CloudWatch agent on; Debian's packages first, pip for what a release's requirements add.</summary>
    public ServerPolicy Policy { get; } = new(CloudWatchAgent: true, PythonPackages.Pip);

    public ServerPorts Ports => ServerPorts.Production;

    public bool PlansInfrastructure => true;

    private ICakeLog Log => cake.Log;

    private TerraformCli Terraform => _terraform ??= TerraformTool.Create(cake, options, masker, options.Terraform.WorkingDirectory);

    private string OutputsFile => Path.Combine(options.StateDirectory, "terraform-outputs.json");

    private string Region => LoadOutputs()?.Region ?? DefaultRegion;

    /// <summary>The app server instance in terraform/main.tf (module "compute") and modules/compute (aws_instance.app_server).</summary>
    /// <summary>The seed's "EC2 failure" recovery objective.</summary>
    public TimeSpan? RecoveryTimeObjective => TimeSpan.FromMinutes(30);

    public const string AppServerAddress = "module.compute.aws_instance.app_server";

    public Task PrepareRebuildAsync(RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        _replaceServer = true;
        summary.Record("replace", AppServerAddress);
        Log.Information("Rebuild: the plan replaces {0} (a new instance from the AMI); review it before it is applied.", AppServerAddress);
        return Task.CompletedTask;
    }

    public async Task<PlanResult> PlanAsync(RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);

        // Before anything touches production: credentials, or a message that says how to provide them.
        await CredentialsAsync();
        var terraform = options.Terraform;
        Directory.CreateDirectory(Path.GetDirectoryName(terraform.PlanFile)!);
        Terraform.Init(new TerraformInitSettings { BackendConfigFile = terraform.BackendConfigFile });
        var settings = new TerraformPlanSettings { OutFile = terraform.PlanFile };
        if (_replaceServer)
        {
            settings.Replace.Add(AppServerAddress);
        }
        if (terraform.VarFile is { } varFile)
        {
            settings.VarFiles.Add(varFile);
        }

        var plan = Terraform.Plan(settings);
        summary.Record("changes", plan.HasChanges);
        return plan;
    }

    public async Task ProvisionAsync(PlanResult? plan, RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        await CredentialsAsync();
        plan ??= ReviewedPlan();
        if (!plan.HasChanges)
        {
            Log.Information("The plan has no changes: nothing to apply.");
        }
        else
        {
            PlanApproval.Require(options.Terraform.AutoApprove, Name, plan.Summary);
            Terraform.Apply(new TerraformApplySettings { PlanFile = plan.PlanFile });
        }

        summary.Record("applied", plan.HasChanges);
        var outputs = SaveOutputs(Terraform.Output());
        Log.Information("Instance {0} at {1} ({2}).", outputs.InstanceId, outputs.PublicIp, outputs.Region);
    }

    public async Task<TerraformOutputs> RefreshOutputsAsync()
    {
        await CredentialsAsync();
        Terraform.Init(new TerraformInitSettings { BackendConfigFile = options.Terraform.BackendConfigFile });
        var outputs = Terraform.Output();
        if (outputs.IsEmpty)
        {
            throw new TerraformException("The stack has no outputs yet: nothing has been applied. Run --target=Provision --environment=production first.");
        }

        return SaveOutputs(outputs);
    }

    /// <summary>
    /// Two steps (see <see cref="ProductionDestroy"/>): deletion protection off (a targeted plan,
    /// applied only when it changes nothing but the database in place), then terraform destroy.
    /// </summary>
    public async Task DestroyAsync()
    {
        await CredentialsAsync();
        Terraform.Init(new TerraformInitSettings { BackendConfigFile = options.Terraform.BackendConfigFile });
        Directory.CreateDirectory(options.StateDirectory);
        var unprotectPlan = Path.Combine(options.StateDirectory, "unprotect.tfplan");
        var varFile = options.Terraform.VarFile;

        Log.Information("Destroy, step 1 of 2: turning the database's deletion protection off ({0}).", ProductionDestroy.DatabaseAddress);
        var plan = Terraform.Plan(ProductionDestroy.UnprotectPlan(unprotectPlan, varFile));
        var kept = ProductionDestroy.ReadDataKept(Terraform.Show(unprotectPlan));
        if (plan.HasChanges)
        {
            ProductionDestroy.RequireOnlyInPlaceChanges(plan.Summary);
            Terraform.Apply(new TerraformApplySettings { PlanFile = unprotectPlan });
        }
        else
        {
            Log.Information("Deletion protection is already off.");
        }

        File.Delete(unprotectPlan);
        Log.Warning("Destroy, step 2 of 2: destroying {0}: {1}.", Name, kept);
        Terraform.Destroy(ProductionDestroy.DestroyAll(varFile));
    }

    public async Task<IRemoteShell> WaitForServerAsync()
    {
        var instanceId = Outputs().InstanceId ?? throw new TerraformException("The terraform outputs have no instance_id.");
        await new Ec2Instances(await Ec2Async(), Log).WaitUntilReadyAsync(instanceId, TimeSpan.FromMinutes(10));
        return await ConnectAsync(TimeSpan.FromMinutes(3));
    }

    public async Task<IRemoteShell> ServerAsync() => await ConnectAsync(TimeSpan.FromSeconds(30));

    public Uri PublicUrl()
    {
        var outputs = Outputs();
        return new Uri($"http://{outputs.PublicIp ?? outputs.PublicDns}/");
    }

    public async Task<bool> WriteAppSettingsAsync(IRemoteShell server, RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(summary);

        // The database password and the Redis AUTH token never leave AWS: the server reads both secrets with its instance role.
        var outputs = Outputs();
        var script = ServerSideSecret.EnvFileScript(new ServerSideSecretSettings
        {
            SecretArn = outputs.DbSecretArn ?? throw new TerraformException("The terraform outputs have no db_secret_arn."),
            Region = outputs.Region ?? DefaultRegion,
            DbHost = outputs.DbEndpoint ?? throw new TerraformException("The terraform outputs have no db_endpoint."),
            DbPort = outputs.DbPort ?? 5432,
            DbName = outputs.DbName ?? "tableorder",
            RedisHost = outputs.RedisEndpoint ?? throw new TerraformException("The terraform outputs have no redis_endpoint."),
            RedisPort = outputs.RedisPort ?? 6379,
            RedisTls = outputs.RedisTls ?? true,
            RedisAuthSecretArn = outputs.RedisAuthSecretArn ?? throw new TerraformException("The terraform outputs have no redis_auth_secret_arn (Redis takes an AUTH token): apply the current terraform first."),
            EnvFilePath = ServerMap.EnvFile,
            Owner = ServerMap.AppUser,
            Settings = new Dictionary<string, string>
            {
                ["TABLEORDER_ENVIRONMENT"] = Name,
                ["S3_BUCKET"] = outputs.BucketName ?? string.Empty,
                ["AWS_REGION"] = outputs.Region ?? DefaultRegion,
            },
        });
        var written = await server.RunAsync(RemoteCommand.Root(script, "write the env file from the RDS and Redis secrets"));
        var parameters = await new ParameterStoreSettings(await SsmAsync(), Log).SyncAsync(ParameterStoreSettings.FromOutputs(outputs));
        summary.Record("parametersWritten", parameters.Count);
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
    }

    /// <summary>The outputs of the stack, as Provision or Outputs saved them.</summary>
    private TerraformOutputs Outputs() =>
        LoadOutputs() ?? throw new TerraformException("No terraform outputs saved for production yet: run --target=Provision --environment=production (or --target=Outputs) first.");

    private TerraformOutputs? LoadOutputs() =>
        _outputs ??= File.Exists(OutputsFile) ? JsonSerializer.Deserialize<TerraformOutputs>(File.ReadAllText(OutputsFile), OutputsJson) : null;

    /// <summary>Keeps the outputs for later tasks and runs (they hold no secrets: the password stays in Secrets Manager).</summary>
    private TerraformOutputs SaveOutputs(TerraformOutputs outputs)
    {
        Directory.CreateDirectory(options.StateDirectory);
        File.WriteAllText(OutputsFile, JsonSerializer.Serialize(outputs, OutputsJson));
        _outputs = outputs;
        return outputs;
    }

    /// <summary>
    /// With --exclusive (CI applying a plan that was reviewed earlier), Plan did not run in this build:
    /// apply the saved plan file as it is, never a new plan.
    /// </summary>
    private PlanResult ReviewedPlan()
    {
        var planFile = options.Terraform.PlanFile;
        if (!File.Exists(planFile))
        {
            throw new TerraformException($"There is no saved plan at {planFile}. Run --target=Provision (it plans first), or --target=Plan and then --target=Provision --exclusive --plan-file={planFile}.");
        }

        Terraform.Init(new TerraformInitSettings { BackendConfigFile = options.Terraform.BackendConfigFile });
        var summary = PlanSummary.Parse(Terraform.Show(planFile));
        Log.Information("Applying the saved plan {0}: {1}", planFile, summary);
        return new PlanResult(summary.HasChanges, planFile, summary);
    }

    private async Task<AwsCredentialsSource> CredentialsAsync()
    {
        if (_aws is null)
        {
            _aws = await AwsCredentialsCheck.ResolveAsync();
            Log.Information("AWS credentials: {0}", _aws.Source);
        }

        return _aws;
    }

    private async Task<AmazonEC2Client> Ec2Async() => _ec2 ??= AwsClients.Ec2(Region, (await CredentialsAsync()).Credentials);

    private async Task<AmazonSimpleSystemsManagementClient> SsmAsync() => _ssm ??= AwsClients.Ssm(Region, (await CredentialsAsync()).Credentials);

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
        var instanceId = outputs.InstanceId ?? throw new TerraformException("The terraform outputs have no instance_id.");
        if (options.Transport == ServerTransport.Ssm)
        {
            _server = new SsmShell(await SsmAsync(), instanceId, Log, masker, new SsmShellOptions { RunAsUser = outputs.SshUser ?? "admin" });
            return _server;
        }

        var key = options.SshKeyPath ?? throw new BuildArgumentException("--ssh-key is required in production: the private key of the EC2 key pair, e.g. --ssh-key=~/.ssh/table-order-key.pem.");
        var hostKey = options.SshHostKey;
        if (hostKey is null)
        {
            Log.Information("Host key: reading {0}'s SSH host keys from its console output (cloud-init prints them).", instanceId);
            hostKey = await new ConsoleHostKeys(await Ec2Async(), Log).WaitForHostKeyAsync(instanceId, TimeSpan.FromMinutes(5));
        }

        var host = outputs.PublicIp ?? outputs.PublicDns ?? throw new TerraformException("The terraform outputs have no public_ip.");
        var target = new SshTarget(host, 22, outputs.SshUser ?? "admin", key, PinnedHostKey.Parse(hostKey));
        Log.Information("Host key pinned: {0} {1}", target.HostKey.Algorithm, target.HostKey.Fingerprint);
        _server = await SshSession.ConnectAsync(target, Log, masker, waitFor);
        return _server;
    }
}
