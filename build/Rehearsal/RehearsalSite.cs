using System.Globalization;
using System.Text.Json;
using Amazon.Runtime;
using Cake.Core;
using Cake.Core.Diagnostics;
using Npgsql;
using TableOrder.Build.Aws;
using TableOrder.Build.Aws.StandIn;
using TableOrder.Build.Configuration;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Environments;
using TableOrder.Build.Local;
using TableOrder.Build.Server;
using TableOrder.Build.Terraform;

namespace TableOrder.Build.Rehearsal;

/// <summary>
/// The production rehearsal's site: production's code path, on this machine. The AWS APIs are the
/// <see cref="AwsApiStandIn"/> (started with the build, stopped at its end, its journal printed); the
/// instance is this state folder's local machine, the database and cache its PostgreSQL and Redis, the
/// RDS-managed secret a secret in the stand-in. terraform apply is the one production step not rehearsed.
/// </summary>
public sealed class RehearsalSite(ICakeContext cake, BuildOptions options, SecretMasker masker, LocalEnvironment stack) : IProductionSite, ILocalStackHolder
{
    /// <summary>The root module's default region (terraform/variables.tf): the stand-in answers as that region.</summary>
    public const string Region = "ap-northeast-2";

    public const string DbSecretName = "rds!db-tableorder-rehearsal";

    /// <summary>Stands in for terraform's ElastiCache AUTH token secret.</summary>
    public const string RedisAuthSecretName = "tableorder-rehearsal-redis-auth";
    public const string BucketName = "tableorder-rehearsal-menu-images";

    /// <summary>The services the root module's resources and data sources use: all of them go to the stand-in.</summary>
    private static readonly string[] ProviderEndpoints = ["ec2", "sts", "ssm", "secretsmanager", "logs", "iam", "rds", "elasticache", "s3", "cloudwatch", "kms", "sns"];

    private const string StandInSecretKey = "rehearsal-stand-in-secret";

    private AwsApiStandIn? _standIn;
    private LocalLock? _lock;
    private Dictionary<string, JsonElement>? _plannedOutputs;
    private RehearsalMachine? _machine;
    private PlannedFleet? _fleet;
    private bool _fleetLoaded;
    private RehearsalAutoScaling? _autoScaling;

    public string Name => "rehearsal";

    public ServerPorts Ports => new(stack.Layout.Ports.Http, stack.Layout.Ports.Api, stack.Layout.Ports.ApiGreen);

    /// <summary>RDS's CA is stood in: the stack's PostgreSQL has a certificate from the stack's own CA, uploaded with the scripts.</summary>
    public DatabaseCa DatabaseCa => DatabaseCa.FromFile(stack.Postgres.CaCertificateFile);

    /// <summary>Let's Encrypt is not reachable here: the local stack's Pebble issues the certificate, for real over HTTP-01.</summary>
    public ServerTls? Tls(string? domain) => domain is null ? null : stack.Pebble.Tls with { Domain = domain };

    /// <summary>HAProxy plays the ALB here, on loopback; the plan's public subnets are not where its requests come from.</summary>
    public IReadOnlyList<string> LoadBalancerCidrs(TerraformOutputs outputs) => LocalLoadBalancer.SourceCidrs;

    public string? ServiceUrl => StandIn.Url;

    /// <summary>The instance's key pair is the local machine's login key.</summary>
    public string? DefaultSshKey => stack.Layout.LoginKey;

    public LocalEnvironment? LocalStack => stack;

    /// <summary>The machine as the instance boots it: cloud-init with the NoCloud seed.</summary>
    public RehearsalMachine Machine => _machine ??= new RehearsalMachine(stack.Layout, stack.Machine, cake.Log, options.StateDirectory);

    /// <summary>The single instance's id (fixed per state folder); a fleet's machines have ids of their own (<see cref="RehearsalAutoScaling.LaunchedId"/>).</summary>
    private string InstanceId => new RehearsalInstance(stack.Layout, stack.Machine).InstanceId;

