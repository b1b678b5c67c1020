using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using TableOrder.Build.Aws;
using TableOrder.Build.IntegrationTests.Support;
using TableOrder.Build.Release;
using TableOrder.Build.Server;
using TableOrder.Build.Terraform;
using TableOrder.Build.Testing;
using Xunit;
using Xunit.Abstractions;

namespace TableOrder.Build.IntegrationTests.Terraform;

/// <summary>
/// The scaled-out servers' first-boot script as the real terraform renders it from
/// terraform/modules/compute (terraform console on a small root that uses the module, offline),
/// once for the class.
/// </summary>
public sealed class FleetUserDataFixture : IDisposable
{
    public const string Bucket = "table-order-releases-123456789012";

    private readonly TempDirectory _temp = new("scale-out-user-data");

    public FleetUserDataFixture()
    {
        _temp.CopyIn(Path.Combine(RepositoryRoot.Terraform, "modules"), "modules");
        _temp.WriteFile("root/main.tf", $$"""
            module "compute" {
              source                = "../modules/compute"
              name_prefix           = "table-order"
              ami_id                = "ami-0123456789abcdef0"
              instance_type         = "t3.medium"
              root_volume_size      = 30
              subnet_id             = "subnet-00000000public"
              security_group_ids    = ["sg-00000000000000ec2"]
              key_pair_name         = "table-order-key"
              instance_profile_name = "table-order-ec2-profile"
              scale_out             = true
              release_bucket_name   = "{{Bucket}}"
              region                = "ap-northeast-2"
            }
            """);
        var root = _temp.Combine("root");
        var cliConfig = ProviderMirror.WriteCliConfig(TerraformHarness.Mirror, _temp.Combine("state"));
        new TerraformHarness().Create(root, cliConfig).Init(new TerraformInitSettings { Backend = false });

        var console = Processes.Run("terraform", ["console"], "module.compute.fleet_user_data\n", root, new() { ["TF_CLI_CONFIG_FILE"] = cliConfig });
        if (console.Code != 0)
        {
            throw new InvalidOperationException("terraform console failed: " + console.Error);
        }

        // A multi-line string prints as a heredoc: <<EOT ... EOT.
        var lines = console.Output.TrimEnd('\n').Split('\n');
        if (lines[0] != "<<EOT" || lines[^1] != "EOT")
        {
            throw new InvalidOperationException("terraform console did not print the script as a heredoc: " + console.Output);
        }

        Script = string.Join('\n', lines[1..^1]) + "\n";
    }

    public string Script { get; }

    public void Dispose() => _temp.Dispose();
}

