using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.EC2;
using Amazon.Runtime;
using Cake.Core;
using Cake.Core.Diagnostics;
using Npgsql;
using TableOrder.Build.Aws;
using TableOrder.Build.Configuration;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Environments;
using TableOrder.Build.Local;
using TableOrder.Build.Server;
using TableOrder.Build.Terraform;

namespace TableOrder.Build.Rehearsal;

/// <summary>
/// The production rehearsal's site: production's code path on this machine, against an AWS of its own.
/// The AWS is moto (<see cref="MotoServer"/>: a service of this state folder's stack, with the patches
/// that make it answer as AWS does for this stack); terraform plans and applies the root module as
/// committed against it, with the production site's own code (<see cref="AwsSite"/>: the same plan,
/// apply, two-step destroy and -replace), in a working copy whose only addition is the provider override
/// (<see cref="RehearsalWorkingCopy"/>). What moto holds is bridged to this machine's real parts, and
/// nothing more: its instances are machines booted through cloud-init (<see cref="RehearsalMachines"/>),
/// its console output, status checks, Run Command and target group are theirs and HAProxy's (moto's
/// bridge.py), and its database and cache endpoints lead to the stack's PostgreSQL and Redis with the
/// credentials its secrets hold; each RDS instance is a database there, which moto's snapshots dump and its
/// snapshot restores load (bridge.py), so production's Snapshot and Restore run here against moto's RDS.
/// The addresses terraform outputs map to this host here, in the site.
/// </summary>
[SiteFor("rehearsal")]
public sealed class RehearsalSite : IProductionSite, ILocalStackHolder
{
    /// <summary>The root module's default region (terraform/variables.tf): the rehearsal's AWS answers as that region.</summary>
    public const string Region = "ap-northeast-2";

    private readonly ICakeContext _cake;
    private readonly BuildOptions _options;
    private readonly SecretMasker _masker;
    private readonly LocalEnvironment _stack;
    private readonly MotoServer _aws;
    private readonly AwsSite _terraform;
    private LocalLock? _lock;
    private AmazonEC2Client? _ec2;
    private RehearsalMachines? _machines;
    private bool _started;
    private bool _afresh;

    public RehearsalSite(ICakeContext cake, BuildOptions options, SecretMasker masker)
    {
        ArgumentNullException.ThrowIfNull(cake);
        ArgumentNullException.ThrowIfNull(options);
        (_cake, _options, _masker) = (cake, options, masker);
        _stack = DeploymentEnvironments.LocalStack(cake, options, masker);
        _aws = new MotoServer(_stack.Layout, cake.Log);
        _stack.Parts.Add(_aws);

        // production's terraform code on the working copy, applied without asking: the rehearsal's AWS is this machine's
        var terraform = options with { Terraform = options.Terraform with { WorkingDirectory = WorkingCopy, VarFile = VarFile, AutoApprove = true, BackendConfigFile = null } };
        _terraform = new AwsSite(cake, terraform, masker, new AwsEndpoint(() => _aws.Url, CredentialsAsync));
    }

    public string Name => "rehearsal";

    public ServerPorts Ports => PortsOf(_stack.Layout);

    /// <summary>RDS's CA is stood in: the stack's PostgreSQL has a certificate from the stack's own CA, uploaded with the scripts.</summary>
    public DatabaseCa DatabaseCa => DatabaseCa.FromFile(_stack.Postgres.CaCertificateFile);

    /// <summary>Let's Encrypt is not reachable here: the local stack's Pebble issues the certificate, for real over HTTP-01.</summary>
    public ServerTls? Tls(string? domain) => domain is null ? null : _stack.Pebble.Tls with { Domain = domain };

    /// <summary>HAProxy plays the ALB here, on loopback; the plan's public subnets are not where its requests come from.</summary>
    public IReadOnlyList<string> LoadBalancerCidrs(TerraformOutputs outputs) => LocalLoadBalancer.SourceCidrs;

    public string? ServiceUrl => _aws.Url;

    public LocalEnvironment? LocalStack => _stack;

    public void HoldStack() => _lock ??= _stack.Lock();

    private ICakeLog Log => _cake.Log;

    private string WorkingCopy => Path.Combine(_options.StateDirectory, "terraform");

    private string VarFile => Path.Combine(_options.StateDirectory, "rehearsal.tfvars");

    /// <summary>Before the database's comment marked it (see <see cref="MasterUserLikeRds"/>): the master secret's ARN it was made for.</summary>
    private string LegacyDatabaseMarker => Path.Combine(_aws.Directory, "rds-database");

