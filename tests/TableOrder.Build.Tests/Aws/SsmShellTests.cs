using System.Text;
using TableOrder.Build.Aws;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Remote;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Aws;

/// <summary>
/// SsmShell with the real SSM client against the stand-in, which runs each command's script here
/// under bash as the agent would: the wrapper, the output read-back and the uploads really execute.
/// </summary>
[Trait("Category", "Unit")]
public sealed class SsmShellTests : IDisposable
{
    private const string Instance = "i-0abc1234def567890";
    private readonly SsmApiStandIn _ssm = new();
    private readonly RecordingLog _log = new();
    private readonly TempDirectory _server = new();
    private readonly Amazon.SimpleSystemsManagement.AmazonSimpleSystemsManagementClient _client;

    public SsmShellTests() => _client = AwsClients.Ssm(StandInClients.Region, StandInClients.Credentials, _ssm.Url);

    public void Dispose()
    {
        _client.Dispose();
        _ssm.Dispose();
        _server.Dispose();
    }

    private SsmShell Shell(SsmShellOptions? options = null) => new(
        _client,
        Instance,
        _log,
        new SecretMasker(),
        (options ?? new SsmShellOptions()) with
        {
            RootHome = _server.Path,
            OutputDirectory = Path.Combine(_server.Path, "ssm-output"),
            Polling = StandInClients.Fast,
            InvocationVisibleWithin = options?.InvocationVisibleWithin ?? TimeSpan.FromSeconds(5),
        });