/// <summary>
/// The fleet script checked as the shell script it is (bash -n, shellcheck), and its scale-out part
/// run for real as a new server runs it: real bash, the real AWS CLI against the rehearsal's moto (its S3
/// and its Auto Scaling group, whose launch hook holds the new instance in Pending:Wait), the objects written by the build's own <see cref="S3ReleaseStore"/>, in a private mount
/// namespace whose /etc, /var/lib and /home are copy-on-write overlays (this host's stay as they are)
/// and whose /run hides this host's systemd. The deploy scripts bundle is the test's own (its
/// bootstrap.sh and slot.sh record their calls), so what the script would run is seen, not done.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class ScaleOutUserDataTests(FleetUserDataFixture rendered, MotoAws moto, ITestOutputHelper output) : IClassFixture<FleetUserDataFixture>, IClassFixture<MotoAws>, IDisposable
{
    private const string Bucket = FleetUserDataFixture.Bucket;

    private readonly TempDirectory _temp = new("scale-out-user-data-run");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void The_rendered_script_is_valid_bash_and_shellcheck_clean()
    {
        var file = _temp.WriteFile("user-data.sh", rendered.Script);

        var syntax = Processes.Run("bash", ["-n", file], input: null, workingDirectory: _temp.Path);
        Assert.True(syntax.Code == 0, syntax.Error);

        var lint = Processes.Run("shellcheck", ["-s", "bash", file], input: null, workingDirectory: _temp.Path);
        Assert.True(lint.Code == 0, lint.Output);
    }

    [Fact]
    public void The_script_reads_the_release_bucket_under_releases_only()
    {
        var script = rendered.Script;

        Assert.Contains($"s3=\"s3://{Bucket}/releases\"", script, StringComparison.Ordinal);
        var urls = S3Url().Matches(script).Select(m => m.Value).ToList();
        Assert.NotEmpty(urls);
        Assert.All(urls, url => Assert.StartsWith($"s3://{Bucket}/releases", url, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_new_server_runs_the_deploy_scripts_and_installs_the_release_whose_sums_match()
    {
        var server = await NewServer.CreateAsync(moto, _temp, output);
        var id = await server.PublishAsync();

        var run = server.Boot(rendered.Script);

        Assert.True(run.Code == 0, run.ToString());
        Assert.Equal("--http-port 80 --api-port 8000 --green-port 8001 --python-deps distro --cloudwatch on", server.Mark("bootstrap"));
        Assert.NotNull(server.Mark("app-env"));
        Assert.Equal($"prepare {id} --python-deps distro\nstart green {id} --port 8001 --timeout 120\nswitch green --port 8001\nstop blue", server.Mark("slot"));
        Assert.Equal(id, File.ReadAllText(server.InSandbox("var/lib/tableorder-test/releases", id, "RELEASE_ID")).Trim());
        Assert.True(File.Exists(server.InSandbox("var/lib/tableorder-test/releases", id, "app", "main.py")));
        Assert.Equal("InService", await server.LaunchAsync());
    }

    [Fact]
    public async Task A_tampered_deploy_scripts_bundle_is_refused_before_anything_of_it_runs()
    {
        var server = await NewServer.CreateAsync(moto, _temp, output);
        await server.PublishAsync();
        await server.ReplaceAsync(S3ReleaseStore.DeployScriptsKey, NewServer.Bundle("touch /var/lib/tableorder-marks/tampered"));

        var run = server.Boot(rendered.Script);

        Assert.NotEqual(0, run.Code);
        Assert.Contains("deploy-scripts.tar.gz does not match the SHA-256 in releases/deploy-scripts.tar.gz.sha256", run.Error, StringComparison.Ordinal);
        Assert.Null(server.Mark("tampered"));
        Assert.Null(server.Mark("bootstrap"));
        Assert.False(Directory.Exists(server.InSandbox("home/admin/tableorder-deploy")), "the refused bundle was unpacked");
        Assert.Equal(NewServer.Abandoned, await server.LaunchAsync());
    }

    [Fact]
    public async Task Deploy_scripts_without_their_sum_are_refused()
    {
        var server = await NewServer.CreateAsync(moto, _temp, output);
        await server.PublishAsync();
        await server.DeleteAsync(ReleaseBucket.SumKey(S3ReleaseStore.DeployScriptsKey));

        var run = server.Boot(rendered.Script);

        Assert.NotEqual(0, run.Code);
        Assert.Contains("or that sum is missing: refusing to run it", run.Error, StringComparison.Ordinal);
        Assert.Null(server.Mark("bootstrap"));
        Assert.Equal(NewServer.Abandoned, await server.LaunchAsync());
    }

    [Fact]
    public async Task A_tampered_release_archive_is_refused_before_it_is_unpacked()
    {
        var server = await NewServer.CreateAsync(moto, _temp, output);
        var id = await server.PublishAsync();
        await server.ReplaceAsync(S3ReleaseStore.ArchiveKey(id), NewServer.Bundle("echo tampered"));

        var run = server.Boot(rendered.Script);

        Assert.NotEqual(0, run.Code);
        Assert.Contains($"{id}.tar.gz does not match the SHA-256 in releases/{id}.tar.gz.sha256", run.Error, StringComparison.Ordinal);
        Assert.NotNull(server.Mark("bootstrap")); // the deploy scripts matched theirs
        Assert.False(Directory.Exists(server.InSandbox("var/lib/tableorder-test/releases", id)), "the refused archive was unpacked");
        Assert.False(Directory.Exists(server.InSandbox("var/lib/tableorder-test/releases", id + ".tmp")), "the refused archive was unpacked");
        Assert.Null(server.Mark("slot"));
        Assert.Equal(NewServer.Abandoned, await server.LaunchAsync());
    }

    [Fact]
    public async Task A_new_server_takes_the_builds_server_policy_from_the_bundle()
    {
        // the production policy as the build renders it into the deploy scripts (build/Server/ServerPolicy.cs)
        var policy = new ServerPolicy(true, PythonPackages.Lock, DatabaseCa: RdsCertificateAuthority.GlobalBundle);
        var server = await NewServer.CreateAsync(moto, _temp, output);
        var id = await server.PublishAsync(policy.ShellFile());

        var run = server.Boot(rendered.Script);

        Assert.True(run.Code == 0, run.ToString());
        Assert.Equal("--http-port 80 --api-port 8000 --green-port 8001 " + string.Join(' ', policy.PolicyFlags()), server.Mark("bootstrap"));
        Assert.StartsWith($"prepare {id} --python-deps lock\n", server.Mark("slot"), StringComparison.Ordinal);
        Assert.Equal("InService", await server.LaunchAsync());
    }

    [Fact]
    public void The_agent_download_check_takes_the_pinned_package_and_refuses_any_other()
    {
        // The user data's own check, as terraform rendered it, with curl replaced by one that "downloads" a local file.
        var check = FetchChecked().Match(rendered.Script).Value;
        Assert.NotEmpty(check);
        var package = _temp.WriteFile("package.deb", "the agent package\n");
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(package)));
        Directory.CreateDirectory(_temp.Combine("bin"));
        var curl = _temp.WriteFile("bin/curl", "#!/bin/bash\nwhile (( $# )); do if [[ $1 == -o ]]; then cp \"$PACKAGE\" \"$2\"; shift; fi; shift; done\n");
        File.SetUnixFileMode(curl, (UnixFileMode)0b111_101_101);
        var environment = new Dictionary<string, string> { ["PATH"] = _temp.Combine("bin") + ":" + Environment.GetEnvironmentVariable("PATH"), ["PACKAGE"] = package };

        var pinned = Processes.Run("bash", ["-c", check + $"fetch_checked https://example.com/a.deb {sha} {_temp.Combine("pinned.deb")}"], null, _temp.Path, environment);
        var other = Processes.Run("bash", ["-c", check + $"fetch_checked https://example.com/a.deb {new string('0', 64)} {_temp.Combine("other.deb")}"], null, _temp.Path, environment);

        Assert.True(pinned.Code == 0, pinned.Error);
        Assert.True(File.Exists(_temp.Combine("pinned.deb")));
        Assert.NotEqual(0, other.Code);
        Assert.Contains("is not the pinned package", other.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(_temp.Combine("other.deb")), "a package whose SHA-256 differs is deleted, never installed");
    }

    [GeneratedRegex(@"s3://[^\s""']+")]
    private static partial Regex S3Url();

    [GeneratedRegex(@"^fetch_checked\(\) \{.*?^\}\n", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex FetchChecked();

    /// <summary>
    /// A server Auto Scaling just launched (Pending:Wait on the group's hook) and the release bucket as the
    /// build leaves it after a Deploy, both in moto; <see cref="Boot"/> runs the fleet script's scale-out
    /// part as root in the sandbox, as that instance.
    /// </summary>
    private sealed class NewServer
    {
        /// <summary>What the launch became when the script abandoned it: Auto Scaling took the instance out of the group.</summary>
        public const string Abandoned = "abandoned";

        private const string Region = MotoAws.Region;
        private const string Group = "table-order-app-servers";
        private const string Hook = "table-order-app-server-launching";

        private readonly MotoAws _aws;
        private readonly TempDirectory _folder;
        private readonly ITestOutputHelper _output;
        private readonly string _sandbox;

        private NewServer(MotoAws aws, TempDirectory temp, ITestOutputHelper output, string instanceId)
        {
            _aws = aws;
            _folder = temp;
            _output = output;
            InstanceId = instanceId;
            _sandbox = temp.Combine("sandbox-" + Guid.NewGuid().ToString("N")[..8]);
        }

        public string InstanceId { get; }

        /// <summary>The release bucket and a group of one whose launch hook holds its instance, as terraform makes them.</summary>
        public static async Task<NewServer> CreateAsync(MotoAws aws, TempDirectory temp, ITestOutputHelper output)
        {
            aws.Reset();
            using var s3 = aws.S3();
            await s3.PutBucketAsync(new Amazon.S3.Model.PutBucketRequest { BucketName = Bucket, BucketRegionName = Region });
            using var ec2 = aws.Ec2();
            var subnet = (await ec2.DescribeSubnetsAsync(new Amazon.EC2.Model.DescribeSubnetsRequest())).Subnets[0];
            await ec2.CreateLaunchTemplateAsync(new Amazon.EC2.Model.CreateLaunchTemplateRequest
            {
                LaunchTemplateName = "table-order-app-server",
                LaunchTemplateData = new Amazon.EC2.Model.RequestLaunchTemplateData { ImageId = MotoAws.ImageId, InstanceType = "t3.medium" },
            });
            using var autoScaling = aws.AutoScaling();
            await autoScaling.CallAsync("CreateAutoScalingGroup", [
                new("AutoScalingGroupName", Group), new("MinSize", "1"), new("MaxSize", "1"), new("DesiredCapacity", "1"),
                new("VPCZoneIdentifier", subnet.SubnetId),
                new("LaunchTemplate.LaunchTemplateName", "table-order-app-server"), new("LaunchTemplate.Version", "$Latest"),
                new("LifecycleHookSpecificationList.member.1.LifecycleHookName", Hook),
                new("LifecycleHookSpecificationList.member.1.LifecycleTransition", "autoscaling:EC2_INSTANCE_LAUNCHING"),
                new("LifecycleHookSpecificationList.member.1.DefaultResult", "ABANDON"),
                new("LifecycleHookSpecificationList.member.1.HeartbeatTimeout", "900")]);
            var instances = await InstancesAsync(autoScaling);
            var launching = Assert.Single(instances);
            Assert.Equal("Pending:Wait", launching.Value);
            return new NewServer(aws, temp, output, launching.Key);
        }

        /// <summary>The instance's lifecycle state in the group (Pending:Wait, InService), or <see cref="Abandoned"/>.</summary>
        public async Task<string> LaunchAsync()
        {
            using var autoScaling = _aws.AutoScaling();
            return (await InstancesAsync(autoScaling)).GetValueOrDefault(InstanceId) is { } state && !state.StartsWith("Terminating", StringComparison.Ordinal) ? state : Abandoned;
        }

        private static async Task<Dictionary<string, string>> InstancesAsync(AwsQueryApi autoScaling)
        {
            var groups = await autoScaling.CallAsync("DescribeAutoScalingGroups", [new("AutoScalingGroupNames.member.1", Group)]);
            return groups.Members("AutoScalingGroups").Single().Members("Instances").ToDictionary(i => i.Text("InstanceId")!, i => i.Text("LifecycleState")!, StringComparer.Ordinal);
        }

        /// <summary>
        /// The deploy scripts: bootstrap.sh, app-env.sh and slot.sh record their calls; releases live in the sandbox;
        /// with <paramref name="policy"/>, the build's server-policy.env beside them.
        /// </summary>
        public static byte[] Bundle(string bootstrap, string? policy = null)
        {
            var files = new Dictionary<string, byte[]>
            {
                ["bootstrap.sh"] = Encoding.UTF8.GetBytes($"#!/bin/bash\nset -eu\n{bootstrap}\n"),
                ["app-env.sh"] = "#!/bin/bash\ntouch /var/lib/tableorder-marks/app-env\n"u8.ToArray(),
                ["slot.sh"] = "#!/bin/bash\nprintf '%s\\n' \"$*\" >> /var/lib/tableorder-marks/slot\n"u8.ToArray(),
                ["server-map.env"] = "RELEASES=/var/lib/tableorder-test/releases\nRELEASE_COMPLETE=.complete\n"u8.ToArray(),
            };
            if (policy is not null)
            {
                files[ServerPolicy.ShellFileName] = Encoding.UTF8.GetBytes(policy);
            }

            using var packed = TarGz.Pack(Path.GetTempPath(), [], files);
            return packed.ToArray();
        }

        /// <summary>A release kept and made current with the build's own store, as a Deploy does; its id.</summary>
        public async Task<string> PublishAsync(string? policy = null)
        {
            var app = _folder.Combine("app-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(Path.Combine(app, "app"));
            await File.WriteAllTextAsync(Path.Combine(app, "app", "main.py"), $"VERSION = '{Guid.NewGuid():N}'\n");
            await File.WriteAllTextAsync(Path.Combine(app, "alembic.ini"), "[alembic]\n");
            var release = ReleaseArchive.FromDirectory(app);
            using var s3 = _aws.S3();
            var store = new S3ReleaseStore(s3, Bucket, new RecordingLog(_output), () => Bundle("printf '%s' \"$*\" > /var/lib/tableorder-marks/bootstrap", policy));
            await store.KeepAsync(release);
            Assert.True(await store.SetCurrentAsync(release.Id));
            return release.Id;
        }

        /// <summary>Someone other than the build wrote <paramref name="key"/> (its sum stays the build's).</summary>
        public async Task ReplaceAsync(string key, byte[] data)
        {
            using var s3 = _aws.S3();
            await s3.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = Bucket, Key = key, InputStream = new MemoryStream(data) });
        }

        public async Task DeleteAsync(string key)
        {
            using var s3 = _aws.S3();
            await s3.DeleteObjectAsync(Bucket, key);
        }

        /// <summary>A path as the sandbox's processes wrote it (the overlays' upper layer).</summary>
        public string InSandbox(params string[] parts) => Path.Combine([_sandbox, "upper", .. parts]);

        /// <summary>What a recording script of the bundle wrote; null when it never ran.</summary>
        public string? Mark(string name) => File.Exists(InSandbox("var/lib/tableorder-marks", name)) ? File.ReadAllText(InSandbox("var/lib/tableorder-marks", name)).Trim() : null;

        public (int Code, string Output, string Error) Boot(string fleetScript)
        {
            // The packages part (apt, the agents) is the single server's and not this test's: it starts the scale-out part.
            const string Marker = "\n# ---- Scale-out:";
            var at = fleetScript.IndexOf(Marker, StringComparison.Ordinal);
            Assert.True(at > 0, "the fleet script has no scale-out part");
            var script = _folder.WriteFile(Path.GetFileName(_sandbox) + ".sh", "#!/bin/bash\nset -euo pipefail\n" + fleetScript[(at + 1)..]);
            var awsConfig = _folder.WriteFile(Path.GetFileName(_sandbox) + ".aws-config", $"[default]\nregion = {Region}\nendpoint_url = {_aws.Url}\ns3 =\n    addressing_style = path\n");
            Directory.CreateDirectory(_sandbox);

            // copy-on-write /etc, /var/lib, /home; an empty /run (no systemd to stop nginx on); the server's user and instance id
            var sandbox = """
                set -euo pipefail
                mount --make-rprivate /
                for d in /etc /var/lib /home; do
                    mkdir -p "$SANDBOX/upper$d" "$SANDBOX/work$d"
                    mount -t overlay overlay -o "lowerdir=$d,upperdir=$SANDBOX/upper$d,workdir=$SANDBOX/work$d" "$d"
                done
                mount -t tmpfs tmpfs /run
                getent passwd admin >/dev/null || { echo 'admin:x:61234:61234::/home/admin:/bin/bash' >>/etc/passwd; echo 'admin:x:61234:' >>/etc/group; }
                install -d /home/admin /var/lib/cloud/data /var/lib/tableorder-marks /var/lib/tableorder-test/releases
                printf '%s\n' "$INSTANCE_ID" >/var/lib/cloud/data/instance-id
                exec bash "$SCRIPT"
                """;
            var run = Processes.Run(
                "unshare",
                ["--mount", "--fork", "bash", "-c", sandbox],
                input: null,
                workingDirectory: _folder.Path,
                new()
                {
                    ["SANDBOX"] = _sandbox,
                    ["SCRIPT"] = script,
                    ["INSTANCE_ID"] = InstanceId,
                    ["AWS_CONFIG_FILE"] = awsConfig,
                    ["AWS_ACCESS_KEY_ID"] = "test",
                    ["AWS_SECRET_ACCESS_KEY"] = "test",
                    ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null",
                    ["AWS_PAGER"] = string.Empty,
                });
            _output.WriteLine($"exit {run.Code}\n--- stdout\n{run.Output}\n--- stderr\n{run.Error}");
            return run;
        }
    }
}

/// <summary>A child process run to its end: exit code, output and errors.</summary>
internal static class Processes
{
    public static (int Code, string Output, string Error) Run(string program, string[] arguments, string? input, string workingDirectory, Dictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? [])
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Write(input ?? string.Empty);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error.Result);
    }
}
