using TableOrder.Build.Configuration;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Environments;
using TableOrder.Build.Local;
using TableOrder.Build.Rehearsal;
using TableOrder.Build.Terraform;
using TableOrder.Build.Tests.Aws;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Rehearsal;

/// <summary>The rehearsal's site: found by the build from outside the tool, its working copy of the root module, its machines' seed, its address map.</summary>
[Trait("Category", "Unit")]
public sealed class RehearsalSiteTests : IDisposable
{
    private readonly TempDirectory _folder = new("rehearsal-site");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_build_finds_the_rehearsals_site_by_its_attribute()
    {
        Assert.Equal(typeof(RehearsalSite), Sites.Find("rehearsal"));
        Assert.Null(Sites.Find("production"));
    }

    [Fact]
    public void The_working_copy_is_the_module_as_committed_with_its_lock_file_and_keeps_its_state()
    {
        var module = _folder.CreateDirectory("module");
        foreach (var file in new[] { "main.tf", ".terraform.lock.hcl", "modules/cache/main.tf", "tests/cache.tftest.hcl", "environments/production/terraform.tfvars", "backend.tf", "terraform.tfstate", ".terraform/providers/x" })
        {
            _folder.WriteFile(Path.Combine("module", file), file);
        }

        var copy = _folder.CreateDirectory("copy");
        _folder.WriteFile("copy/terraform.tfstate", "the rehearsal's own state");
        _folder.WriteFile("copy/old.tf", "a file the module no longer has");

        RehearsalWorkingCopy.Sync(module, copy, "http://127.0.0.1:4566");

        var files = Directory.GetFiles(copy, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(copy, f)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal([".terraform.lock.hcl", "main.tf", "modules/cache/main.tf", RehearsalWorkingCopy.OverrideFile, "terraform.tfstate"], files);
        Assert.Equal("the rehearsal's own state", File.ReadAllText(Path.Combine(copy, "terraform.tfstate")));
        Assert.Equal(".terraform.lock.hcl", File.ReadAllText(Path.Combine(copy, ".terraform.lock.hcl")));
    }

    [Fact]
    public void The_override_points_every_endpoint_at_moto_and_lets_terraform_ask_the_account()
    {
        var text = RehearsalWorkingCopy.Override("http://127.0.0.1:4566");

        Assert.All(RehearsalWorkingCopy.Endpoints, e => Assert.Matches($"\\n    {e} +=\\s\"http://127\\.0\\.0\\.1:4566\"\\n", text));
        Assert.Contains("skip_credentials_validation = true", text, StringComparison.Ordinal);
        Assert.DoesNotContain("skip_requesting_account_id", text, StringComparison.Ordinal);
        Assert.Contains($"access_key                  = \"{RehearsalWorkingCopy.AccessKey}\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_var_file_names_production_variables_and_the_server_count_only_above_one()
    {
        var variables = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "terraform", "variables.tf"));
        var one = RehearsalWorkingCopy.VarFile("ap-northeast-2", 1, "ssh-ed25519 AAAAC3Nza k\n");
        var three = RehearsalWorkingCopy.VarFile("ap-northeast-2", 3, "ssh-ed25519 AAAAC3Nza k");

        foreach (var name in new[] { "region", "ssh_allowed_cidrs", "ssh_public_key", "app_server_count", "deploy_principal_arns" })
        {
            Assert.Contains($"variable \"{name}\"", variables, StringComparison.Ordinal);
        }

        Assert.Contains("ssh_public_key    = \"ssh-ed25519 AAAAC3Nza k\"\n", one, StringComparison.Ordinal);
        Assert.DoesNotContain("app_server_count", one, StringComparison.Ordinal);
        Assert.Contains("app_server_count  = 3\n", three, StringComparison.Ordinal);
        Assert.Contains($"deploy_principal_arns = [\"{RehearsalWorkingCopy.DeployPrincipal}\"]\n", three, StringComparison.Ordinal);
    }

    [Fact]
    public void The_seed_names_the_instance_and_its_key_pair_as_ec2_gives_them()
    {
        Assert.Equal(
            "instance-id: i-00000abc\nlocal-hostname: tableorder-app\npublic-keys:\n  - \"ssh-ed25519 AAAA k\"\n",
            RehearsalMachine.MetaData("i-00000abc", "ssh-ed25519 AAAA k"));
        Assert.Equal("instance-id: i-00000abc\nlocal-hostname: tableorder-app\n", RehearsalMachine.MetaData("i-00000abc", null));
        Assert.Contains("datasource_list: [ NoCloud ]", RehearsalMachine.CloudConfig, StringComparison.Ordinal);
        Assert.Contains("network: {config: disabled}", RehearsalMachine.CloudConfig, StringComparison.Ordinal);
    }

    [Fact]
    public void Terraforms_addresses_lead_to_this_hosts_machine_postgresql_redis_and_haproxy()
    {
        var state = _folder.CreateDirectory("state/rehearsal");
        using var site = new RehearsalSite(Environments.ProductionFleetTests.LogOnlyContext.For(new RecordingLog()), Options(state), new SecretMasker());
        var ports = site.LocalStack!.Layout.Ports;
        var outputs = TerraformOutputs.Parse("""{"db_endpoint": {"value": "table-order-db.abcdefghijkl.ap-northeast-2.rds.amazonaws.com"}}""") with
        {
            InstanceId = "i-0123456789abcdef0",
            PublicIp = "54.180.1.2",
            PublicDns = "ec2-54-180-1-2.ap-northeast-2.compute.amazonaws.com",
            SshPort = 22,
            DbEndpoint = "table-order-db.abcdefghijkl.ap-northeast-2.rds.amazonaws.com",
            DbPort = 5432,
            RedisEndpoint = "master.table-order-redis.abcdef.apn2.cache.amazonaws.com",
            RedisPort = 6379,
            DbSecretArn = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:rds!db-1",
            Region = "ap-northeast-2",
        };

        var mapped = site.Map(outputs);

        Assert.Equal(("127.0.0.1", "localhost", ports.Ssh), (mapped.PublicIp, mapped.PublicDns, mapped.SshPort));
        Assert.Equal(("127.0.0.1", ports.Postgres), (mapped.DbEndpoint, mapped.DbPort));
        // the RDS instance keeps its name (Snapshot and Restore ask moto's RDS for it)
        Assert.Equal("table-order-db", mapped.DbInstanceIdentifier);
        Assert.Equal(("127.0.0.1", ports.Redis), (mapped.RedisEndpoint, mapped.RedisPort));
        Assert.Equal((outputs.InstanceId, outputs.DbSecretArn, outputs.Region), (mapped.InstanceId, mapped.DbSecretArn, mapped.Region));

        var fleet = site.Map(outputs with { InstanceId = null, PublicIp = null, PublicDns = null, ScaledOut = true, SiteUrl = "http://table-order-alb-1.ap-northeast-2.elb.amazonaws.com", LoadBalancerDnsName = "table-order-alb-1.ap-northeast-2.elb.amazonaws.com" });
        Assert.Equal(site.LocalStack.Fleet.LoadBalancer.PublicUrl.ToString(), fleet.SiteUrl);
        Assert.Equal((null, 22), (fleet.PublicIp, fleet.SshPort));
    }

    [Fact]
    public void Restore_without_a_snapshot_is_refused_before_any_task_naming_snapshot_and_the_reason()
    {
        var state = _folder.CreateDirectory("state/rehearsal");
        using var site = new RehearsalSite(Environments.ProductionFleetTests.LogOnlyContext.For(new RecordingLog()), Options(state), new SecretMasker());

        var refused = Assert.Throws<LocalEnvironmentException>(() => site.CheckBeforeTasks(["Restore"]));

        Assert.Contains("--snapshot=<name>", refused.Message, StringComparison.Ordinal);
        Assert.Contains("whole cluster", refused.Message, StringComparison.Ordinal);
        using var withSnapshot = new RehearsalSite(
            Environments.ProductionFleetTests.LogOnlyContext.For(new RecordingLog()),
            Options(state) with { Recovery = new RecoveryOptions { Restore = new TableOrder.Build.Recovery.RestoreTarget(null, "table-order-db-manual-20261207t210000z-abc") } },
            new SecretMasker());
        var other = Record.Exception(() => withSnapshot.CheckBeforeTasks(["Restore"]));
        Assert.False(other is LocalEnvironmentException { Message: var message } && message.Contains("--snapshot=<name>", StringComparison.Ordinal));
    }

    private static BuildOptions Options(string state) => new()
    {
        Environment = DeploymentEnvironments.Rehearsal,
        RootDirectory = RepositoryRoot.Path,
        StateDirectory = state,
        Terraform = new TerraformOptions { WorkingDirectory = Path.Combine(RepositoryRoot.Path, "terraform"), PlanFile = Path.Combine(state, "terraform.tfplan") },
        Release = new ReleaseOptions { AppDirectory = state },
        Targets = ["Status"],
    };
}
