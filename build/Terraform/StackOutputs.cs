namespace TableOrder.Build.Terraform;

/// <summary>
/// The root module's outputs that the production path needs, validated once: every required output
/// present, or one error that names all the missing ones. No defaults are invented here or anywhere
/// else (login user, region, ports come from terraform). One server: its instance and address; scaled
/// out (<see cref="Fleet"/>): the target group, the Auto Scaling group and the release bucket instead.
/// </summary>
public sealed record StackOutputs(
    string? InstanceId,
    string? Host,
    int SshPort,
    string SshUser,
    string Region,
    string DbEndpoint,
    int DbPort,
    string DbName,
    string DbSecretArn,
    string RedisEndpoint,
    int RedisPort,
    bool RedisTls,
    string RedisAuthSecretArn,
    string BucketName)
{
    /// <summary>
    /// The root module's outputs this record needs for one server, each as its alternatives (any one will
    /// do): what <see cref="From"/> checks, and what a Provision checks the root module declares before it starts.
    /// </summary>
    public static readonly IReadOnlyList<IReadOnlyList<string>> Required =
    [
        ["instance_id"], ["public_ip", "public_dns"], ["ssh_port"], ["ssh_user"], ["region"], ["db_endpoint"], ["db_port"], ["db_name"],
        ["db_secret_arn"], ["redis_endpoint"], ["redis_port"], ["redis_tls"], ["redis_auth_secret_arn"], ["bucket_name"],
    ];

    /// <summary>What a scaled-out stack needs instead of instance_id and its address.</summary>
    public static readonly IReadOnlyList<IReadOnlyList<string>> RequiredScaledOut =
        [["target_group_arn"], ["autoscaling_group_name"], ["release_bucket_name"], ["site_url", "load_balancer_dns_name"]];

    private static readonly IReadOnlyList<IReadOnlyList<string>> SingleServerOnly = Required.Take(2).ToList();

    /// <summary>The fleet's part of the outputs; null for one server.</summary>
    public StackFleet? Fleet { get; init; }

    /// <summary>
    /// The required outputs <paramref name="declared"/> lacks, named as <see cref="From"/> names them. A
    /// module that can scale out (it declares scaled_out) must also declare what a scaled-out stack needs.
    /// </summary>
    public static IReadOnlyList<string> MissingFrom(IReadOnlySet<string> declared)
    {
        ArgumentNullException.ThrowIfNull(declared);
        var required = declared.Contains("scaled_out") ? Required.Concat(RequiredScaledOut) : Required;
        return [.. required.Where(names => !names.Any(declared.Contains)).Select(Name)];
    }

    /// <summary>The outputs a stack in the given mode must have (what <see cref="From"/> checks).</summary>
    public static IReadOnlyList<IReadOnlyList<string>> RequiredFor(bool scaledOut) =>
        scaledOut ? [.. Required.Except(SingleServerOnly), .. RequiredScaledOut] : Required;

    private static string Name(IReadOnlyList<string> names) => names.Count == 1 ? names[0] : $"{names[0]} (or {string.Join(", ", names.Skip(1))})";

    public static StackOutputs From(TerraformOutputs outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        var missing = new List<string>();
        T Need<T>(T? value, string name)
            where T : class
        {
            if (value is null || value is string { Length: 0 })
            {
                missing.Add(name);
            }

            return value!;
        }

        int NeedNumber(int? value, string name)
        {
            if (value is null)
            {
                missing.Add(name);
            }

            return value ?? 0;
        }

        bool NeedFlag(bool? value, string name)
        {
            if (value is null)
            {
                missing.Add(name);
            }

            return value ?? false;
        }

        // Scaled out, the Auto Scaling group owns the servers: no single instance or address (terraform/README.md, "Outputs").
        var scaledOut = outputs.ScaledOut;
        var record = new StackOutputs(
            scaledOut ? null : Need(outputs.InstanceId, "instance_id"),
            scaledOut ? null : Need(outputs.PublicIp ?? outputs.PublicDns, "public_ip (or public_dns)"),
            NeedNumber(outputs.SshPort, "ssh_port"),
            Need(outputs.SshUser, "ssh_user"),
            Need(outputs.Region, "region"),
            Need(outputs.DbEndpoint, "db_endpoint"),
            NeedNumber(outputs.DbPort, "db_port"),
            Need(outputs.DbName, "db_name"),
            Need(outputs.DbSecretArn, "db_secret_arn"),
            Need(outputs.RedisEndpoint, "redis_endpoint"),
            NeedNumber(outputs.RedisPort, "redis_port"),
            NeedFlag(outputs.RedisTls, "redis_tls"),
            Need(outputs.RedisAuthSecretArn, "redis_auth_secret_arn"),
            Need(outputs.BucketName, "bucket_name"))
        {
            Fleet = scaledOut
                ? new StackFleet(
                    Need(outputs.TargetGroupArn, "target_group_arn"),
                    Need(outputs.AutoScalingGroupName, "autoscaling_group_name"),
                    Need(outputs.ReleaseBucketName, "release_bucket_name"),
                    SiteUrl(outputs, missing),
                    outputs.AppServerCount)
                : null,
        };
        return missing.Count == 0
            ? record
            : throw new TerraformException(
                $"The terraform outputs{(scaledOut ? " of the scaled-out stack" : string.Empty)} lack {string.Join(", ", missing)}: the stack was applied with an older root module, or not at all. " +
                "Run --target=Provision (it plans and applies the current root module), then --target=Outputs.");
    }

    /// <summary>site_url, else http:// and the load balancer's DNS name; a value that is no absolute http(s) URL counts as missing.</summary>
    private static Uri SiteUrl(TerraformOutputs outputs, List<string> missing)
    {
        var text = outputs.SiteUrl ?? (outputs.LoadBalancerDnsName is { Length: > 0 } dns ? $"http://{dns}" : null);
        if (Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https")
        {
            return url;
        }

        missing.Add(text is null ? "site_url (or load_balancer_dns_name)" : $"site_url (\"{text}\" is not an http(s) URL)");
        return new Uri("http://invalid/");
    }
}

/// <summary>A scaled-out stack: its servers are the Auto Scaling group's, behind the ALB's target group.</summary>
/// <param name="SiteUrl">Where users reach the service (site_url, else the ALB's DNS name over HTTP).</param>
/// <param name="ServerCount">app_server_count, when the outputs say it.</param>
public sealed record StackFleet(string TargetGroupArn, string AutoScalingGroupName, string ReleaseBucketName, Uri SiteUrl, int? ServerCount);