    /// <summary>--servers, else as many machines as the stack has (1 for a new one).</summary>
    private int ServerCount => options.Scale.Servers ?? stack.Fleet.Count;

    /// <summary>The scaled-out stack the last plan showed (app_server_count above 1); null for the single server.</summary>
    public PlannedFleet? Fleet
    {
        get
        {
            if (!_fleetLoaded)
            {
                (_fleet, _fleetLoaded) = (PlannedFleet.Load(options.StateDirectory), true);
            }

            return _fleet;
        }
    }

    /// <summary>The plan's Auto Scaling group on the stand-in; null for the single server.</summary>
    private RehearsalAutoScaling? AutoScaling => Fleet is { } fleet ? _autoScaling ??= new RehearsalAutoScaling(stack, StandIn, fleet, Log) : null;

    public void HoldStack() => _lock ??= stack.Lock();

    private ICakeLog Log => cake.Log;

    private string StateFile => Path.Combine(options.StateDirectory, "aws-standin.json");

    private string JournalFile => Path.Combine(options.StateDirectory, "aws-standin-journal.txt");

    /// <summary>The stand-in, started on first use (any target that calls AWS).</summary>
    public AwsApiStandIn StandIn
    {
        get
        {
            if (_standIn is null)
            {
                _lock ??= stack.Lock();
                _standIn = new AwsApiStandIn(Region, AwsStandInState.Load(StateFile, Region));
                if (Fleet is null)
                {
                    _standIn.AddInstance(new RehearsalInstance(stack.Layout, stack.Machine));
                }

                Log.Information("AWS APIs: the rehearsal's stand-in tableorder-aws-standin on {0} (no AWS host is contacted).", _standIn.Url);
                WriteInstanceAwsConfig(stack.Layout);
                AutoScaling?.Wire();
            }

            return _standIn;
        }
    }

    public Task<AwsCredentialsSource> CredentialsAsync()
    {
        masker.Add(StandInSecretKey);
        return Task.FromResult(new AwsCredentialsSource(new BasicAWSCredentials("AKIAREHEARSALSTANDIN", StandInSecretKey), "the rehearsal's stand-in credentials (no AWS account)"));
    }

    /// <summary>
    /// A real terraform plan of the root module with the real provider, in a copy of the root whose
    /// provider block gets an override file: every endpoint on the stand-in, stand-in keys, no
    /// credential or account checks. The real root is never edited. Data sources are answered by the stand-in.
    /// </summary>
    public Task<PlanResult> PlanAsync(RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var copy = Path.Combine(options.StateDirectory, "terraform-root");
        if (Directory.Exists(copy))
        {
            Directory.Delete(copy, recursive: true);
        }

        CopyModule(options.Terraform.WorkingDirectory, copy);
        var url = StandIn.Url;
        var endpoints = string.Join("\n", ProviderEndpoints.Select(service => $"    {service} = \"{url}\""));
        File.WriteAllText(Path.Combine(copy, "rehearsal_override.tf"), $$"""
            # Written by the rehearsal (build/Rehearsal/RehearsalSite.cs) into a copy of the root module:
            # every AWS endpoint is the stand-in on this machine; the real root is never edited.
            provider "aws" {
              access_key                  = "AKIAREHEARSALSTANDIN"
              secret_key                  = "{{StandInSecretKey}}"
              skip_credentials_validation = true
              skip_requesting_account_id  = true
              skip_metadata_api_check     = true
              skip_region_validation      = true
              s3_use_path_style           = true
              endpoints {
            {{endpoints}}
              }
            }
            """.Replace("\r", string.Empty, StringComparison.Ordinal));
        var varFile = Path.Combine(options.StateDirectory, "rehearsal.tfvars");
        var count = ServerCount;
        // the stand-in's caller deploys: the release bucket's writer (required scaled out)
        File.WriteAllText(varFile, $"region = \"{Region}\"\nssh_allowed_cidrs = [\"127.0.0.1/32\"]\ndeploy_principal_arns = [\"arn:aws:iam::{AwsApiStandIn.AccountId}:user/tableorder-rehearsal\"]\n" + (count > 1 ? $"app_server_count = {count.ToString(CultureInfo.InvariantCulture)}\n" : string.Empty));
        var terraform = TerraformTool.Create(cake, options, masker, copy);
        terraform.Init(new TerraformInitSettings());
        var settings = new TerraformPlanSettings { OutFile = Path.Combine(options.StateDirectory, "rehearsal.tfplan") };
        settings.VarFiles.Add(varFile);
        var plan = PlanText.Write(terraform, terraform.Plan(settings), masker, options.Terraform.ReviewedPlan);
        var planJson = terraform.Show(settings.OutFile);
        _plannedOutputs = PlannedOutputs(planJson);
        Machine.SaveUserData(PlannedUserData(planJson, _plannedOutputs));
        (_fleet, _fleetLoaded, _autoScaling) = (PlannedFleet.FromPlan(planJson, _plannedOutputs), true, null);
        if (count > 1 && _fleet is null)
        {
            throw new TerraformException($"Rehearsal: the plan with app_server_count = {count} shows no Auto Scaling group ({PlannedFleet.AutoScalingGroupAddress}).");
        }

        PlannedFleet.Save(options.StateDirectory, _fleet);
        AutoScaling?.Wire();
        summary.Record("changes", plan.HasChanges);
        Log.Information("Rehearsal: the plan above is real (terraform and the aws provider, endpoints on the stand-in); it is not applied.");
        return Task.FromResult(plan);
    }

