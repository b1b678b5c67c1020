namespace TableOrder.Build.Terraform;

/// <summary>
/// The root module's outputs that the production path needs, validated once: every required output
/// present, or one error that names all the missing ones. No defaults are invented here or anywhere
/// else (login user, region, ports come from terraform).
/// </summary>
public sealed record StackOutputs(
    string InstanceId,
    string Host,
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
    /// The root module's outputs this record needs, each as its alternatives (any one will do):
    /// what <see cref="From"/> checks, and what a Provision checks the root module declares before it starts.
    /// </summary>
    public static readonly IReadOnlyList<IReadOnlyList<string>> Required =
    [
        ["instance_id"], ["public_ip", "public_dns"], ["ssh_port"], ["ssh_user"], ["region"], ["db_endpoint"], ["db_port"], ["db_name"],
        ["db_secret_arn"], ["redis_endpoint"], ["redis_port"], ["redis_tls"], ["redis_auth_secret_arn"], ["bucket_name"],
    ];

    /// <summary>The required outputs <paramref name="declared"/> lacks, named as <see cref="From"/> names them.</summary>
    public static IReadOnlyList<string> MissingFrom(IReadOnlySet<string> declared)
    {
        ArgumentNullException.ThrowIfNull(declared);
        return [.. Required.Where(names => !names.Any(declared.Contains)).Select(Name)];
    }

    private static string Name(IReadOnlyList<string> names) => names.Count == 1 ? names[0] : $"{names[0]} (or {string.Join(", ", names.Skip(1))})";

    public static StackOutputs From(TerraformOutputs outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);

        // A scaled-out stack has no single instance: its servers come from the Auto Scaling group and
        // serve releases/current from the release bucket; the build's roll-out over the ALB is not there yet.
        if (outputs.ScaledOut)
        {
            throw new TerraformException(
                $"The stack is scaled out ({outputs.AppServerCount?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "several"} servers behind a load balancer): " +
                "this build deploys to a single server only; rolling deploys through the ALB are not built yet (README, \"Scaling out\"). " +
                "Set app_server_count = 1 and enable_load_balancer = false to deploy with this build.");
        }

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

        var record = new StackOutputs(
            Need(outputs.InstanceId, "instance_id"),
            Need(outputs.PublicIp ?? outputs.PublicDns, "public_ip (or public_dns)"),
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
            Need(outputs.BucketName, "bucket_name"));
        return missing.Count == 0
            ? record
            : throw new TerraformException(
                $"The terraform outputs lack {string.Join(", ", missing)}: the stack was applied with an older root module, or not at all. " +
                "Run --target=Provision (it plans and applies the current root module), then --target=Outputs.");
    }
}
