using System.Formats.Tar;
using System.IO.Compression;
using System.Reflection;
using System.Text.Json;
using Amazon.Runtime;
using Cake.Core;
using Cake.Core.Diagnostics;
using TableOrder.Build.Aws;
using TableOrder.Build.Configuration;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Environments;
using TableOrder.Build.Release;
using TableOrder.Build.Server;
using TableOrder.Build.Terraform;
using TableOrder.Build.Testing;
using TableOrder.Build.Tests.Aws;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Environments;

/// <summary>
/// The production environment on a scaled-out stack's saved outputs, its AWS answered by the rehearsal's
/// moto: a fleet (the Auto Scaling group's servers, the target group, the release bucket); on a one-server
/// stack's outputs, exactly the single server as before, with no AWS call.
/// </summary>
[Trait("Category", "Unit")]
[Collection(SharedMoto.Name)]
public sealed class ProductionFleetTests : IAsyncLifetime, IDisposable
{
    private readonly MotoAws _moto;
    private readonly TempDirectory _state = new("production-fleet");
    private readonly RecordingLog _log = new();
    private MotoFleet _fleet = null!;

    public ProductionFleetTests(MotoAws moto)
    {
        ArgumentNullException.ThrowIfNull(moto);
        moto.Reset();
        _moto = moto;
    }

    public async Task InitializeAsync() => _fleet = await MotoFleet.CreateAsync(_moto, servers: 3);

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _state.Dispose();

    private static TerraformOutputs SingleServer => new()
    {
        InstanceId = "i-0123456789abcdef0",
        PublicIp = "203.0.113.10",
        SshUser = "admin",
        SshPort = 22,
        Region = MotoAws.Region,
        DbEndpoint = "db.example.internal",
        DbPort = 5432,
        DbName = "tableorder",
        DbSecretArn = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:rds!db-0123-AbCdEf",
        RedisEndpoint = "redis.example.internal",
        RedisPort = 6379,
        RedisTls = true,
        RedisAuthSecretArn = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:table-order-redis-auth-AbCdEf",
        BucketName = "table-order-menu-images-123456789012",
        AppServerCount = 1,
    };

    private TerraformOutputs ScaledOut => SingleServer with
    {
        InstanceId = null,
        PublicIp = null,
        ScaledOut = true,
        AppServerCount = 3,
        TargetGroupArn = _fleet.TargetGroupArn,
        AutoScalingGroupName = MotoFleet.GroupName,
        ReleaseBucketName = MotoFleet.Bucket,
        LoadBalancerDnsName = "table-order-alb-1.ap-northeast-2.elb.amazonaws.com",
        SiteUrl = "https://order.example.com",
    };

    private ProductionDeployment Deployment(TerraformOutputs outputs, string? serviceUrl = null)
    {
        var state = _state.CreateDirectory("production");
        File.WriteAllText(Path.Combine(state, "terraform-outputs.json"), JsonSerializer.Serialize(outputs));
        var options = new BuildOptions
        {
            Environment = DeploymentEnvironments.Production,
            RootDirectory = RepositoryRoot.Path,
            StateDirectory = state,
            Terraform = new TerraformOptions { WorkingDirectory = Path.Combine(RepositoryRoot.Path, "terraform"), PlanFile = Path.Combine(state, "plan.tfplan") },
            Release = new ReleaseOptions { AppDirectory = _state.Path },
            Targets = ["Status"],
            Transport = ServerTransport.Ssm,
            Domain = "order.example.com",
        };
        return new ProductionDeployment(LogOnlyContext.For(_log), options, new SecretMasker(), new MotoSite(serviceUrl ?? _moto.Url));
    }

    [Fact]
    public void A_scaled_out_stack_is_a_fleet_of_the_groups_servers_behind_its_target_group()
    {
        using var deployment = Deployment(ScaledOut);

        Assert.Equal(_fleet.Instances, deployment.AppServers().Select(s => s.Name));
        var balancer = Assert.IsType<TargetGroupLoadBalancer>(deployment.LoadBalancer());
        Assert.Equal(_fleet.TargetGroupArn, balancer.TargetGroupArn);
        Assert.Equal(new Uri("https://order.example.com/"), deployment.PublicUrl());
        Assert.Equal(deployment.PublicUrl(), balancer.PublicUrl);
        Assert.Equal(MotoFleet.Bucket, Assert.IsType<S3ReleaseStore>(deployment.ReleaseStore()).Bucket);

        // HTTPS ends at the load balancer: no certificate on the servers even with --domain
        Assert.Null(deployment.Policy.Tls);
    }

