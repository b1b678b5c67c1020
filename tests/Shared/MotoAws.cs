using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Amazon.Runtime;
using TableOrder.Build.Aws;
using Xunit;

namespace TableOrder.Build.Testing;

/// <summary>
/// moto as the rehearsal runs it (rehearsal/moto/launcher.py: its patches and its bridge), for the tests
/// that call AWS APIs: one server per fixture, its tests one after the other, each starting from an empty
/// AWS (<see cref="Reset"/>). Needs the image's python3 with moto 5.2.1, as the rehearsal does. Shared by
/// both test projects (linked, not copied).
/// </summary>
public sealed class MotoAws : IDisposable
{
    public const string Region = "ap-northeast-2";

    /// <summary>The one image it knows (the rehearsal's Debian 13, under Debian's account).</summary>
    public const string ImageId = TableOrder.Build.Rehearsal.MotoServer.ImageId;

    private readonly string _folder = Directory.CreateTempSubdirectory("moto-").FullName;
    private readonly Process _process;

    public MotoAws()
    {
        Port = FreePort();
        File.WriteAllText(ImagesFile, JsonSerializer.Serialize(new[]
        {
            new Dictionary<string, object>
            {
                ["ami_id"] = ImageId, ["state"] = "available", ["public"] = true, ["owner_id"] = TableOrder.Build.Rehearsal.MotoServer.DebianAccount,
                ["name"] = "debian-13-amd64-test", ["architecture"] = "x86_64", ["virtualization_type"] = "hvm",
                ["root_device_type"] = "ebs", ["root_device_name"] = "/dev/xvda", ["image_type"] = "machine",
            },
        }));
        Bridge(new { });
        var start = new ProcessStartInfo("python3") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-B", Path.Combine(RepositoryRoot(), "rehearsal", "moto", "launcher.py"), "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bridge", BridgeFile, "--images", ImagesFile })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (!Listening())
        {
            Assert.False(_process.HasExited, "moto's launcher ended before it listened (is moto 5.2.1 installed? pip install \"moto[server]==5.2.1\")");
            Assert.True(DateTime.UtcNow < deadline, "moto did not listen within 3 minutes");
            Thread.Sleep(100);
        }
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    public string BridgeFile => Path.Combine(_folder, "bridge.json");

    private string ImagesFile => Path.Combine(_folder, "images.json");

    public static AWSCredentials Credentials { get; } = new BasicAWSCredentials("test", "test");

    /// <summary>Polls of milliseconds: the tests wait for nothing real.</summary>
    public static Polling Fast { get; } = new(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(100));

    /// <summary>An empty AWS again (moto's own reset) and an empty bridge.</summary>
    public void Reset()
    {
        using var http = new HttpClient();
        using var reset = http.PostAsync(new Uri(Url + "/moto-api/reset"), null).GetAwaiter().GetResult();
        reset.EnsureSuccessStatusCode();
        Bridge(new { });
    }

    /// <summary>What the bridge is told of this machine's parts (as the rehearsal writes it: temp name, rename).</summary>
    public void Bridge(object bridge)
    {
        File.WriteAllText(BridgeFile + ".tmp", JsonSerializer.Serialize(bridge));
        File.Move(BridgeFile + ".tmp", BridgeFile, overwrite: true);
    }

    public Amazon.EC2.AmazonEC2Client Ec2() => AwsClients.Ec2(Region, Credentials, Url);

    public Amazon.SimpleSystemsManagement.AmazonSimpleSystemsManagementClient Ssm() => AwsClients.Ssm(Region, Credentials, Url);

    public Amazon.S3.AmazonS3Client S3() => AwsClients.S3(Region, Credentials, Url);

    public AwsQueryApi LoadBalancing() => AwsClients.LoadBalancing(Region, Credentials, Url);

    public AwsQueryApi AutoScaling() => AwsClients.AutoScaling(Region, Credentials, Url);

    public AwsQueryApi ElastiCache() => AwsClients.ElastiCache(Region, Credentials, Url);

    public AwsJsonApi SecretsManager() => AwsClients.SecretsManager(Region, Credentials, Url);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private bool Listening()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "TableOrder.Build.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No TableOrder.Build.sln above {AppContext.BaseDirectory}.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