    /// <summary>The root module's outputs whose values the plan already knows (region, ssh_user, ssh_port, db_name, ...).</summary>
    private static Dictionary<string, JsonElement> PlannedOutputs(string planJson)
    {
        using var document = JsonDocument.Parse(planJson);
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (document.RootElement.TryGetProperty("planned_values", out var planned) && planned.TryGetProperty("outputs", out var outputs))
        {
            foreach (var output in outputs.EnumerateObject())
            {
                if (output.Value.TryGetProperty("value", out var value))
                {
                    result[output.Name] = value.Clone();
                }
            }
        }

        return result;
    }

    /// <summary>
    /// The user data as terraform rendered it (the root output user_data), checked against what the plan
    /// gives the servers: the single instance (the provider keeps only its SHA-1) or, scaled out, the
    /// launch template (base64). The machines boot with exactly that text.
    /// </summary>
    public static string PlannedUserData(string planJson, IReadOnlyDictionary<string, JsonElement> outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        if (!outputs.TryGetValue("user_data", out var output) || output.ValueKind != JsonValueKind.String)
        {
            throw new TerraformException("Rehearsal: the plan has no user_data output (terraform/outputs.tf): the machine boots with the user data terraform renders, and the plan did not give it.");
        }

        var userData = output.GetString()!;
        var bytes = System.Text.Encoding.UTF8.GetBytes(userData);
        if (PlannedResources.Values(planJson, PlannedFleet.LaunchTemplateAddress) is { } template)
        {
            if (template.TryGetProperty("user_data", out var encoded) && encoded.ValueKind == JsonValueKind.String && encoded.GetString() != Convert.ToBase64String(bytes))
            {
                throw new TerraformException($"Rehearsal: the user_data output is not what the plan gives {PlannedFleet.LaunchTemplateAddress}.");
            }

            return userData;
        }

        // SHA-1 is what the aws provider keeps for user_data: a comparison, not a protection.
#pragma warning disable CA5350
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(bytes));
#pragma warning restore CA5350
        if (PlannedResources.Values(planJson, ProductionDeployment.AppServerAddress) is { } instance &&
            instance.TryGetProperty("user_data", out var planned) && planned.ValueKind == JsonValueKind.String && planned.GetString() != hash)
        {
            throw new TerraformException($"Rehearsal: the user_data output (SHA-1 {hash}) is not what the plan gives {ProductionDeployment.AppServerAddress} ({planned.GetString()}).");
        }

