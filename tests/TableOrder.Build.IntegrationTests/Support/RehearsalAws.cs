using System.Text.Json;
using Amazon.Runtime;
using TableOrder.Build.Aws;
using TableOrder.Build.Rehearsal;

namespace TableOrder.Build.IntegrationTests.Support;

/// <summary>A rehearsal stack's AWS (its moto), asked by a test through the same clients the build uses.</summary>
public sealed class RehearsalAws(string stateDirectory)
{
    public const string Region = RehearsalSite.Region;

    public static AWSCredentials Credentials { get; } = new BasicAWSCredentials(RehearsalWorkingCopy.AccessKey, RehearsalWorkingCopy.SecretKey);

    /// <summary>Where the stack's moto listens (its remembered port, aws/ports.json).</summary>
    public string Url
    {
        get
        {
            var ports = JsonDocument.Parse(File.ReadAllText(Path.Combine(stateDirectory, "aws", "ports.json"))).RootElement;
            return $"http://127.0.0.1:{ports.GetProperty("Http").GetInt32()}";
        }
    }

    public Amazon.EC2.AmazonEC2Client Ec2() => AwsClients.Ec2(Region, Credentials, Url);

    public Amazon.SimpleSystemsManagement.AmazonSimpleSystemsManagementClient Ssm() => AwsClients.Ssm(Region, Credentials, Url);

    public AwsJsonApi SecretsManager() => AwsClients.SecretsManager(Region, Credentials, Url);

    public AwsQueryApi Rds() => new("rds", "2014-10-31", Region, Credentials, Url);

    public AwsQueryApi AutoScaling() => AwsClients.AutoScaling(Region, Credentials, Url);

    public AwsQueryApi LoadBalancing() => AwsClients.LoadBalancing(Region, Credentials, Url);

    /// <summary>The instances moto holds, with their state.</summary>
    public async Task<Dictionary<string, string>> InstancesAsync()
    {
        using var ec2 = Ec2();
        var reservations = (await ec2.DescribeInstancesAsync(new Amazon.EC2.Model.DescribeInstancesRequest())).Reservations ?? [];
        return reservations.SelectMany(r => r.Instances).ToDictionary(i => i.InstanceId, i => i.State.Name.Value, StringComparer.Ordinal);
    }
}
