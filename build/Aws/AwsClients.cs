using Amazon;
using Amazon.EC2;
using Amazon.Runtime;
using Amazon.SimpleSystemsManagement;

namespace TableOrder.Build.Aws;

/// <summary>
/// Makes the SDK clients the build uses, for one region. <paramref name="serviceUrl"/> points a client
/// at another endpoint (the tests' HTTP stand-ins); null means the real regional AWS endpoint.
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
