using TableOrder.Build.Terraform;
using Xunit;

namespace TableOrder.Build.Tests.Terraform;

[Trait("Category", "Unit")]
public sealed class StackOutputsTests
{
    private static readonly TerraformOutputs Complete = new()
    {
        InstanceId = "i-0123456789abcdef0",
        PublicIp = "203.0.113.10",
        SshUser = "admin",
        SshPort = 22,
        Region = "ap-northeast-2",
        DbEndpoint = "db.example",
        DbPort = 5432,
        DbName = "tableorder",
        DbSecretArn = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:rds!db-x",
        RedisEndpoint = "redis.example",
        RedisPort = 6379,
        RedisTls = true,
        RedisAuthSecretArn = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:redis-auth-AbCdEf",
        BucketName = "bucket",
    };

    [Fact]
    public void Complete_outputs_become_the_record_as_they_are()
    {
        var record = StackOutputs.From(Complete);

        Assert.Equal("admin", record.SshUser);
        Assert.Equal(22, record.SshPort);
        Assert.Equal("203.0.113.10", record.Host);
    }

    [Fact]
    public void Every_missing_output_is_named_in_one_error_and_nothing_is_invented()
    {
        var ex = Assert.Throws<TerraformException>(() => StackOutputs.From(Complete with { SshUser = null, Region = null, SshPort = null, DbSecretArn = "" }));

        Assert.Contains("ssh_user", ex.Message, StringComparison.Ordinal);
        Assert.Contains("region", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ssh_port", ex.Message, StringComparison.Ordinal);
        Assert.Contains("db_secret_arn", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--target=Provision", ex.Message, StringComparison.Ordinal);
    }

    private static readonly TerraformOutputs ScaledOut = Complete with
    {
        InstanceId = null,
        PublicIp = null,
        ScaledOut = true,
        AppServerCount = 3,
        TargetGroupArn = "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup/table-order-app/0123456789abcdef",
        AutoScalingGroupName = "table-order-app-servers",
        ReleaseBucketName = "table-order-releases-123456789012",
        LoadBalancerDnsName = "table-order-alb-1.ap-northeast-2.elb.amazonaws.com",
    };

    [Fact]
    public void A_scaled_out_stack_becomes_a_fleet_without_a_single_instance()
    {
        var record = StackOutputs.From(ScaledOut);

        Assert.Null(record.InstanceId);
        Assert.Null(record.Host);
        var fleet = Assert.IsType<StackFleet>(record.Fleet);
        Assert.Equal("table-order-app-servers", fleet.AutoScalingGroupName);
        Assert.Equal("table-order-releases-123456789012", fleet.ReleaseBucketName);
        Assert.Equal(new Uri("http://table-order-alb-1.ap-northeast-2.elb.amazonaws.com/"), fleet.SiteUrl);
        Assert.Equal(new Uri("https://order.example.com/"), StackOutputs.From(ScaledOut with { SiteUrl = "https://order.example.com" }).Fleet!.SiteUrl);
        Assert.Null(StackOutputs.From(Complete).Fleet);
    }

    [Fact]
    public void A_scaled_out_stack_missing_its_outputs_names_them_all_in_one_error()
    {
        var ex = Assert.Throws<TerraformException>(() => StackOutputs.From(ScaledOut with { TargetGroupArn = null, ReleaseBucketName = "", LoadBalancerDnsName = null, Region = null }));

        Assert.Contains("of the scaled-out stack lack region, target_group_arn, release_bucket_name, site_url (or load_balancer_dns_name)", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("instance_id", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("autoscaling_group_name", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_site_url_that_is_no_url_is_named()
    {
        var ex = Assert.Throws<TerraformException>(() => StackOutputs.From(ScaledOut with { SiteUrl = "order.example.com" }));

        Assert.Contains("site_url (\"order.example.com\" is not an http(s) URL)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_module_that_can_scale_out_must_declare_the_fleets_outputs()
    {
        var single = StackOutputs.Required.Select(names => names[0]).ToHashSet();
        Assert.Empty(StackOutputs.MissingFrom(single));

        var scalable = single.Append("scaled_out").Append("target_group_arn").ToHashSet();
        Assert.Equal(["autoscaling_group_name", "release_bucket_name", "site_url (or load_balancer_dns_name)"], StackOutputs.MissingFrom(scalable));
        Assert.Equal(StackOutputs.RequiredFor(scaledOut: true).Count, StackOutputs.Required.Count - 2 + StackOutputs.RequiredScaledOut.Count);
    }

    [Fact]
    public void Outputs_json_carries_the_scale_out_outputs()
    {
        var outputs = TerraformOutputs.Parse("""
            {"scaled_out": {"value": true}, "app_server_count": {"value": 3}, "instance_id": {"value": null},
             "target_group_arn": {"value": "arn:tg"}, "autoscaling_group_name": {"value": "table-order-app-servers"},
             "release_bucket_name": {"value": "table-order-releases-1"}, "load_balancer_dns_name": {"value": "alb.example"},
             "site_url": {"value": "http://alb.example"}}
            """);

        Assert.True(outputs.ScaledOut);
        Assert.Equal(3, outputs.AppServerCount);
        Assert.Equal("arn:tg", outputs.TargetGroupArn);
        Assert.Equal("table-order-app-servers", outputs.AutoScalingGroupName);
        Assert.Equal("table-order-releases-1", outputs.ReleaseBucketName);
        Assert.Equal("alb.example", outputs.LoadBalancerDnsName);
        Assert.Equal("http://alb.example", outputs.SiteUrl);
        Assert.Null(outputs.InstanceId);
    }

    [Fact]
    public void Outputs_json_carries_ssh_port()
    {
        var outputs = TerraformOutputs.Parse("""{"ssh_port": {"value": 22, "type": "number", "sensitive": false}}""");

        Assert.Equal(22, outputs.SshPort);
    }
}