    private AmazonEC2Client Ec2 => _ec2 ??= AwsClients.Ec2(Region, Credentials.Credentials, _aws.Url);

    private RehearsalMachines Machines => _machines ??= new RehearsalMachines(_stack, _aws, Ec2, PrepareBootAsync, RegisteredTargetsAsync, Log);

    private AwsCredentialsSource Credentials
    {
        get
        {
            _masker.Add(RehearsalWorkingCopy.SecretKey);
            return new AwsCredentialsSource(new BasicAWSCredentials(RehearsalWorkingCopy.AccessKey, RehearsalWorkingCopy.SecretKey), "the rehearsal's moto (test credentials, no AWS account)");
        }
    }

    public Task<AwsCredentialsSource> CredentialsAsync() => Task.FromResult(Credentials);

    /// <summary>The machine that plays the instance answers on this host, on its own ports.</summary>
    public ServerEndpoint? EndpointOf(string instanceId) =>
        Machines.ServerOf(instanceId) is { } server ? new ServerEndpoint("127.0.0.1", PortsOf(server.Layout), server.Layout.Ports.Ssh) : null;

    /// <summary>
    /// Before any task: moto installed (one error naming the pip command); a run that calls the
    /// rehearsal's AWS without starting it (Status, Rollback, ...) needs it running; and Restore restores a
    /// snapshot here, never a point in time (see <see cref="PointInTimeRefused"/>).
    /// </summary>
    public void CheckBeforeTasks(IReadOnlyCollection<string> tasks)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        if (tasks.Contains("Restore") && _options.Recovery.Restore.Snapshot is null)
        {
            throw new LocalEnvironmentException(PointInTimeRefused);
        }

        if (tasks.All(t => t is "LocalDown" or "LocalStatus" or "Validate" or "Lint" or "Test" or "Default") || _aws.RunningPid is not null)
        {
            return;
        }

        if (MotoServer.Missing() is { } missing)
        {
            throw new LocalEnvironmentException(missing);
        }

