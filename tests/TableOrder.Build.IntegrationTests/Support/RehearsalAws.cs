using System.Text.Json;
using System.Text.Json.Nodes;
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

    /// <summary>
    /// Every secret the stack keeps in its AWS, by name: each Secrets Manager secret's value (a JSON secret's
    /// password, as RDS's managed master secret holds it) and each SecureString parameter under /tableorder/.
    /// </summary>
    public async Task<Dictionary<string, string>> SecretValuesAsync()
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var secrets = SecretsManager())
        {
            var list = await secrets.CallAsync("ListSecrets", []);
            foreach (var entry in list["SecretList"]?.AsArray() ?? [])
            {
                var value = (string?)(await secrets.CallAsync("GetSecretValue", new JsonObject { ["SecretId"] = (string)entry!["ARN"]! }))["SecretString"];
                if (!string.IsNullOrEmpty(value))
                {
                    values[(string)entry["Name"]!] = value.StartsWith('{') && JsonNode.Parse(value)?["password"] is { } password ? (string)password! : value;
                }
            }
        }

        using var ssm = Ssm();
        var request = new Amazon.SimpleSystemsManagement.Model.GetParametersByPathRequest { Path = "/tableorder/", Recursive = true, WithDecryption = true };
        do
        {
            var page = await ssm.GetParametersByPathAsync(request);
            foreach (var parameter in (page.Parameters ?? []).Where(p => p.Type == Amazon.SimpleSystemsManagement.ParameterType.SecureString))
            {
                values[parameter.Name] = parameter.Value;
            }

            request.NextToken = page.NextToken;
        }
        while (!string.IsNullOrEmpty(request.NextToken));

        return values;
    }
}