    [Fact]
    public async Task The_fleets_release_store_publishes_the_deploy_scripts_with_app_env_before_current()
    {
        using var deployment = Deployment(ScaledOut);
        var store = deployment.ReleaseStore()!;
        using var app = new TempDirectory("fleet-app");
        app.WriteFile("app/main.py", "app = None\n");
        app.WriteFile("alembic.ini", "[alembic]\n");
        var release = ReleaseArchive.FromDirectory(app.Path);

        await store.KeepAsync(release);
        Assert.True(await store.SetCurrentAsync(release.Id));

        using var s3 = _moto.S3();
        async Task<byte[]> ObjectAsync(string key)
        {
            using var read = await s3.GetObjectAsync(MotoFleet.Bucket, key);
            using var data = new MemoryStream();
            await read.ResponseStream.CopyToAsync(data);
            return data.ToArray();
        }

        var names = new List<string>();
        string? appEnv = null;
        using (var tar = new TarReader(new GZipStream(new MemoryStream(await ObjectAsync(S3ReleaseStore.DeployScriptsKey)), CompressionMode.Decompress)))
        {
            while (tar.GetNextEntry() is { } entry)
            {
                names.Add(entry.Name.TrimStart('.', '/'));
                if (entry.Name.EndsWith("app-env.sh", StringComparison.Ordinal))
                {
                    appEnv = new StreamReader(entry.DataStream!).ReadToEnd();
                }
            }
        }

        Assert.Contains("slot.sh", names);
        Assert.Contains("bootstrap.sh", names);
        Assert.Contains(ServerMap.ShellFileName, names);
        Assert.NotNull(appEnv);
        Assert.StartsWith("#!/bin/bash\n", appEnv, StringComparison.Ordinal);
        Assert.Contains(ServerMap.EnvFile, appEnv, StringComparison.Ordinal);
        Assert.Contains("table-order-redis-auth", appEnv, StringComparison.Ordinal);
        Assert.Equal(release.Id + "\n", System.Text.Encoding.UTF8.GetString(await ObjectAsync(S3ReleaseStore.CurrentKey)));
    }

    [Fact]
    public void A_one_server_stack_is_the_single_server_as_before_with_no_aws_call()
    {
        // an AWS that answers nothing: any call would fail the test
        using var deployment = Deployment(SingleServer, serviceUrl: "http://127.0.0.1:9");

        var server = Assert.Single(deployment.AppServers());
        Assert.Equal("app-1", server.Name);
        Assert.Null(deployment.LoadBalancer());
        Assert.Null(deployment.ReleaseStore());
        Assert.NotNull(deployment.Policy.Tls);
    }

