using Amazon;
using Amazon.EC2;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.SimpleSystemsManagement;

namespace TableOrder.Build.Aws;

/// <summary>
/// Makes the SDK clients the build uses, for one region. <paramref name="serviceUrl"/> points a client
/// at another endpoint (the rehearsal's moto, the tests' stand-ins); null means the real regional AWS endpoint.
/// Credentials null means the SDK's default chain (resolve them first with <see cref="AwsCredentialsCheck"/>).
/// </summary>
public static class AwsClients
{
    /// <summary>One SDK call may take this long before it fails (the SDK's own default is 100 s).</summary>
    public static TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public static AmazonEC2Client Ec2(string region, AWSCredentials? credentials = null, string? serviceUrl = null)
    {
        var config = new AmazonEC2Config();
        Configure(config, region, serviceUrl);
        return credentials is null ? new AmazonEC2Client(config) : new AmazonEC2Client(credentials, config);
    }

    public static AmazonSimpleSystemsManagementClient Ssm(string region, AWSCredentials? credentials = null, string? serviceUrl = null)
    {
        var config = new AmazonSimpleSystemsManagementConfig();
        Configure(config, region, serviceUrl);
        return credentials is null ? new AmazonSimpleSystemsManagementClient(config) : new AmazonSimpleSystemsManagementClient(credentials, config);
    }

    /// <summary>S3, path-style on another endpoint (moto answers http://127.0.0.1:port/bucket/key).</summary>
    public static AmazonS3Client S3(string region, AWSCredentials? credentials = null, string? serviceUrl = null)
    {
        var config = new AmazonS3Config { ForcePathStyle = serviceUrl is not null };
        Configure(config, region, serviceUrl);
        return credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(credentials, config);
    }

    /// <summary>Elastic Load Balancing v2 (the ALB's target group), over signed HTTP: no SDK package for it is served here.</summary>
    public static AwsQueryApi LoadBalancing(string region, AWSCredentials? credentials = null, string? serviceUrl = null) =>
        new("elasticloadbalancing", "2015-12-01", region, credentials, serviceUrl);

    /// <summary>Auto Scaling (the app servers' group), over signed HTTP: no SDK package for it is served here.</summary>
    public static AwsQueryApi AutoScaling(string region, AWSCredentials? credentials = null, string? serviceUrl = null) =>
        new("autoscaling", "2011-01-01", region, credentials, serviceUrl);

    /// <summary>RDS (snapshots, restores, renames), over signed HTTP: no SDK package for it is served here.</summary>
    public static AwsQueryApi Rds(string region, AWSCredentials? credentials = null, string? serviceUrl = null) =>
        new("rds", "2014-10-31", region, credentials, serviceUrl);
    /// <summary>ElastiCache (the Redis replication group's AUTH token), over signed HTTP: no SDK package for it is served here.</summary>
    public static AwsQueryApi ElastiCache(string region, AWSCredentials? credentials = null, string? serviceUrl = null) =>
        new("elasticache", "2015-02-02", region, credentials, serviceUrl);

    /// <summary>Secrets Manager (the Redis AUTH token's secret), over signed HTTP: no SDK package for it is served here.</summary>
    public static AwsJsonApi SecretsManager(string region, AWSCredentials? credentials = null, string? serviceUrl = null) =>
        new("secretsmanager", "secretsmanager", region, credentials, serviceUrl);

    private static void Configure(ClientConfig config, string region, string? serviceUrl)
    {
        if (string.IsNullOrWhiteSpace(region))
        {
            throw new AwsException("No AWS region: the terraform outputs name it (output 'region'), e.g. ap-northeast-2.");
        }

        config.Timeout = RequestTimeout;
        if (serviceUrl is null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }
        else
        {
            config.ServiceURL = serviceUrl;
            config.AuthenticationRegion = region;
        }
    }
}

/// <summary>Something about AWS went wrong; the message says what and what to do.</summary>
public class AwsException(string message, Exception? inner = null) : Exception(message, inner);
