using System.Text.Json;

namespace TableOrder.Build.Terraform;

/// <summary>
/// The root module's outputs, typed, as later tasks read them (terraform/outputs.tf).
/// A missing output is null; sensitive outputs are never logged.
/// </summary>
public sealed record TerraformOutputs
{
    public string? InstanceId { get; init; }

    public string? PublicIp { get; init; }

    public string? PublicDns { get; init; }

    public string? SshUser { get; init; }

    public int? SshPort { get; init; }

    public string? DbEndpoint { get; init; }

    /// <summary>
    /// The RDS instance's identifier: the first label of db_endpoint as terraform gave it, kept when a site
    /// maps the endpoint to another host (the rehearsal's lead to this machine's PostgreSQL).
    /// </summary>
    public string? DbInstanceIdentifier { get; init; }

    public int? DbPort { get; init; }

    public string? DbName { get; init; }

    public string? DbUsername { get; init; }

    public string? DbSecretArn { get; init; }

    public string? RedisEndpoint { get; init; }

    public int? RedisPort { get; init; }

    /// <summary>True when Redis takes TLS only (rediss://).</summary>
    public bool? RedisTls { get; init; }

    /// <summary>The ARN of the secret that holds the Redis AUTH token (never the token).</summary>
    public string? RedisAuthSecretArn { get; init; }

    /// <summary>The Redis replication group: the build sets its AUTH token after the apply.</summary>
    public string? RedisReplicationGroupId { get; init; }

    public string? BucketName { get; init; }

    public string? LogGroupFastApi { get; init; }

    public string? LogGroupNginx { get; init; }

    public string? Region { get; init; }

    /// <summary>The stack runs its servers in an Auto Scaling group behind a load balancer (app_server_count above 1).</summary>
    public bool ScaledOut { get; init; }

    public int? AppServerCount { get; init; }

    /// <summary>Scale-out: the app servers' target group (deregister, drain, register).</summary>
    public string? TargetGroupArn { get; init; }

    /// <summary>Scale-out: the Auto Scaling group whose instances are the servers.</summary>
    public string? AutoScalingGroupName { get; init; }

    /// <summary>Scale-out: the bucket of releases/ (terraform/README.md, "Release bucket").</summary>
    public string? ReleaseBucketName { get; init; }

    public string? LoadBalancerDnsName { get; init; }

    /// <summary>Scale-out: https://&lt;domain&gt;, else http://&lt;ALB DNS name&gt;.</summary>
    public string? SiteUrl { get; init; }

    /// <summary>Single server: the site's DNS name when the stack manages its A record (domain_name), else null.</summary>
    public string? SiteDomain { get; init; }

    /// <summary>Scale-out: the load balancer's subnets (CIDRs), whose X-Forwarded-For and X-Forwarded-Proto the servers trust; empty for the single server.</summary>
    public IReadOnlyList<string> LoadBalancerCidrs { get; init; } = [];

    public bool IsEmpty => InstanceId is null && PublicIp is null && Region is null;

    public static TerraformOutputs Parse(string outputJson)
    {
        using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(outputJson) ? "{}" : outputJson);
        var root = document.RootElement;

        string? Text(string name) =>
            root.TryGetProperty(name, out var output) && output.TryGetProperty("value", out var value)
                ? value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString(),
                    JsonValueKind.Null => null,
                    _ => value.GetRawText(),
                }
                : null;

        int? Number(string name) =>
            root.TryGetProperty(name, out var output) && output.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.Number
                ? value.GetInt32()
                : int.TryParse(Text(name), out var parsed) ? parsed : null;

        bool? Flag(string name) =>
            root.TryGetProperty(name, out var output) && output.TryGetProperty("value", out var value) && value.ValueKind is (JsonValueKind.True or JsonValueKind.False)
                ? value.GetBoolean()
                : bool.TryParse(Text(name), out var parsed) ? parsed : null;

        IReadOnlyList<string> Texts(string name) =>
            root.TryGetProperty(name, out var output) && output.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.Array
                ? [.. value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)]
                : [];

        return new TerraformOutputs
        {
            InstanceId = Text("instance_id"),
            PublicIp = Text("public_ip"),
            PublicDns = Text("public_dns"),
            SshUser = Text("ssh_user"),
            SshPort = Number("ssh_port"),
            DbEndpoint = Text("db_endpoint"),
            DbInstanceIdentifier = Text("db_endpoint")?.Split('.')[0],
            DbPort = Number("db_port"),
            DbName = Text("db_name"),
            DbUsername = Text("db_username"),
            DbSecretArn = Text("db_secret_arn"),
            RedisEndpoint = Text("redis_endpoint"),
            RedisPort = Number("redis_port"),
            RedisTls = Flag("redis_tls"),
            RedisAuthSecretArn = Text("redis_auth_secret_arn"),
            RedisReplicationGroupId = Text("redis_replication_group_id"),
            BucketName = Text("bucket_name"),
            LogGroupFastApi = Text("log_group_fastapi"),
            LogGroupNginx = Text("log_group_nginx"),
            Region = Text("region"),
            ScaledOut = Flag("scaled_out") ?? false,
            AppServerCount = Number("app_server_count"),
            TargetGroupArn = Text("target_group_arn"),
            AutoScalingGroupName = Text("autoscaling_group_name"),
            ReleaseBucketName = Text("release_bucket_name"),
            LoadBalancerDnsName = Text("load_balancer_dns_name"),
            SiteUrl = Text("site_url"),
            SiteDomain = Text("site_domain"),
            LoadBalancerCidrs = Texts("load_balancer_cidrs"),
        };
    }
}
