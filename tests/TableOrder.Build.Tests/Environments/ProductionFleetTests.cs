using System.Formats.Tar;
using System.IO.Compression;
using System.Reflection;
using System.Text.Json;
using Amazon.Runtime;
using Cake.Core;
using Cake.Core.Diagnostics;
using TableOrder.Build.Aws;
using TableOrder.Build.Aws.StandIn;
using TableOrder.Build.Configuration;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Environments;
using TableOrder.Build.Release;
using TableOrder.Build.Server;
using TableOrder.Build.Terraform;
using TableOrder.Build.Tests.Aws;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Environments;

/// <summary>
/// The production environment on a scaled-out stack's saved outputs, its AWS answered by the stand-in:
/// a fleet (the Auto Scaling group's servers, the target group, the release bucket); on a one-server
/// stack's outputs, exactly the single server as before, with no AWS call.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ProductionFleetTests : IDisposable
{
    private readonly StandInFleet _fleet = new();
    private readonly TempDirectory _state = new("production-fleet");
    private readonly RecordingLog _log = new();

    public void Dispose()
    {
        _fleet.Dispose();
        _state.Dispose();
    }

    private static TerraformOutputs SingleServer => new()
    {
        InstanceId = "i-0123456789abcdef0",
        PublicIp = "203.0.113.10",
        SshUser = "admin",
        SshPort = 22,
        Region = StandInClients.Region,
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

    private static TerraformOutputs ScaledOut => SingleServer with
    {
        InstanceId = null,
        PublicIp = null,
        ScaledOut = true,
        AppServerCount = 3,
        TargetGroupArn = StandInFleet.TargetGroupArn,
        AutoScalingGroupName = StandInFleet.GroupName,
        ReleaseBucketName = StandInFleet.Bucket,
        LoadBalancerDnsName = "table-order-alb-1.ap-northeast-2.elb.amazonaws.com",
        SiteUrl = "https://order.example.com",
    };

    private ProductionDeployment Deployment(TerraformOutputs outputs)
    {
        var state = _state.CreateDirectory("production");
        File.WriteAllText(Path.Combine(state, "terraform-outputs.json"), JsonSerializer.Serialize(outputs));
        var options = new BuildOptions
        {
            Environment = DeploymentEnvironment.Production,
            RootDirectory = RepositoryRoot.Path,
            StateDirectory = state,
            Terraform = new TerraformOptions { WorkingDirectory = Path.Combine(RepositoryRoot.Path, "terraform"), PlanFile = Path.Combine(state, "plan.tfplan") },
            Release = new ReleaseOptions { AppDirectory = _state.Path },
            Targets = ["Status"],
            Transport = ServerTransport.Ssm,
            Domain = "order.example.com",
        };
        return new ProductionDeployment(LogOnlyContext.For(_log), options, new SecretMasker(), new StandInSite(_fleet.StandIn.Url));
    }

    [Fact]
    public void A_scaled_out_stack_is_a_fleet_of_the_groups_servers_behind_its_target_group()
    {
        using var deployment = Deployment(ScaledOut);

        Assert.Equal(_fleet.Machines.Select(m => m.InstanceId), deployment.AppServers().Select(s => s.Name));
        var balancer = Assert.IsType<TargetGroupLoadBalancer>(deployment.LoadBalancer());
        Assert.Equal(StandInFleet.TargetGroupArn, balancer.TargetGroupArn);
        Assert.Equal(new Uri("https://order.example.com/"), deployment.PublicUrl());
        Assert.Equal(deployment.PublicUrl(), balancer.PublicUrl);
        Assert.Equal(StandInFleet.Bucket, Assert.IsType<S3ReleaseStore>(deployment.ReleaseStore()).Bucket);

        // HTTPS ends at the load balancer: no certificate on the servers even with --domain
        Assert.Null(deployment.Policy.Tls);
        Assert.Equal(1, _fleet.StandIn.Journal.Count("autoscaling", "DescribeAutoScalingGroups"));
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

        var objects = _fleet.StandIn.State.Buckets[StandInFleet.Bucket];
        var names = new List<string>();
        string? appEnv = null;
        using (var tar = new TarReader(new GZipStream(new MemoryStream(objects[S3ReleaseStore.DeployScriptsKey].Data), CompressionMode.Decompress)))
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
        Assert.Equal(release.Id + "\n", System.Text.Encoding.UTF8.GetString(objects[S3ReleaseStore.CurrentKey].Data));
    }

    [Fact]
    public void A_one_server_stack_is_the_single_server_as_before_with_no_aws_call()
    {
        using var deployment = Deployment(SingleServer);

        var server = Assert.Single(deployment.AppServers());
        Assert.Equal("app-1", server.Name);
        Assert.Null(deployment.LoadBalancer());
        Assert.Null(deployment.ReleaseStore());
        Assert.NotNull(deployment.Policy.Tls);
        Assert.Equal(0, _fleet.StandIn.Journal.Total);
    }

    [Fact]
    public async Task Rebuild_of_a_scaled_out_stack_points_at_an_instance_refresh()
    {
        using var deployment = Deployment(ScaledOut);

        var error = await Assert.ThrowsAsync<NotInThisEnvironmentException>(() => deployment.PrepareRebuildAsync(new RunSummary("production", ["Rebuild"])));

        Assert.Contains($"start-instance-refresh --auto-scaling-group-name {StandInFleet.GroupName}", error.Message, StringComparison.Ordinal);
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

        var kept = _fleet.StandIn.State.Parameters["/tableorder/production/staff-token"];
        Assert.Equal(("SecureString", 1L), (kept.Type, kept.Version));
        Assert.Matches("^[A-Za-z0-9_-]{43}$", kept.Value);
        Assert.Equal(kept.Value, await deployment.StaffTokenAsync());
        Assert.All([first, second], s => Assert.Contains(s.Commands, c => c.Contains("/tableorder/production/staff-token", StringComparison.Ordinal) && c.Contains("--with-decryption --query Parameter.Value --output text > \"$staff\"", StringComparison.Ordinal)));
        Assert.All(first.Commands.Concat(second.Commands), c => Assert.DoesNotContain(kept.Value, c, StringComparison.Ordinal));
    }

    [Fact]
    public async Task No_ssm_command_nor_its_output_carries_the_staff_token()
    {
        var instance = new RecordingInstance(SingleServer.InstanceId!);
        _fleet.StandIn.AddInstance(instance);
        using var deployment = Deployment(SingleServer);
        var server = await deployment.ServerAsync();

        await deployment.WriteAppSettingsAsync(server, new RunSummary("production", ["Bootstrap"]));
        var sent = _fleet.StandIn.Journal.Count("ssm", "SendCommand");
        var token = await deployment.StaffTokenAsync();

        // the smoke check's token came through the SSM API, with no Run Command (whose text and output SSM keeps)
        Assert.Equal(_fleet.StandIn.State.Parameters["/tableorder/production/staff-token"].Value, token);
        Assert.Equal(sent, _fleet.StandIn.Journal.Count("ssm", "SendCommand"));
        Assert.True(sent >= 3, $"the settings went through {sent} Run Command(s)");
        Assert.Equal(sent, instance.Scripts.Count);
        Assert.All(instance.Scripts, script => Assert.DoesNotContain(token!, script, StringComparison.Ordinal));
        Assert.DoesNotContain(instance.Scripts, script => script.Contains("STAFF_TOKEN", StringComparison.Ordinal) && !script.Contains("TO_STAFF_FILE", StringComparison.Ordinal));
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

    /// <summary>The single server on the stand-in: keeps every script SSM Run Command hands it (the command text SSM keeps), and succeeds.</summary>
    private sealed class RecordingInstance(string instanceId) : IStandInInstance
    {
        public string InstanceId => instanceId;

        public string State => "running";

        public string StatusCheck => "ok";

        public System.Collections.Concurrent.ConcurrentQueue<string> Scripts { get; } = new();

        public string ConsoleOutput() => string.Empty;

        public Task<StandInCommandResult> RunScriptAsync(string script, CancellationToken cancellationToken)
        {
            Scripts.Enqueue(script);
            return Task.FromResult(new StandInCommandResult(0, "changed\n", string.Empty));
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

    /// <summary>Production's site with its AWS on the stand-in (what the rehearsal's site does, without the local stack).</summary>
    private sealed class StandInSite(string serviceUrl) : IProductionSite
    {
        public string Name => "production";

        public ServerPorts Ports => ServerPorts.Production;

        public DatabaseCa DatabaseCa => RdsCertificateAuthority.GlobalBundle;

        public string? ServiceUrl => serviceUrl;

        public string? DefaultSshKey => null;

        public ServerTls? Tls(string? domain) => domain is null ? null : new ServerTls(domain, 443);

        public Task<AwsCredentialsSource> CredentialsAsync() => Task.FromResult(new AwsCredentialsSource(StandInClients.Credentials, "test"));

        public Task<PlanResult> PlanAsync(RunSummary summary) => throw new NotSupportedException();

        public Task<TerraformOutputs> ProvisionAsync(PlanResult? plan, RunSummary summary) => throw new NotSupportedException();

        public Task<TerraformOutputs> OutputsAsync() => throw new NotSupportedException();

        public Task DestroyAsync() => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }
}