    [Fact]
    public async Task RunsACommandAndPrintsItsOutputWithTheLabel()
    {
        using var shell = Shell();

        var result = await shell.RunAsync("echo hello; echo warn >&2; pwd", new RemoteRunOptions { Timeout = TimeSpan.FromMinutes(3) });

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["hello", _server.Path], result.Output);
        Assert.Equal(["warn"], result.Errors);
        Assert.Contains($"[ssm:{Instance}] hello", _log.Text, StringComparison.Ordinal);
        var sent = Assert.Single(_ssm.Sent);
        Assert.Equal("AWS-RunShellScript", sent.Document);
        Assert.Equal("180", sent.ExecutionTimeout);
        Assert.Equal("echo hello; echo warn >&2; pwd", sent.Comment);
        Assert.Empty(Directory.GetFiles(Path.Combine(_server.Path, "ssm-output")));
    }

    [Fact]
    public async Task TheOutputFolderIsMadePrivateAtOnceAndKeptSo()
    {
        using var shell = Shell();

        await shell.RunAsync("echo one");
        File.SetUnixFileMode(Path.Combine(_server.Path, "ssm-output"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var second = await shell.RunAsync("echo two");

        Assert.Equal(["two"], second.Output);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(_server.Path, "ssm-output")));
        Assert.Equal("/var/lib/tableorder-ssm", new SsmShellOptions().OutputDirectory);
    }

    [Theory]
    [InlineData("link")]
    [InlineData("open")]
    [InlineData("file")]
    public async Task AnOutputFolderThatIsALinkOpenToOthersOrNoFolderIsRefusedAndNothingIsWritten(string kind)
    {
        var folder = Path.Combine(_server.Path, "ssm-output");
        var elsewhere = Directory.CreateDirectory(Path.Combine(_server.Path, "elsewhere")).FullName;
        switch (kind)
        {
            case "link":
                File.CreateSymbolicLink(folder, elsewhere);
                break;
            case "open":
                Directory.CreateDirectory(folder);
                File.SetUnixFileMode(folder, (UnixFileMode)0b111_111_111);
                break;
            default:
                File.WriteAllText(folder, "not a folder");
                break;
        }

        using var shell = Shell();
        var refused = await shell.RunAsync("echo secret-output > /dev/null; echo ran", new RemoteRunOptions { AllowFailure = true });

        Assert.Equal(125, refused.ExitCode);
        Assert.Empty(refused.Output);
        Assert.Contains("is not a private folder of", Assert.Single(refused.Errors), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(elsewhere));
        Assert.True(kind != "open" || Directory.GetFileSystemEntries(folder).Length == 0);
    }

    [Fact]
    public async Task ANonZeroExitThrowsWithTheOutputUnlessAllowed()
    {
        using var shell = Shell();

        var error = await Assert.ThrowsAsync<RemoteCommandException>(() =>
            shell.RunAsync("echo migrating; echo 'relation \"orders\" does not exist' >&2; exit 3", new RemoteRunOptions { Description = "alembic upgrade head" }));
        var allowed = await shell.RunAsync("echo no; exit 4", new RemoteRunOptions { AllowFailure = true });

        Assert.Equal(3, error.ExitCode);
        Assert.Contains("alembic upgrade head failed with exit code 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("relation \"orders\" does not exist", error.Message, StringComparison.Ordinal);
        Assert.Equal(4, allowed.ExitCode);
        Assert.Equal(["no"], allowed.Output);
    }

    [Fact]
    public async Task RetriesWhileTheInvocationDoesNotExistYet()
    {
        _ssm.Plan = _ => new SsmPlan { InvisiblePolls = 3, InProgressPolls = 2 };
        using var shell = Shell();

        var result = await shell.RunAsync("echo ok");

        Assert.Equal(["ok"], result.Output);
        // 3 invisible + 2 in progress + the final answer; a loaded machine may add a poll, never skip one.
        Assert.InRange(_ssm.CountOf("GetCommandInvocation"), 6, 9);
    }

    [Fact]
    public async Task GivesUpWhenTheInvocationNeverAppears()
    {
        _ssm.Plan = _ => new SsmPlan { InvisiblePolls = int.MaxValue };
        using var shell = Shell(new SsmShellOptions { InvocationVisibleWithin = TimeSpan.FromMilliseconds(200) });

        var error = await Assert.ThrowsAsync<RemoteException>(() => shell.RunAsync("echo ok", new RemoteRunOptions { Description = "say ok" }));

        Assert.Contains("SSM does not know command", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SsmTimedOutIsATimeoutError()
    {
        _ssm.Plan = _ => new SsmPlan { Execute = false, Status = "TimedOut", StatusDetails = "ExecutionTimedOut", ResponseCode = -1 };
        using var shell = Shell();

        var error = await Assert.ThrowsAsync<RemoteException>(() =>
            shell.RunAsync("sleep 9999", new RemoteRunOptions { Description = "bootstrap", Timeout = TimeSpan.FromMinutes(20), AllowFailure = true }));

        Assert.Contains("bootstrap did not finish within 20 minutes", error.Message, StringComparison.Ordinal);
        Assert.Contains("ExecutionTimedOut", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OurOwnDeadlineCancelsTheCommand()
    {
        _ssm.Plan = _ => new SsmPlan { NeverFinishes = true };
        using var shell = Shell(new SsmShellOptions { DeliveryTimeout = TimeSpan.Zero });

        var error = await Assert.ThrowsAsync<RemoteException>(() =>
            shell.RunAsync("sleep 9999", new RemoteRunOptions { Description = "wait forever", Timeout = TimeSpan.FromMilliseconds(300) }));

        Assert.Contains("wait forever did not finish within", error.Message, StringComparison.Ordinal);
        Assert.Contains("was cancelled", error.Message, StringComparison.Ordinal);
        Assert.Equal(_ssm.Sent.Single().CommandId, Assert.Single(_ssm.Cancelled));
    }

    [Fact]
    public async Task AnUnmanagedInstanceSaysWhatSsmNeeds()
    {
        _ssm.Unmanaged.Add(Instance);
        using var shell = Shell();

        var error = await Assert.ThrowsAsync<RemoteException>(() => shell.RunAsync("true"));

        Assert.Contains("ssm:UpdateInstanceInformation", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("AmazonSSMManagedInstanceCore", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OutputBeyondSsmsLimitIsReadBackFromTheServer()
    {
        using var shell = Shell(new SsmShellOptions { OutputS3BucketName = "tableorder-ssm-output" });

        // 3,000 lines of 20 bytes: 60,000 bytes, 2.5 times what SSM returns inline; stderr 12,000 bytes.
        var result = await shell.RunAsync(
            "for i in $(seq 1 3000); do printf 'line %014d\\n' $i; done; head -c 12000 /dev/zero | tr '\\0' 'e' >&2",
            new RemoteRunOptions { Description = "print a lot", Stream = false });

        Assert.Equal(3000, result.Output.Count);
        Assert.Equal("line 00000000000001", result.Output[0]);
        Assert.Equal("line 00000000003000", result.Output[^1]);
        Assert.Equal(12000, Assert.Single(result.Errors).Length);
        Assert.Contains("SSM returned only the first 24,000 (stdout) characters", _log.Text, StringComparison.Ordinal);
        Assert.Contains("Full output also at https://s3.ap-northeast-2.amazonaws.com/tableorder-ssm-output/", _log.Text, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(_server.Path, "ssm-output")));
        Assert.All(_ssm.Sent.Skip(1), c => Assert.DoesNotContain("print a lot", c.Comment ?? string.Empty, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheTruncationMarkerAloneAlsoTriggersTheReadBack()
    {
        using var shell = Shell();
        var first = true;
        _ssm.Plan = sent =>
        {
            if (!first)
            {
                return new SsmPlan();
            }

            first = false;

            // The agent's answer for the first command: cut, with the marker; the kept file holds it all.
            var files = sent.Script.Split('\n').Single(l => l.StartsWith("o=", StringComparison.Ordinal));
            var outFile = files.Split(';')[0][2..].Trim('\'');
            Directory.CreateDirectory(Path.GetDirectoryName(outFile)!);
            File.WriteAllText(outFile, "first\nsecond\nthird\n");
            File.WriteAllText(outFile[..^4] + ".err", string.Empty);
            return new SsmPlan { Execute = false, Stdout = "first\n--output truncated--", ResponseCode = 0 };
        };

        var result = await shell.RunAsync("irrelevant", new RemoteRunOptions { Stream = false });

        Assert.Equal(["first", "second", "third"], result.Output);
    }

    [Fact]
    public async Task UploadsInChunksThatCheckTheirSumAndNeverLogTheContent()
    {
        using var shell = Shell(new SsmShellOptions { UploadChunkBytes = 1000 });
        var secret = "DATABASE_URL=postgresql://app:S3cr3t%21@db:5432/app\n" + new string('x', 2500) + "\n";
        var target = Path.Combine(_server.Path, "app.env");

        using (var content = new MemoryStream(Encoding.UTF8.GetBytes(secret)))
        {
            await shell.UploadAsync(content, target);
        }

        Assert.Equal(secret, await File.ReadAllTextAsync(target));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(target));
        Assert.Equal(5, _ssm.Sent.Count);
        Assert.DoesNotContain("S3cr3t", _log.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(secret))[..40], _log.Text, StringComparison.Ordinal);
        Assert.All(_ssm.Sent, c => Assert.StartsWith("upload to ", c.Comment, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ARelativeUploadPathIsRelativeToTheHomeDirectory()
    {
        using var shell = Shell();
        using var content = new MemoryStream([1, 2, 3, 0, 255]);

        await shell.UploadAsync(content, ".tableorder-app.env.upload");

        Assert.Equal(new byte[] { 1, 2, 3, 0, 255 }, await File.ReadAllBytesAsync(Path.Combine(_server.Path, ".tableorder-app.env.upload")));
    }

    [Fact]
    public async Task RefusesUploadsBeyondTheCap()
    {
        using var shell = Shell(new SsmShellOptions { MaxUploadBytes = 1024 });
        using var content = new MemoryStream(new byte[2048]);

        var error = await Assert.ThrowsAsync<RemoteException>(() => shell.UploadAsync(content, "/tmp/big.tar.gz"));

        Assert.Contains("capped at 1,024 bytes", error.Message, StringComparison.Ordinal);
        Assert.Empty(_ssm.Sent);
    }
}