        return userData;
    }

    private static void CopyModule(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            if (relative.StartsWith(".terraform", StringComparison.Ordinal) || relative.Contains("tfstate", StringComparison.Ordinal) || relative.EndsWith(".tfvars", StringComparison.Ordinal) || relative.StartsWith("tests", StringComparison.Ordinal) || relative == "backend.tf")
            {
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(to, relative))!);
            File.Copy(file, Path.Combine(to, relative));
        }
    }

    public async Task<TerraformOutputs> ProvisionAsync(PlanResult? plan, RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        _lock ??= stack.Lock();
        Log.Warning("Rehearsal: terraform apply is the one production step not rehearsed; the instances, database and cache are this machine's local stack.");
        if (stack.Machine.RunningPid is not null && !Machine.HasCloudInit)
        {
            throw new LocalEnvironmentException(
                $"Rehearsal: the running machine {stack.Layout.MachineName} was made before the rehearsal booted through cloud-init. Start it afresh: --target=LocalDown --environment=rehearsal --purge, then Deploy again.");
        }

        var count = ServerCount;
        var fleet = count > 1
            ? Fleet ?? throw new TerraformException($"Rehearsal: {count} servers need the plan of a scaled-out stack: run --target=Plan --environment=rehearsal --servers={count.ToString(CultureInfo.InvariantCulture)} (Deploy and Provision run it).")
            : null;

        // Auto Scaling's launches (new instance ids, waiting for their launch hook) are known before any machine boots.
        var launched = fleet is null ? [] : AutoScaling!.Launch(count);
        var first = stack.Fleet.Server(1);
        if (fleet is null)
        {
            RehearsalAutoScaling.TerminateAll(stack, StandIn);
            StandIn.AddInstance(new RehearsalInstance(stack.Layout, stack.Machine));
        }

        if (fleet is null && SeededInstanceId(first) is { } seeded && seeded != InstanceId)
        {
            Log.Information("Rehearsal: {0} was one of the Auto Scaling group's instances; the single instance {1} is a new one (a fresh first boot).", stack.Layout.MachineName, InstanceId);
            stack.Machine.Stop();
            stack.Machine.DeleteWorkingCopy();
        }

        // Before each boot: Debian's cloud-init, the agents' stand-ins, the NoCloud seed with the plan's user data.
        stack.Machine.BeforeBoot = () => PrepareBoot(first);
        stack.Fleet.BeforeBoot = PrepareBoot;
        stack.Up();
        var secrets = stack.Secrets;
        RequireTlsLikeRds();
        TrustRedisLikeElastiCache(stack.Layout);
        _ = StandIn;
        WriteInstanceAwsConfig(stack.Layout);
        // ElastiCache's AUTH token secret: the local Redis's password, a plain string as terraform makes it.
        StandIn.State.PutSecret(RedisAuthSecretName, secrets.RedisPassword);
        if (StandIn.State.FindSecret(DbSecretName) is null)
        {
            // What RDS stores for a managed master password: JSON with username and password.
            StandIn.State.PutSecret(DbSecretName, JsonSerializer.Serialize(new Dictionary<string, string> { ["username"] = LocalLayout.DatabaseUser, ["password"] = secrets.DatabasePassword }));
        }
        else
        {
            // As with RDS, the secret is the master password's truth (a rotation changed both): the local
            // stack's start set its own; the secret's current one wins.
            MasterPasswordFromSecret();
        }

        stack.Fleet.ScaleTo(count);
        foreach (var server in stack.Fleet.Servers)
        {
            WriteInstanceAwsConfig(server.Layout);
        }

        if (fleet is not null)
        {
            await AutoScaling!.WaitForLaunchesAsync(launched, summary);
            summary.Record("servers", stack.Fleet.Servers.Select(s => new { name = RehearsalAutoScaling.LaunchedId(s), machine = s.Layout.MachineName, http = s.Layout.Ports.Http, ssh = s.Layout.Ports.Ssh }).ToList());
            summary.Record("loadBalancer", stack.Fleet.LoadBalancer.PublicUrl.ToString());
        }

        summary.Record("applied", false);
        summary.Record("machine", stack.Layout.MachineName);
        return Outputs();
    }

    /// <summary>Before a machine boots: the CA, cloud-init and its seed with this instance's id, its ports, the instance role's stand-in.</summary>
    private void PrepareBoot(LocalAppServer server)
    {
        var id = Fleet is null ? InstanceId : RehearsalAutoScaling.LaunchedId(server) ?? throw new LocalEnvironmentException($"Rehearsal: {server.Layout.MachineName} boots but Auto Scaling has not launched it.");
        TrustRedisLikeElastiCache(server.Layout);
        new RehearsalMachine(server.Layout, server.Machine, Log, options.StateDirectory).Prepare(id);
        if (Fleet is not null)
        {
            RehearsalAutoScaling.WritePorts(server);
        }

        WriteInstanceAwsConfig(server.Layout);
    }

    /// <summary>The instance id cloud-init was last seeded with on this machine (the copy's NoCloud meta-data); null before the first.</summary>
    private static string? SeededInstanceId(LocalAppServer server)
    {
        var metaData = Path.Combine(server.Layout.MachineRootfs, RehearsalMachine.SeedFolder, "meta-data");
        return File.Exists(metaData) ? File.ReadLines(metaData).Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("instance-id: ", StringComparison.Ordinal))?["instance-id: ".Length..] : null;
    }

    /// <summary>A fleet's machines share this host's network: each answers on its own ports.</summary>
    public FleetServerPorts? PortsOf(string instanceId) =>
        AutoScaling?.ServerOf(instanceId) is { } server
            ? new FleetServerPorts(new ServerPorts(server.Layout.Ports.Http, server.Layout.Ports.Api, server.Layout.Ports.ApiGreen), server.Layout.Ports.Ssh)
            : null;

    public Task<TerraformOutputs> OutputsAsync() => Task.FromResult(Outputs());

    /// <summary>The stand-in answers no RDS: Snapshot and Restore come with the rehearsal on moto (see <see cref="IProductionSite.AnswersRds"/>).</summary>
    public bool AnswersRds => false;

    public Task DestroyAsync() =>
        throw new NotInThisEnvironmentException("The rehearsal has nothing in AWS to destroy: --target=LocalDown --environment=rehearsal stops its stack (--purge deletes it).");

    public void Dispose()
    {
        if (_standIn is not null)
        {
            var journal = _standIn.Journal.Render();
            Log.Information("AWS stand-in journal (every AWS call of this run; none left this machine):\n{0}", journal);
            File.WriteAllText(JournalFile, journal);
            _standIn.Dispose();
            _standIn = null;
        }

        _lock?.Dispose();
        _lock = null;
    }

    /// <summary>The outputs terraform would give for this stack: the local stack's addresses.</summary>
    private TerraformOutputs Outputs()
    {
        var ports = stack.Layout.Ports;
        var secret = StandIn.State.FindSecret(DbSecretName);
        string? Planned(string name) => _plannedOutputs is { } planned && planned.TryGetValue(name, out var value) ? value.ToString() : null;
        var fleet = ServerCount > 1 ? Fleet : null;
        return new TerraformOutputs
        {
            InstanceId = fleet is null ? InstanceId : null,
            PublicIp = fleet is null ? "127.0.0.1" : null,
            PublicDns = fleet is null ? "localhost" : null,
            ScaledOut = fleet is not null,
            AppServerCount = fleet is null ? 1 : ServerCount,
            AutoScalingGroupName = fleet?.AutoScalingGroupName,
            TargetGroupArn = fleet is null ? null : AutoScaling!.TargetGroupArn,
            ReleaseBucketName = fleet?.ReleaseBucketName,
            LoadBalancerDnsName = fleet is null ? null : "127.0.0.1",
            SiteUrl = fleet is null ? null : stack.Fleet.LoadBalancer.PublicUrl.ToString(),
            SshUser = Planned("ssh_user") ?? LocalLayout.LoginUser,
            SshPort = ports.Ssh,
            DbEndpoint = "127.0.0.1",
            DbPort = ports.Postgres,
            DbName = Planned("db_name") ?? LocalLayout.DatabaseName,
            DbUsername = LocalLayout.DatabaseUser,
            DbSecretArn = secret?.Arn,
            RedisEndpoint = "127.0.0.1",
            RedisPort = ports.Redis,
            RedisTls = true,
            RedisAuthSecretArn = StandIn.State.FindSecret(RedisAuthSecretName)?.Arn,
            BucketName = BucketName,
            LogGroupFastApi = "/tableorder/rehearsal/fastapi",
            LogGroupNginx = "/tableorder/rehearsal/nginx",
            Region = Region,
        };
    }

    /// <summary>
    /// The instance role's stand-in: root's AWS CLI config in a machine names the stand-in's endpoint
    /// (it changes every run) and stand-in keys. On EC2 the instance metadata service gives the role's keys.
    /// </summary>
    private void WriteInstanceAwsConfig(LocalLayout layout)
    {
        var root = layout.MachineRootfs;
        if (_standIn is null || !Directory.Exists(Path.Combine(root, "root")))
        {
            return;
        }

        var folder = Path.Combine(root, "root", ".aws");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config"), $"[default]\nregion = {Region}\nendpoint_url = {_standIn.Url}\ns3 =\n    addressing_style = path\n");
        File.WriteAllText(Path.Combine(folder, "credentials"), "[default]\naws_access_key_id = AKIAREHEARSALSTANDIN\naws_secret_access_key = rehearsal-stand-in-secret\n");
        File.SetUnixFileMode(Path.Combine(folder, "credentials"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private void MasterPasswordFromSecret()
    {
        using var document = JsonDocument.Parse(StandIn.State.FindSecret(DbSecretName)!.Value);
        var password = document.RootElement.GetProperty("password").GetString()!;
        masker.Add(password);
        using var connection = SuperuserConnection();
        connection.Open();

        // Role passwords cannot be bound parameters; the literal is quoted.
#pragma warning disable CA2100
        using var alter = new NpgsqlCommand($"ALTER ROLE {LocalLayout.DatabaseUser} PASSWORD '{password.Replace("'", "''", StringComparison.Ordinal)}'", connection);
#pragma warning restore CA2100
        alter.ExecuteNonQuery();
    }

    private NpgsqlConnection SuperuserConnection() => new(new NpgsqlConnectionStringBuilder
    {
        Host = stack.Layout.PostgresSocketDirectory,
        Port = stack.Layout.Ports.Postgres,
        Username = "postgres",
        Database = "postgres",
        Pooling = false,
    }.ConnectionString);

    /// <summary>
    /// RDS's master user may create roles (CREATEROLE): so may the rehearsal's. TLS is the stack's own
    /// (its PostgreSQL has a certificate from the stack's CA, which the server verifies, as it does RDS's).
    /// </summary>
    private void RequireTlsLikeRds()
    {
        using var connection = SuperuserConnection();
        connection.Open();
        using var createRole = new NpgsqlCommand($"ALTER ROLE {LocalLayout.DatabaseUser} CREATEROLE", connection);
        createRole.ExecuteNonQuery();
    }

    /// <summary>
    /// ElastiCache answers TLS only, with a certificate from a public CA the server's system store
    /// trusts. The local Redis answers TLS only too, with the stack's own CA: the machine's system
    /// store is given that CA (the one step stood in), so the production env file (rediss://, no CA
    /// file) connects as it does on EC2.
    /// </summary>
    private void TrustRedisLikeElastiCache(LocalLayout layout)
    {
        var anchor = Path.Combine(layout.MachineRootfs, "usr", "local", "share", "ca-certificates", "tableorder-rehearsal-redis.crt");
        var ca = File.ReadAllText(stack.Redis.CaCertificateFile);
        if (File.Exists(anchor) && File.ReadAllText(anchor) == ca)
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(anchor)!);
        File.WriteAllText(anchor, ca);
        new LocalProcess(Log).Run("chroot", [layout.MachineRootfs, "update-ca-certificates"]);
        Log.Information("Rehearsal: the machine trusts the local Redis's CA, as EC2 trusts ElastiCache's.");
    }
}