        if (!tasks.Any(t => t is "Plan" or "Provision" or "Destroy"))
        {
            throw new LocalEnvironmentException(
                $"The rehearsal's AWS (moto, which keeps everything in memory) is not running: LocalDown stopped it, or this host restarted. Run --target=Deploy --environment=rehearsal: its Provision starts it afresh.");
        }
    }

    /// <summary>
    /// Why the rehearsal restores snapshots only: moto's instances are databases of one PostgreSQL, whose WAL
    /// archive (pgBackRest) restores the whole cluster to a time, not one instance's database.
    /// </summary>
    public static string PointInTimeRefused =>
        "In the rehearsal, Restore restores a snapshot only: --snapshot=<name> (--target=Snapshot takes one; --target=Status lists them). " +
        "A point in time (--to-time, or Restore without --snapshot: the latest restorable time) cannot be made real here: the rehearsal's RDS instances " +
        "are databases of one PostgreSQL, whose WAL archive restores the whole cluster, not one instance. Rehearse a point-in-time restore with --environment=local.";

    public void ReplaceServerOnNextPlan() => _terraform.ReplaceServerOnNextPlan();

    /// <summary>Production's adoption of the restored instance (terraform import, an in-place plan applied) against the rehearsal's AWS.</summary>
    public async Task AdoptDatabaseAsync(string identifier, RunSummary summary)
    {
        HoldStack();
        StartAws();
        await _terraform.AdoptDatabaseAsync(identifier, summary);
    }

    /// <summary>The root module as committed, planned by production's code against the rehearsal's AWS (its data sources answered there).</summary>
    public async Task<PlanResult> PlanAsync(RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        HoldStack();
        StartAws(summary);
        _stack.Machine.EnsureLoginKey();
        RehearsalWorkingCopy.Sync(_options.Terraform.WorkingDirectory, WorkingCopy, _aws.Url);
        File.WriteAllText(VarFile, RehearsalWorkingCopy.VarFile(Region, _options.Scale.Servers ?? _stack.Fleet.Count, File.ReadAllText(_stack.Layout.LoginKey + ".pub")));
        return await _terraform.PlanAsync(summary);
    }

    /// <summary>
    /// Applies the plan with production's code while its instances become machines (the bridge watches
    /// moto during the apply: Auto Scaling's launches wait for their user data, which runs in them); then
    /// the stack's PostgreSQL and Redis take the credentials the rehearsal's secrets hold.
    /// </summary>
    public async Task<TerraformOutputs> ProvisionAsync(PlanResult? plan, RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        HoldStack();
        StartAws(summary);
        _stack.EnsureHostPackages();
        await StartDataServicesAsync(SavedOutputs(), afterApply: false);

        TerraformOutputs outputs;
        using (var watching = new CancellationTokenSource())
        {
            var watcher = Machines.WatchAsync(watching.Token);
            try
            {
                outputs = await _terraform.ProvisionAsync(plan, summary);
            }
            finally
            {
                await watching.CancelAsync();
                await watcher;
            }
        }

        await Machines.ReconcileAsync();
        await StartDataServicesAsync(outputs, afterApply: true);
        summary.Record("aws", _aws.Url);
        summary.Record("machines", Machines.Assigned().Select(m => new { instance = m.InstanceId, machine = m.Server.Layout.MachineName, ssh = m.Server.Layout.Ports.Ssh, http = m.Server.Layout.Ports.Http }).ToList());
        summary.Record("launched", Machines.Launched.Select(m => new { instance = m.InstanceId, machine = m.Server.Layout.MachineName }).ToList());
        return Map(outputs);
    }

    public async Task<TerraformOutputs> OutputsAsync()
    {
        StartAws();
        return Map(await _terraform.OutputsAsync());
    }

    /// <summary>Production's two steps against the rehearsal's AWS; the machines of the instances it terminated stop.</summary>
    public async Task DestroyAsync()
    {
        HoldStack();
        StartAws();
        await _terraform.DestroyAsync();
        await Machines.ReconcileAsync();
    }

    public void Dispose()
    {
        _machines?.Dispose();
        _machines = null;
        _ec2?.Dispose();
        _ec2 = null;
        _lock?.Dispose();
        _lock = null;
    }

    /// <summary>
    /// Where the rehearsal's addresses lead on this host: the instance's public address to its machine
    /// (127.0.0.1, its own ports), the database's and the cache's endpoints to the stack's PostgreSQL and
    /// Redis, the load balancer's DNS name to HAProxy. Everything else is terraform's, from the applied state.
    /// </summary>
    public TerraformOutputs Map(TerraformOutputs outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        var ports = _stack.Layout.Ports;
        var balancer = _stack.Fleet.LoadBalancer.PublicUrl;
        return outputs with
        {
            PublicIp = outputs.PublicIp is null ? null : "127.0.0.1",
            PublicDns = outputs.PublicDns is null ? null : "localhost",
            SshPort = outputs.ScaledOut ? outputs.SshPort : ports.Ssh,
            DbEndpoint = outputs.DbEndpoint is null ? null : "127.0.0.1",
            DbPort = outputs.DbEndpoint is null ? null : ports.Postgres,
            RedisEndpoint = outputs.RedisEndpoint is null ? null : "127.0.0.1",
            RedisPort = outputs.RedisEndpoint is null ? null : ports.Redis,
            LoadBalancerDnsName = outputs.LoadBalancerDnsName is null ? null : balancer.Authority,
            SiteUrl = outputs.SiteUrl is null ? null : balancer.ToString(),
        };
    }

    private static ServerPorts PortsOf(LocalLayout layout) => new(layout.Ports.Http, layout.Ports.Api, layout.Ports.ApiGreen);

    /// <summary>moto, started unless it runs; when the AWS an earlier one held is gone, the rehearsal starts afresh (recorded as awsAfresh).</summary>
    private void StartAws(RunSummary? summary = null)
    {
        summary?.Record("awsAfresh", _afresh);
        if (_started)
        {
            return;
        }

        _started = true;
        if (!_aws.Start())
        {
            return;
        }

        _afresh = true;
        summary?.Record("awsAfresh", true);
        Log.Warning(
            "Rehearsal: its AWS is gone since the last run (moto keeps everything in memory; LocalDown stopped it, or this host restarted): " +
            "it starts afresh, and so do its terraform state and its instances (new ones boot as new machines).");
        foreach (var file in new[] { Path.Combine(WorkingCopy, "terraform.tfstate"), Path.Combine(WorkingCopy, "terraform.tfstate.backup"), Path.Combine(_options.StateDirectory, "terraform-outputs.json"), _options.Terraform.PlanFile, LegacyDatabaseMarker, Path.Combine(_options.StateDirectory, "rds-restore.json") })
        {
            File.Delete(file);
        }
    }

    /// <summary>The outputs the last Provision saved (ProductionDeployment keeps them), mapped: the secrets' ARNs the stack's services follow.</summary>
    private TerraformOutputs? SavedOutputs()
    {
        var file = Path.Combine(_options.StateDirectory, "terraform-outputs.json");
        return File.Exists(file) ? JsonSerializer.Deserialize<TerraformOutputs>(File.ReadAllText(file)) : null;
    }

    /// <summary>
    /// The stack's PostgreSQL, Redis and Pebble as the rehearsal's RDS, ElastiCache and Let's Encrypt:
    /// PostgreSQL takes TLS as RDS does, with the RDS instance's master user, password (its managed
    /// secret) and database; Redis takes the AUTH token its secret holds (until the build has made one,
    /// the stack's own password). Before the apply (a machine that joins during it finds them running)
    /// and after it (what the apply made).
    /// </summary>
    private async Task StartDataServicesAsync(TerraformOutputs? outputs, bool afterApply)
    {
        var secrets = _stack.Secrets;
        using var secretsManager = AwsClients.SecretsManager(Region, Credentials.Credentials, _aws.Url);
        var token = outputs?.RedisAuthSecretArn is { } tokenSecret ? await SecretAsync(secretsManager, tokenSecret) : null;
        if (!afterApply)
        {
            // TLS like RDS's: the stack's PostgreSQL serves a certificate from the stack's own CA
            _stack.Postgres.Start(secrets);
            _stack.Pebble.Start();
        }

        // Redis takes the AUTH token once the build has made it (the first apply); until then nothing needs it,
        // but its CA is made now: a machine that boots during the apply trusts it, as EC2 trusts ElastiCache's
        _stack.Redis.EnsureCertificates();
        if (token is not null)
        {
            _stack.Redis.Start(secrets with { RedisPassword = token });
        }

        if (outputs is { DbSecretArn: { } master, DbName: { } database } && await SecretAsync(secretsManager, master) is { } value)
        {
            using var credentials = JsonDocument.Parse(value);
            var user = credentials.RootElement.GetProperty("username").GetString()!;
            var password = credentials.RootElement.GetProperty("password").GetString()!;
            _masker.Add(password);
            MasterUserLikeRds(user, password, database, master);
        }
    }

    /// <summary>The secret's current value (masked from here on); null when it has none yet.</summary>
    private async Task<string?> SecretAsync(AwsJsonApi secretsManager, string secretArn)
    {
        try
        {
            var value = (await secretsManager.CallAsync("GetSecretValue", new JsonObject { ["SecretId"] = secretArn }))["SecretString"]?.GetValue<string>();
            _masker.Add(value);
            return value;
        }
        catch (AwsJsonException ex) when (ex.ErrorCode == "ResourceNotFoundException")
        {
            return null;
        }
    }

    /// <summary>Before a machine boots: what the instance is (its user data, its key pair's public key), read from moto first.</summary>
    private async Task<Action> PrepareBootAsync(LocalAppServer server, RehearsalInstance instance)
    {
        var userData = await RehearsalMachines.UserDataAsync(Ec2, instance.InstanceId);
        var publicKey = await RehearsalMachines.PublicKeyAsync(Ec2, instance.KeyName);
        return () =>
        {
            TrustRedisLikeElastiCache(server.Layout);
            new RehearsalMachine(server.Layout, server.Machine, Log, _options.StateDirectory).Prepare(instance.InstanceId, userData, publicKey);
            if (instance.AutoScalingGroup is not null)
            {
                WriteServerPorts(server);
            }

            WriteInstanceAwsConfig(server.Layout);
        };
    }

    /// <summary>The instances the target groups have registered (HAProxy sends them traffic when it starts or reloads).</summary>
    private async Task<IReadOnlySet<string>> RegisteredTargetsAsync()
    {
        using var elb = AwsClients.LoadBalancing(Region, Credentials.Credentials, _aws.Url);
        var groups = await elb.CallAsync("DescribeTargetGroups", []);
        var registered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in groups.Members("TargetGroups"))
        {
            var health = await elb.CallAsync("DescribeTargetHealth", [new("TargetGroupArn", group.Text("TargetGroupArn") ?? string.Empty)]);
            registered.UnionWith(health.Members("TargetHealthDescriptions")
                .Where(d => d.Child("TargetHealth").Text("State") is not ("unused" or "draining"))
                .Select(d => d.Child("Target").Text("Id") ?? string.Empty));
        }

        return registered;
    }

    /// <summary>
    /// The one stood-in step of the fleet's user data: EC2's servers all answer on 80/8000/8001; these
    /// machines share this host's network, so each gets its own ports in the file the user data reads.
    /// </summary>
    private static void WriteServerPorts(LocalAppServer server)
    {
        var ports = Path.Combine(server.Layout.MachineRootfs, "etc", "tableorder", "server-ports.env");
        Directory.CreateDirectory(Path.GetDirectoryName(ports)!);
        File.WriteAllText(ports, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"# Written by the rehearsal (rehearsal/RehearsalSite.cs): this machine's own ports.\nHTTP_PORT={server.Layout.Ports.Http}\nBLUE_PORT={server.Layout.Ports.Api}\nGREEN_PORT={server.Layout.Ports.ApiGreen}\n"));
    }

    /// <summary>
    /// The instance role's stand-in: root's AWS CLI config in a machine names the rehearsal's AWS and its
    /// test keys. On EC2 the instance metadata service gives the role's keys.
    /// </summary>
    private void WriteInstanceAwsConfig(LocalLayout layout)
    {
        var root = layout.MachineRootfs;
        if (!Directory.Exists(Path.Combine(root, "root")))
        {
            return;
        }

        var folder = Path.Combine(root, "root", ".aws");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config"), $"[default]\nregion = {Region}\nendpoint_url = {_aws.Url}\ns3 =\n    addressing_style = path\n");
        File.WriteAllText(Path.Combine(folder, "credentials"), $"[default]\naws_access_key_id = {RehearsalWorkingCopy.AccessKey}\naws_secret_access_key = {RehearsalWorkingCopy.SecretKey}\n");
        File.SetUnixFileMode(Path.Combine(folder, "credentials"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private NpgsqlConnection SuperuserConnection(string database = "postgres") => new(new NpgsqlConnectionStringBuilder
    {
        Host = _stack.Layout.PostgresSocketDirectory,
        Port = _stack.Layout.Ports.Postgres,
        Username = "postgres",
        Database = database,
        Pooling = false,
    }.ConnectionString);

    /// <summary>
    /// RDS's master user (LOGIN, CREATEROLE, its managed secret's password) owns the instance's database.
    /// A new RDS instance (another master secret) gets a new, empty database, as AWS makes one. The
    /// database's comment names the master secret of the instance it belongs to: the bridge marks a
    /// database it restored from a snapshot with the restored instance's secret, so that one is kept.
    /// </summary>
    private void MasterUserLikeRds(string user, string password, string database, string masterSecretArn)
    {
        using var connection = SuperuserConnection();
        connection.Open();
        var exists = Scalar(connection, "SELECT 1 FROM pg_roles WHERE rolname = @name", user) is not null;

        // Role names and passwords cannot be bound parameters: the name is terraform's (validated there), the literal is quoted.
#pragma warning disable CA2100
        Execute(connection, $"{(exists ? "ALTER" : "CREATE")} ROLE \"{user}\" WITH LOGIN CREATEROLE PASSWORD '{password.Replace("'", "''", StringComparison.Ordinal)}'");
        var marker = Scalar(connection, "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = @name", database) as string
            ?? (File.Exists(LegacyDatabaseMarker) ? File.ReadAllText(LegacyDatabaseMarker).Trim() : null);
        if (marker != masterSecretArn)
        {
            Log.Information("Rehearsal: RDS instance with master secret {0} is new: its database {1} on the stack's PostgreSQL starts empty, owned by {2}", masterSecretArn.Split(':').Last(), database, user);
            Execute(connection, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
            Execute(connection, $"CREATE DATABASE \"{database}\" OWNER \"{user}\"");
        }

        Execute(connection, $"COMMENT ON DATABASE \"{database}\" IS '{masterSecretArn.Replace("'", "''", StringComparison.Ordinal)}'");
        File.Delete(LegacyDatabaseMarker);
#pragma warning restore CA2100
    }

    private static object? Scalar(NpgsqlConnection connection, string sql, string name)
    {
        using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("name", name);
        return command.ExecuteScalar();
    }

    private static void Execute(NpgsqlConnection connection, string sql)
    {
#pragma warning disable CA2100 // the callers build it from terraform's validated names
        using var command = new NpgsqlCommand(sql, connection);
#pragma warning restore CA2100
        command.ExecuteNonQuery();
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
        var ca = File.ReadAllText(_stack.Redis.CaCertificateFile);
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
