using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using TableOrder.Build.Aws;
using TableOrder.Build.Aws.StandIn;
using TableOrder.Build.Diagnostics;
using Xunit;
using StandInServer = TableOrder.Build.Aws.StandIn.AwsApiStandIn;

namespace TableOrder.Build.Tests.Aws.StandIn;

/// <summary>The rehearsal's AWS stand-in, reached by the real SDK clients and the build's own AWS code.</summary>
[Trait("Category", "Unit")]
public sealed class AwsApiStandInTests : IDisposable
{
    private const string InstanceId = "i-0standin00000001";
    private readonly StandInServer _standIn = new(StandInClients.Region, new AwsStandInState(null, StandInClients.Region));
    private readonly FakeInstance _instance = new();

    public AwsApiStandInTests() => _standIn.AddInstance(_instance);

    public void Dispose() => _standIn.Dispose();

    [Fact]
    public async Task Ec2_status_wait_and_console_host_key_work_with_the_real_sdk()
    {
        using var ec2 = AwsClients.Ec2(StandInClients.Region, StandInClients.Credentials, _standIn.Url);
        var log = new RecordingLog();
        var status = await new Ec2Instances(ec2, log, StandInClients.Fast).WaitUntilReadyAsync(InstanceId, TimeSpan.FromSeconds(10));
        Assert.True(status.IsReady);

        var key = await new ConsoleHostKeys(ec2, log, StandInClients.Fast).WaitForHostKeyAsync(InstanceId, TimeSpan.FromSeconds(10));
        Assert.Equal(FakeInstance.HostKey, key);
        Assert.Equal(1, _standIn.Journal.Count("ec2", "DescribeInstanceStatus"));
        Assert.Equal(1, _standIn.Journal.Count("ec2", "GetConsoleOutput"));
    }

    [Fact]
    public async Task Unknown_instance_is_the_error_code_the_sdk_expects()
    {
        using var ec2 = AwsClients.Ec2(StandInClients.Region, StandInClients.Credentials, _standIn.Url);
        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() => ec2.DescribeInstanceStatusAsync(new DescribeInstanceStatusRequest { InstanceIds = ["i-0nothere"] }));
        Assert.Equal("InvalidInstanceID.NotFound", error.ErrorCode);
        Assert.Contains("ec2", _standIn.Journal.Render(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Parameters_are_kept_with_versions_and_secure_strings_decrypt_only_on_request()
    {
        using var ssm = AwsClients.Ssm(StandInClients.Region, StandInClients.Credentials, _standIn.Url);
        await ssm.PutParameterAsync(new PutParameterRequest { Name = "/tableorder/rehearsal/pin", Value = "ssh-ed25519 AAAA", Type = ParameterType.SecureString });
        var again = await Assert.ThrowsAsync<ParameterAlreadyExistsException>(() => ssm.PutParameterAsync(new PutParameterRequest { Name = "/tableorder/rehearsal/pin", Value = "x", Type = ParameterType.String }));
        Assert.NotNull(again);
        var second = await ssm.PutParameterAsync(new PutParameterRequest { Name = "/tableorder/rehearsal/pin", Value = "ssh-ed25519 BBBB", Type = ParameterType.SecureString, Overwrite = true });
        Assert.Equal(2, second.Version);

        var hidden = await ssm.GetParameterAsync(new GetParameterRequest { Name = "/tableorder/rehearsal/pin" });
        Assert.NotEqual("ssh-ed25519 BBBB", hidden.Parameter.Value);
        var shown = await ssm.GetParameterAsync(new GetParameterRequest { Name = "/tableorder/rehearsal/pin", WithDecryption = true });
        Assert.Equal("ssh-ed25519 BBBB", shown.Parameter.Value);
        await Assert.ThrowsAsync<ParameterNotFoundException>(() => ssm.GetParameterAsync(new GetParameterRequest { Name = "/nothing" }));
    }

    [Fact]
    public async Task Run_command_scripts_run_in_the_instance_through_the_real_ssm_shell()
    {
        using var ssm = AwsClients.Ssm(StandInClients.Region, StandInClients.Credentials, _standIn.Url);
        using var shell = new SsmShell(ssm, InstanceId, new RecordingLog(), new SecretMasker(), new SsmShellOptions { Polling = StandInClients.Fast, OutputDirectory = Path.Combine(Path.GetTempPath(), "standin-ssm-" + Guid.NewGuid().ToString("N")) });
        var result = await shell.RunAsync("echo hello from the instance");
        Assert.Contains("hello from the instance", result.Output);
        Assert.True(_standIn.Journal.Count("ssm", "SendCommand") >= 1);
        Assert.True(_standIn.Journal.Count("ssm", "GetCommandInvocation") >= 1);
    }

    [Fact]
    public void State_survives_a_restart_of_the_stand_in()
    {
        var file = Path.Combine(Path.GetTempPath(), "standin-state-" + Guid.NewGuid().ToString("N") + ".json");
        try
        {
            var state = AwsStandInState.Load(file, StandInClients.Region);
            var secret = state.PutSecret("rds!db-tableorder", "{\"username\":\"tableorder\",\"password\":\"p1\"}");
            state.PutParameter("/a", "String", "b", overwrite: false);
            var again = AwsStandInState.Load(file, StandInClients.Region);
            Assert.Equal(secret.Arn, again.FindSecret(secret.Arn)!.Arn);
            Assert.Equal("b", again.Parameters["/a"].Value);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
        finally
        {
            File.Delete(file);
        }
    }

    private sealed class FakeInstance : IStandInInstance
    {
        public const string HostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGw4SgsLaQ8ql6xl19akr1T4eeoE1LHNaw9fUYCLcrfZ";

        public string InstanceId => AwsApiStandInTests.InstanceId;

        public string State => "running";

        public string StatusCheck => "ok";

        public string ConsoleOutput() =>
            $"[   1.0] boot\n{ConsoleHostKeys.BeginMarker}\n{HostKey} root@standin\n{ConsoleHostKeys.EndMarker}\n";

        public async Task<StandInCommandResult> RunScriptAsync(string script, CancellationToken cancellationToken)
        {
            var start = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(script);
            using var process = System.Diagnostics.Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return new StandInCommandResult(process.ExitCode, await stdout, await stderr);
        }
    }
}
