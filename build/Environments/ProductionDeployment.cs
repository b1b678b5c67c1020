using System.Collections.Concurrent;
using System.Text.Json;
using Amazon.EC2;
using Amazon.S3;
using Amazon.SimpleSystemsManagement;
using Cake.Core;
using Cake.Core.Diagnostics;
using TableOrder.Build.Aws;
using TableOrder.Build.Configuration;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Local;
using TableOrder.Build.Release;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;
using TableOrder.Build.Terraform;

namespace TableOrder.Build.Environments;

/// <summary>
/// Production: the stack is the terraform root module on the <see cref="IProductionSite"/> (AWS, or
/// the rehearsal's moto); the server is the EC2 instance, reached over SSH with its host key pinned
/// from the console output (or --ssh-host-key), or through SSM Run Command; the database password is
/// read on the server with the instance role and never reaches this machine. Scaled out (terraform output
/// scaled_out), it is a fleet: the Auto Scaling group's instances in service, each reached the same way
/// with its own pin, behind the ALB's target group, and the release bucket in S3 for servers added later.
/// </summary>
public sealed class ProductionDeployment(ICakeContext cake, BuildOptions options, SecretMasker masker, IProductionSite site) : IDeploymentEnvironment, ILocalStackHolder, IServerFleet, IDatabaseRecovery, IServerImages, IServerReboots
{
    private static readonly JsonSerializerOptions OutputsJson = new() { WriteIndented = true };

    private readonly ConcurrentDictionary<string, IRemoteShell> _servers = new(StringComparer.Ordinal);
    private AmazonEC2Client? _ec2;
    private AmazonSimpleSystemsManagementClient? _ssm;
    private AmazonS3Client? _s3;
    private AwsQueryApi? _elb;
    private AwsQueryApi? _autoScaling;
    private AwsQueryApi? _rds;
    private RdsRecovery? _recovery;
    private TerraformOutputs? _outputs;
    private IReadOnlyList<AppServer>? _fleet;
    private TargetGroupLoadBalancer? _balancer;
    private S3ReleaseStore? _releaseStore;
    private bool _hostKeyOptionNoted;

    public ProductionDeployment(ICakeContext cake, BuildOptions options, SecretMasker masker)
        : this(cake, options, masker, new AwsSite(cake, options, masker))
    {
    }

    public string Name => site.Name;

    /// <summary>
    /// The CloudWatch agent on; Python packages from Debian's, and what a release adds beyond them only from
    /// its hash lock; the database verified against the site's CA. Scaled out, HTTPS ends at the load balancer
    /// (its ACM certificate): the servers serve HTTP to it, with no certificate of their own.
    /// The site's domain is the stack's: --domain, else terraform's site_domain (the A record it manages),
    /// else the one the last Bootstrap from this state folder set up; only --http-only turns it off.
    /// Behind the load balancer the servers trust its forwarded headers from its subnets only.
    /// </summary>
    public ServerPolicy Policy
    {
        get
        {
            var stackDomain = SavedOutputs()?.SiteDomain ?? SiteDomain.Recorded(options.StateDirectory);
            var domain = SiteDomain.Resolve(options.Domain, options.HttpOnly, stackDomain);
            return new(CloudWatchAgent: true, PythonPackages.Lock, ScaledOut ? null : site.Tls(domain), site.DatabaseCa)
            {
                HttpsOff = options.HttpOnly,
                DroppedDomain = options.HttpOnly ? stackDomain : null,
                LoadBalancerCidrs = ScaledOut ? site.LoadBalancerCidrs(SavedOutputs()!) : [],
            };
        }
    }

    /// <summary>The saved outputs say the stack is scaled out (an Auto Scaling group behind a load balancer).</summary>
    public bool ScaledOut => SavedOutputs()?.ScaledOut ?? false;

    /// <summary>
    /// Scaled out: the Auto Scaling group's servers in service (asked once per build), named by instance id;
    /// none with one server (the environment's single server is then its only one).
    /// </summary>
    public IReadOnlyList<AppServer> Servers => ScaledOut ? _fleet ??= Await(DiscoverFleetAsync()) : [];