    [Fact]
    public async Task Rebuild_of_a_scaled_out_stack_points_at_an_instance_refresh()
    {
        using var deployment = Deployment(ScaledOut);

        var error = await Assert.ThrowsAsync<NotInThisEnvironmentException>(() => deployment.PrepareRebuildAsync(new RunSummary("production", ["Rebuild"])));

        Assert.Contains($"start-instance-refresh --auto-scaling-group-name {MotoFleet.GroupName}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_build_makes_the_staff_token_once_and_every_servers_env_file_takes_it_from_parameter_store(bool scaledOut)
    {
        using var deployment = Deployment(scaledOut ? ScaledOut : SingleServer);
        var first = new EnvFileServer("i-01");
        var second = new EnvFileServer("i-02");
        Assert.Null(await deployment.StaffTokenAsync()); // before the first Bootstrap

        await deployment.WriteAppSettingsAsync(first, new RunSummary("production", ["Bootstrap"]));
        await deployment.WriteAppSettingsAsync(second, new RunSummary("production", ["Bootstrap"]));

        using var ssm = _moto.Ssm();
        var kept = (await ssm.GetParameterAsync(new Amazon.SimpleSystemsManagement.Model.GetParameterRequest { Name = "/tableorder/production/staff-token", WithDecryption = true })).Parameter;
        Assert.Equal(("SecureString", 1L), (kept.Type.Value, kept.Version ?? 0));
        Assert.Matches("^[A-Za-z0-9_-]{43}$", kept.Value);
        Assert.Equal(kept.Value, await deployment.StaffTokenAsync());
        Assert.All([first, second], s => Assert.Contains(s.Commands, c => c.Contains("/tableorder/production/staff-token", StringComparison.Ordinal) && c.Contains("--with-decryption --query Parameter.Value --output text > \"$staff\"", StringComparison.Ordinal)));
        Assert.All(first.Commands.Concat(second.Commands), c => Assert.DoesNotContain(kept.Value, c, StringComparison.Ordinal));
    }

    [Fact]
    public async Task No_server_command_carries_the_staff_token_and_the_smoke_check_reads_it_with_no_run_command()
    {
        using var deployment = Deployment(SingleServer);
        var server = new EnvFileServer(SingleServer.InstanceId!);

        await deployment.WriteAppSettingsAsync(server, new RunSummary("production", ["Bootstrap"]));
        var token = await deployment.StaffTokenAsync();

        // the smoke check's token came through the SSM API, with no Run Command (whose text and output SSM keeps)
        using var ssm = _moto.Ssm();
        Assert.Empty((await ssm.ListCommandsAsync(new Amazon.SimpleSystemsManagement.Model.ListCommandsRequest())).Commands ?? []);
        Assert.NotNull(token);
        Assert.True(server.Commands.Count >= 3, $"the settings went through {server.Commands.Count} command(s)");
        Assert.All(server.Commands, script => Assert.DoesNotContain(token, script, StringComparison.Ordinal));
        Assert.DoesNotContain(server.Commands, script => script.Contains("STAFF_TOKEN", StringComparison.Ordinal) && !script.Contains("TO_STAFF_FILE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task One_servers_settings_are_current_while_their_scripts_and_the_secrets_versions_are_and_the_server_keeps_that_fingerprint()
    {
        using var secrets = _moto.SecretsManager();
        var master = (await secrets.CallAsync("CreateSecret", new System.Text.Json.Nodes.JsonObject { ["Name"] = "rds!db-test", ["SecretString"] = "{\"username\":\"tableorder_admin\",\"password\":\"master-password-1\"}" }))["ARN"]!.GetValue<string>();
        var token = (await secrets.CallAsync("CreateSecret", new System.Text.Json.Nodes.JsonObject { ["Name"] = "table-order-redis-auth-token", ["SecretString"] = "redis-token-0123456789" }))["ARN"]!.GetValue<string>();
        using var deployment = Deployment(SingleServer with { DbSecretArn = master, RedisAuthSecretArn = token });
        var server = new EnvFileServer("i-0123456789abcdef0");

        await deployment.WriteAppSettingsAsync(server, new RunSummary("production", ["Bootstrap"]));
        var written = Assert.Single(deployment.SettingsChecksums()!);

        Assert.Equal(ServerMap.SettingsFingerprint, written.Key);
        var kept = Assert.Single(server.Commands, c => c.Contains(ServerMap.SettingsFingerprint, StringComparison.Ordinal));
        Assert.DoesNotContain("master-password-1", kept, StringComparison.Ordinal);
        Assert.DoesNotContain("redis-token-0123456789", kept, StringComparison.Ordinal);
        Assert.DoesNotContain((await deployment.StaffTokenAsync())!, kept, StringComparison.Ordinal);
        Assert.Equal(written, Assert.Single(deployment.SettingsChecksums()!));

        // a rotated secret: the settings are written again
        await secrets.CallAsync("PutSecretValue", new System.Text.Json.Nodes.JsonObject { ["SecretId"] = master, ["SecretString"] = "{\"username\":\"tableorder_admin\",\"password\":\"master-password-2\"}" });
        var rotated = Assert.Single(deployment.SettingsChecksums()!);
        Assert.NotEqual(written.Value, rotated.Value);

        // a new staff token (its parameter deleted, the next Bootstrap makes one): written again
        await deployment.WriteAppSettingsAsync(server, new RunSummary("production", ["Bootstrap"]));
        using var ssm = _moto.Ssm();
        await ssm.DeleteParameterAsync(new Amazon.SimpleSystemsManagement.Model.DeleteParameterRequest { Name = "/tableorder/production/staff-token" });
        Assert.NotEqual(rotated.Value, Assert.Single(deployment.SettingsChecksums()!).Value);
    }

    /// <summary>A server whose env-file scripts succeed; every command is kept.</summary>
    private sealed class EnvFileServer(string label) : TableOrder.Build.Remote.IRemoteShell
    {
        public string Label => label;

        public System.Collections.Concurrent.ConcurrentQueue<string> Commands { get; } = new();

        public Task<TableOrder.Build.Remote.RemoteResult> RunAsync(string command, TableOrder.Build.Remote.RemoteRunOptions? options = null, CancellationToken cancellationToken = default)
        {
            Commands.Enqueue(command);
            return Task.FromResult(new TableOrder.Build.Remote.RemoteResult(0, ["changed"], []));
        }

        public Task UploadAsync(Stream content, string remotePath, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public void Dispose()
        {
        }
    }

    /// <summary>An ICakeContext that has a log and nothing else (all ProductionDeployment asks of Cake).</summary>
    public class LogOnlyContext : DispatchProxy
    {
        private ICakeLog? _log;

        public static ICakeContext For(ICakeLog log)
        {
            var context = Create<ICakeContext, LogOnlyContext>();
            ((LogOnlyContext)(object)context)._log = log;
            return context;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
            targetMethod?.Name == "get_Log" ? _log : throw new NotSupportedException($"The test's Cake context has no {targetMethod?.Name}.");
    }

    /// <summary>Production's site with its AWS on moto (what the rehearsal's site does, without the local stack).</summary>
    private sealed class MotoSite(string serviceUrl) : IProductionSite
    {
        public string Name => "production";

        public ServerPorts Ports => ServerPorts.Production;

        public DatabaseCa DatabaseCa => RdsCertificateAuthority.GlobalBundle;

        public string? ServiceUrl => serviceUrl;

        public ServerTls? Tls(string? domain) => domain is null ? null : new ServerTls(domain, 443);

        public Task<AwsCredentialsSource> CredentialsAsync() => Task.FromResult(new AwsCredentialsSource(MotoAws.Credentials, "test"));

        public void ReplaceServerOnNextPlan() => throw new NotSupportedException();

        public Task<PlanResult> PlanAsync(RunSummary summary) => throw new NotSupportedException();

        public Task<TerraformOutputs> ProvisionAsync(PlanResult? plan, RunSummary summary) => throw new NotSupportedException();

        public Task<TerraformOutputs> OutputsAsync() => throw new NotSupportedException();

        public Task DestroyAsync() => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }
}