    /// <summary>Scaled out: the ALB's target group; null with one server.</summary>
    public ILoadBalancer? LoadBalancer => ScaledOut ? _balancer ??= new TargetGroupLoadBalancer(Await(LoadBalancingAsync()), Fleet.TargetGroupArn, Fleet.SiteUrl, Log) : null;

    /// <summary>Scaled out: the release bucket (terraform/README.md, "Release bucket"); null with one server.</summary>
    public IReleaseStore? ReleaseStore => ScaledOut ? _releaseStore ??= new S3ReleaseStore(Await(S3Async()), Fleet.ReleaseBucketName, Log, DeployScriptsBundle) : null;

    private StackFleet Fleet => Outputs().Fleet ?? throw new TerraformException("The saved terraform outputs say the stack is not scaled out.");

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
        if (ScaledOut)
        {
            throw new NotInThisEnvironmentException(
                $"Rebuild replaces the single instance; a scaled-out stack's servers are replaced by Auto Scaling: " +
                $"aws autoscaling start-instance-refresh --auto-scaling-group-name {Fleet.AutoScalingGroupName} (new servers install releases/current themselves).");
        }

        site.ReplaceServerOnNextPlan();
        summary.Record("replace", AppServerAddress);
        Log.Information("Rebuild: the plan replaces {0} (a new instance from the AMI); review it before it is applied.", AppServerAddress);
        return Task.CompletedTask;
    }

    /// <summary>The tasks that read the terraform outputs (the server's address, login, secrets' ARNs, ...).</summary>
    private static readonly string[] OutputReaders = ["WaitForServer", "Bootstrap", "Release", "Migrate", "Activate", "Smoke", "Rollback", "Status", "Logs", "Lock", "Verify", "Snapshot", "Restore", "Patch"];

    /// <summary>
    /// The outputs the run's tasks read, checked before any of them runs: a run that provisions checks
    /// that the root module declares every required one (it applies first, then reads them); any other
    /// run checks the outputs saved by the last Provision or Outputs.
    /// </summary>
    public void CheckBeforeTasks(IReadOnlyCollection<string> tasks)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        site.CheckBeforeTasks(tasks);
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
        if (stack.Fleet is { } fleet)
        {
            Log.Information("Auto Scaling group {0} ({1} servers) behind {2} ({3}).", fleet.AutoScalingGroupName, fleet.ServerCount?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "its", fleet.SiteUrl, stack.Region);
            // what this build knew of the fleet came from the outputs before this apply
            (_fleet, _balancer, _releaseStore) = (null, null, null);
        }
        else
        {
            Log.Information("Instance {0} at {1} ({2}).", stack.InstanceId, stack.Host, stack.Region);
        }
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
        var ec2 = new Ec2Instances(await Ec2Async(), Log);
        if (outputs.Fleet is null)
        {
            await ec2.WaitUntilReadyAsync(outputs.InstanceId!, TimeSpan.FromMinutes(10));
            return await ConnectAsync(TimeSpan.FromMinutes(3));
        }

        // every server in service: status checks, then a pinned connection (each its own console's key)
        foreach (var server in Servers)
        {
            await ec2.WaitUntilReadyAsync(server.Name, TimeSpan.FromMinutes(10));
            await server.Connect(TimeSpan.FromMinutes(3));
        }

        return await Servers[0].Connect(TimeSpan.FromMinutes(3));
    }

    /// <summary>The server: scaled out, the first of the fleet (it holds the deploy lock and runs the migrations).</summary>
    public async Task<IRemoteShell> ServerAsync() => ScaledOut ? await Servers[0].Connect(TimeSpan.FromSeconds(30)) : await ConnectAsync(TimeSpan.FromSeconds(30));

    public Uri PublicUrl() => Outputs() is { Fleet: { } fleet } ? fleet.SiteUrl : Policy.SiteUrl(Outputs().Host!, Ports);

    public RemoteMeter Meter { get; } = new();

    /// <summary>
    /// The server writes the env files from secrets this machine never sees, so what this machine can
    /// compare is where they come from: the scripts that write them and the versions of the secrets and
    /// parameters they read (never a value), kept on the server after they were written
    /// (<see cref="ServerMap.SettingsFingerprint"/>). The same fingerprint means the same files; a rotated
    /// secret or a changed script or setting writes them again. Scaled out, every server is bootstrapped.
    /// </summary>
    public IReadOnlyDictionary<string, string>? SettingsChecksums() =>
        ScaledOut || SavedOutputs() is null
            ? null
            : new Dictionary<string, string>(StringComparer.Ordinal) { [ServerMap.SettingsFingerprint] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Await(SettingsFingerprintAsync())))) };

    /// <summary>The inputs of the settings files: what writes them, the versions of what they are written from.</summary>
    private async Task<string> SettingsFingerprintAsync()
    {
        var outputs = Outputs();
        using var secrets = AwsClients.SecretsManager(outputs.Region, (await site.CredentialsAsync()).Credentials, site.ServiceUrl);
        async Task<string> CurrentVersionAsync(string secretArn)
        {
            try
            {
                var secret = await secrets.CallAsync("DescribeSecret", new System.Text.Json.Nodes.JsonObject { ["SecretId"] = secretArn });
                return secret["VersionIdsToStages"] is System.Text.Json.Nodes.JsonObject versions
                    ? versions.FirstOrDefault(v => v.Value is System.Text.Json.Nodes.JsonArray stages && stages.Any(s => s?.GetValue<string>() == "AWSCURRENT")).Key ?? "none"
                    : "none";
            }
            catch (AwsJsonException ex) when (ex.ErrorCode == "ResourceNotFoundException")
            {
                return "none"; // the env-file script says what is missing when it runs
            }
        }

        async Task<string> ParameterVersionAsync(string name)
        {
            try
            {
                var version = (await (await SsmAsync()).GetParameterAsync(new Amazon.SimpleSystemsManagement.Model.GetParameterRequest { Name = name })).Parameter.Version;
                return version?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none";
            }
            catch (Amazon.SimpleSystemsManagement.Model.ParameterNotFoundException)
            {
                return "none";
            }
        }

        var scripts = string.Join('\n', AppDatabaseRole.Script(AppRole(outputs)), MigrationEnvScript(outputs), AppEnvScript(outputs), JsonSerializer.Serialize(ParameterStoreSettings.FromOutputs(SavedOutputs()!)));
        return string.Join(
            '\n',
            "# The inputs of the settings files, written after they were (build/Environments/ProductionDeployment.cs): no value of a secret.",
            $"scripts {Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(scripts)))}",
            $"db-secret {await CurrentVersionAsync(outputs.DbSecretArn)}",
            $"redis-secret {await CurrentVersionAsync(outputs.RedisAuthSecretArn)}",
            $"app-password {await ParameterVersionAsync(AppRole(outputs).PasswordParameter)}",
            $"staff-token {await ParameterVersionAsync(StaffTokenParameter)}",
            string.Empty);
    }

    public async Task<bool> WriteAppSettingsAsync(IRemoteShell server, RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(summary);

        // No database password or Redis AUTH token reaches this machine: the server reads the secrets with its instance role.
        // The app logs in as its own role (a master-password rotation changes nothing for it); the master
        // secret only creates and grants that role, and is the owner's URL for migrations (root-only file).
        // The staff token is kept in Parameter Store before any env file takes it from there.
        await EnsureStaffTokenAsync();
        var outputs = Outputs();
        var role = AppRole(outputs);
        var roleResult = await server.RunAsync(RemoteCommand.Root(AppDatabaseRole.Script(role), "the app's database role"));
        var fingerprint = outputs.Fleet is null ? await SettingsFingerprintAsync() : null;
        var migration = await server.RunAsync(RemoteCommand.Root(MigrationEnvScript(outputs), "write the migration env file from the RDS secret"));
        var written = await server.RunAsync(RemoteCommand.Root(AppEnvScript(outputs), "write the app's env file with its own role and the Redis token"));

        var parameters = await new ParameterStoreSettings(await SsmAsync(), Log, $"/tableorder/{Name}").SyncAsync(ParameterStoreSettings.FromOutputs(SavedOutputs()!));
        if (fingerprint is not null)
        {
            // last: only settings that were all written are taken for current by the next run's probe
            await server.RunAsync(RemoteCommand.Root(ServerSideSecret.KeepFileScript(ServerMap.SettingsFingerprint, fingerprint), "keep where the settings came from"));
        }

        summary.Record("parametersWritten", parameters.Count);
        summary.Record("appRoleChanged", roleResult.Output.Any(l => l.Trim() == "changed"));
        summary.Record("migrationEnvChanged", migration.Output.Any(l => l.Trim() == "changed"));

        // Only the app's own env file restarts the app: the master password (migrations) is not its concern.
        return written.Output.Any(l => l.Trim() == "changed");
    }

    /// <summary>The stack's RDS instance identifier (the first label of its endpoint as terraform gave it): snapshot names begin with it.</summary>
    public string DatabaseName => SavedOutputs()?.DbInstanceIdentifier ?? RdsDatabase.IdentifierOf(Outputs().DbEndpoint);

    /// <summary>RDS uploads the transaction logs every 5 minutes: the design's RPO.</summary>
    public TimeSpan ArchiveWindow => TimeSpan.FromMinutes(5);

    public async Task<Recovery.DatabaseSnapshot> SnapshotAsync(string name, RunSummary summary, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var snapshot = await (await RecoveryAsync()).SnapshotAsync(name, ResourceTags(name), cancellationToken);
        summary.Record("instance", DatabaseName);
        return snapshot;
    }

    public async Task<Recovery.BackupState> BackupsAsync(CancellationToken cancellationToken = default) =>
        await (await RecoveryAsync()).BackupsAsync(cancellationToken);

    public async Task CheckTargetAsync(Recovery.RestoreTarget target, CancellationToken cancellationToken = default) =>
        await (await RecoveryAsync()).CheckTargetAsync(target, cancellationToken);

    /// <summary>
    /// RDS restores into a new instance that becomes the stack's (see <see cref="RdsRecovery"/>); then the
    /// outputs are read again: the new instance's managed master secret is another one.
    /// </summary>
    public async Task<Recovery.RestoredDatabase> RestoreAsync(Recovery.RestoreTarget target, RunSummary summary, CancellationToken cancellationToken = default)
    {
        var restored = await (await RecoveryAsync()).RestoreAsync(target, summary, cancellationToken);
        await RefreshOutputsAsync();
        return restored;
    }

    /// <summary>An AMI of the app server (scaled out: of the first server; they all boot from one launch template).</summary>
    public async Task<IReadOnlyList<Recovery.ServerImage>> ImageServersAsync(string name, bool reboot, RunSummary summary, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var instance = ScaledOut ? Servers[0].Name : Outputs().InstanceId!;
        var image = await new ServerImages(await Ec2Async(), Log).CreateAsync(instance, name, reboot, ResourceTags(name), TimeSpan.FromMinutes(60), cancellationToken);
        return [new Recovery.ServerImage(instance, image.ImageId, name, image.State?.Value ?? "available")];
    }

    /// <summary>
    /// The instance reboots (systemctl reboot over the transport); then EC2's status checks and a new
    /// pinned connection (the kept pin: a reboot keeps the host keys), until the server's boot id is a new one.
    /// </summary>
    public async Task<IRemoteShell> RebootAsync(AppServer server, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        var shell = await server.Connect(TimeSpan.FromSeconds(30));
        var instance = _servers.FirstOrDefault(s => ReferenceEquals(s.Value, shell)).Key ?? Outputs().InstanceId!;
        var before = (await shell.RunAsync(Server.PackageUpdates.BootId(), cancellationToken)).Text.Trim();
        await shell.RunAsync(Server.PackageUpdates.Reboot(), cancellationToken);
        var deadline = DateTime.UtcNow.AddMinutes(15);
        while (true)
        {
            if (_servers.TryRemove(instance, out var old))
            {
                old.Dispose();
            }

            await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
            await new Ec2Instances(await Ec2Async(), Log).WaitUntilReadyAsync(instance, TimeSpan.FromMinutes(10), cancellationToken);
            try
            {
                var again = await server.Connect(TimeSpan.FromMinutes(5));
                if ((await again.RunAsync(Server.PackageUpdates.BootId(), cancellationToken)).Text.Trim() != before)
                {
                    return again;
                }
            }
            catch (Exception down) when (down is RemoteException or Renci.SshNet.Common.SshException or IOException or System.Net.Sockets.SocketException && DateTime.UtcNow < deadline)
            {
                Log.Information("{0}: not back yet ({1})", instance, down.Message);
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new RemoteException($"{instance} did not come back from its reboot within 15 minutes; see its console (aws ec2 get-console-output --instance-id {instance}).");
            }
        }
    }

    /// <summary>The tags of a snapshot or an image: its name, the environment, who took it.</summary>
    private Dictionary<string, string> ResourceTags(string name) => new(StringComparer.Ordinal)
    {
        ["Name"] = name,
        ["tableorder:environment"] = Name,
        ["tableorder:taken-by"] = AuditLog.CurrentActor(),
    };

    private async Task<RdsRecovery> RecoveryAsync()
    {
        _rds ??= AwsClients.Rds(Outputs().Region, (await site.CredentialsAsync()).Credentials, site.ServiceUrl);
        return _recovery ??= new RdsRecovery(new RdsDatabase(_rds, Log), DatabaseName, Log, Path.Combine(options.StateDirectory, "rds-restore.json"), site.AdoptDatabaseAsync);
    }

    /// <summary>
    /// Where the app's STAFF_TOKEN is kept (SecureString): made by this build once, taken by every env file a
    /// server writes (the single server's, each of a fleet's, app-env.sh on a server Auto Scaling adds), and
    /// read back through the SSM API for the smoke check, never through a Run Command, whose text and output
    /// stay in SSM's command history.
    /// </summary>
    private string StaffTokenParameter => $"/tableorder/{Name}/staff-token";

    /// <summary>The kept staff token, made and kept now when there is none (a new stack, or one rotated by deleting the parameter).</summary>
    private async Task EnsureStaffTokenAsync()
    {
        if (await StaffTokenAsync() is not null)
        {
            return;
        }

        var token = System.Buffers.Text.Base64Url.EncodeToString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        masker.Add(token);
        try
        {
            await (await SsmAsync()).PutParameterAsync(new Amazon.SimpleSystemsManagement.Model.PutParameterRequest
            {
                Name = StaffTokenParameter,
                Value = token,
                Type = Amazon.SimpleSystemsManagement.ParameterType.SecureString,
                Overwrite = false,
                Description = "The staff token (STAFF_TOKEN) every app server accepts",
            });
            Log.Information("Staff token: a new one is kept in Parameter Store {0} (SecureString); the servers' env files take it from there.", StaffTokenParameter);
        }
        catch (Amazon.SimpleSystemsManagement.Model.ParameterAlreadyExistsException)
        {
            // another run kept one meanwhile: that one stands
        }
    }

    /// <summary>
    /// Read from its SecureString parameter with this build's credentials (the SSM API: no command runs on a
    /// server, nothing lands in Run Command's history) and masked from here on; null before the first Bootstrap.
    /// </summary>
    public async Task<string?> StaffTokenAsync()
    {
        try
        {
            var parameter = await (await SsmAsync()).GetParameterAsync(new Amazon.SimpleSystemsManagement.Model.GetParameterRequest { Name = StaffTokenParameter, WithDecryption = true });
            var token = parameter.Parameter.Value;
            masker.Add(token);
            return string.IsNullOrEmpty(token) ? null : token;
        }
        catch (Amazon.SimpleSystemsManagement.Model.ParameterNotFoundException)
        {
            return null;
        }
    }

    private AppDatabaseRoleSettings AppRole(StackOutputs outputs) => new()
    {
        MasterSecretArn = outputs.DbSecretArn,
        PasswordParameter = $"/tableorder/{Name}/db-app-password",
        Region = outputs.Region,
        DbHost = outputs.DbEndpoint,
        DbPort = outputs.DbPort,
        DbName = outputs.DbName,
    };

    /// <summary>The stack's database and cache as every env file names them (the master secret's ARN, the endpoints).</summary>
    private static ServerSideSecretSettings StackEnv(StackOutputs outputs) => new()
    {
        SecretArn = outputs.DbSecretArn,
        Region = outputs.Region,
        DbHost = outputs.DbEndpoint,
        DbPort = outputs.DbPort,
        DbName = outputs.DbName,
        RedisHost = outputs.RedisEndpoint,
        RedisPort = outputs.RedisPort,
        RedisTls = outputs.RedisTls,
    };

    /// <summary>The migrations' env file (root only), written on the server from the RDS-managed master secret.</summary>
    private static string MigrationEnvScript(StackOutputs outputs) =>
        ServerSideSecret.EnvFileScript(StackEnv(outputs) with
        {
            EnvFilePath = ServerMap.MigrationEnvFile,
            Owner = "root",
            DatabaseOnly = true,
        });

    /// <summary>
    /// The app's env file, written on the server from what its instance role reads (the app role's
    /// password, the Redis token): run by the build over SSH/SSM, and by a scaled-out server's first boot
    /// as app-env.sh in the deploy scripts bundle of the release bucket.
    /// </summary>
    private string AppEnvScript(StackOutputs outputs) =>
        ServerSideSecret.EnvFileScript(StackEnv(outputs) with
        {
            SecretJsonCommand = AppDatabaseRole.CredentialsJsonCommand(AppRole(outputs)),
            RedisAuthSecretArn = outputs.RedisAuthSecretArn,
            EnvFilePath = ServerMap.EnvFile,
            Owner = ServerMap.AppUser,
            Settings = new Dictionary<string, string>
            {
                ["TABLEORDER_ENVIRONMENT"] = Name,
                ["S3_BUCKET"] = outputs.BucketName,
                ["AWS_REGION"] = outputs.Region,
            },
            StaffTokenParameter = StaffTokenParameter,
        });

    /// <summary>
    /// The deploy scripts bundle of the release bucket: what Bootstrap uploads (the policy file the user data
    /// reads among it), plus app-env.sh (no secret in it).
    /// </summary>
    private byte[] DeployScriptsBundle()
    {
        var files = new Dictionary<string, byte[]>(Policy.UploadFiles(), StringComparer.Ordinal)
        {
            ["app-env.sh"] = System.Text.Encoding.UTF8.GetBytes("#!/bin/bash\n" + AppEnvScript(Outputs())),
        };
        using var bundle = DeployScripts.Pack(Path.Combine(options.RootDirectory, "app-deploy"), files);
        return bundle.ToArray();
    }

    public void Dispose()
    {
        foreach (var server in _servers.Values)
        {
            server.Dispose();
        }

        _servers.Clear();
        _ec2?.Dispose();
        _ec2 = null;
        _ssm?.Dispose();
        _ssm = null;
        _s3?.Dispose();
        _s3 = null;
        _elb?.Dispose();
        _elb = null;
        _autoScaling?.Dispose();
        _autoScaling = null;
        _rds?.Dispose();
        _rds = null;
        site.Dispose();
    }

    /// <summary>
    /// <see cref="IServerFleet"/>'s members are properties that the tasks read; the first read of a
    /// scaled-out stack's asks AWS once (no synchronization context here: the tasks run on the thread pool).
    /// </summary>
    private static T Await<T>(Task<T> task) => task.GetAwaiter().GetResult();

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

    private async Task<AmazonS3Client> S3Async() => _s3 ??= AwsClients.S3(Outputs().Region, (await site.CredentialsAsync()).Credentials, site.ServiceUrl);

    private async Task<AwsQueryApi> LoadBalancingAsync() => _elb ??= AwsClients.LoadBalancing(Outputs().Region, (await site.CredentialsAsync()).Credentials, site.ServiceUrl);

    private async Task<AwsQueryApi> AutoScalingAsync() => _autoScaling ??= AwsClients.AutoScaling(Outputs().Region, (await site.CredentialsAsync()).Credentials, site.ServiceUrl);

    /// <summary>The Auto Scaling group's servers in service, each reached like the single server, with a pin of its own.</summary>
    private async Task<IReadOnlyList<AppServer>> DiscoverFleetAsync()
    {
        var group = Fleet.AutoScalingGroupName;
        var instances = await new AutoScalingFleet(await AutoScalingAsync(), new Ec2Instances(await Ec2Async(), Log), Log).InServiceAsync(group);
        Log.Information("Auto Scaling group {0}: {1} in service ({2}).", group, instances.Count, string.Join(", ", instances.Select(i => i.InstanceId)));
        return [.. instances.Select(i => new AppServer(
            i.InstanceId,
            site.EndpointOf(i.InstanceId) is { } own ? own.Ports with { Tls = Policy.Tls } : Ports,
            waitFor => ConnectAsync(i.InstanceId, i.Host, waitFor, ownPin: true)))];
    }

    private Task<IRemoteShell> ConnectAsync(TimeSpan waitFor)
    {
        var outputs = Outputs();
        return ConnectAsync(outputs.InstanceId!, outputs.Host!, waitFor, ownPin: false);
    }

    /// <summary>
    /// Over SSH with the host key pinned (--ssh-host-key, else the EC2 console's), or through SSM.
    /// One connection per server and build. <paramref name="ownPin"/>: a fleet's server, whose pin is its
    /// own (ssh-host-keys/&lt;instance id&gt;.pin and its parameter), never --ssh-host-key (one key for several servers).
    /// </summary>
    private async Task<IRemoteShell> ConnectAsync(string instanceId, string host, TimeSpan waitFor, bool ownPin)
    {
        if (_servers.TryGetValue(instanceId, out var open))
        {
            return open;
        }

        var outputs = Outputs();
        if (options.Transport == ServerTransport.Ssm)
        {
            return _servers.GetOrAdd(instanceId, Meter.Wrap(new SsmShell(await SsmAsync(), instanceId, Log, masker, new SsmShellOptions { RunAsUser = outputs.SshUser })));
        }

        // the environment's default or --ssh-key, required before the first task (ArgumentUse)
        var key = options.SshKeyPath ?? throw new InvalidOperationException("No SSH key: the arguments check should have asked for --ssh-key.");

        // The pin: --ssh-host-key (on purpose), else the one kept after the first verified connection,
        // else the console's (cloud-init prints the keys on first boot only).
        var kept = ownPin
            ? new KeptHostKey(await SsmAsync(), Log, Path.Combine(options.StateDirectory, "ssh-host-keys", instanceId + ".pin"), KeptHostKey.ParameterFor(Name, instanceId))
            : new KeptHostKey(await SsmAsync(), Log, Path.Combine(options.StateDirectory, "ssh-host-key.pin"), KeptHostKey.ParameterFor(Name));
        var hostKey = ownPin ? null : options.SshHostKey;
        if (ownPin && options.SshHostKey is not null && !_hostKeyOptionNoted)
        {
            _hostKeyOptionNoted = true;
            Log.Warning("--ssh-host-key is for a single server: each server of the Auto Scaling group is pinned to its own console's key.");
        }

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

        var endpoint = site.EndpointOf(instanceId);
        var target = new SshTarget(endpoint?.Host ?? host, endpoint?.SshPort ?? outputs.SshPort, outputs.SshUser, key, PinnedHostKey.Parse(hostKey));
        Log.Information("Host key pinned{0}{1}: {2} {3}", ownPin ? $" for {instanceId}" : string.Empty, fromKept ? " (kept)" : string.Empty, target.HostKey.Algorithm, target.HostKey.Fingerprint);
        IRemoteShell server;
        try
        {
            server = Meter.Wrap(await Meter.ConnectAsync(async () => (IRemoteShell)await SshSession.ConnectAsync(target, Log, masker, waitFor)));
        }
        catch (HostKeyMismatchException ex) when (fromKept)
        {
            throw new RemoteException(
                $"{ex.Message} The pin is kept in {kept.File} and in Parameter Store {kept.ParameterName}; it is not replaced silently. " +
                $"If the server was replaced on purpose, read its new key from the console (aws ec2 get-console-output --latest --output text --instance-id {instanceId}) " +
                (ownPin
                    ? $"and, once you trust it, delete both pins (rm {kept.File}; aws ssm delete-parameter --name {kept.ParameterName}) so the next connection pins the console's key."
                    : $"and re-pin: dotnet run --project build -- --target=WaitForServer --environment={Name} --ssh-host-key=\"ssh-ed25519 AAAA...\""),
                ex);
        }

        await kept.KeepAsync(instanceId, hostKey);
        return _servers.GetOrAdd(instanceId, server);
    }
}
