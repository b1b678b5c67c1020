using TableOrder.Build.Aws;
using TableOrder.Build.Remote;
using Xunit;

namespace TableOrder.Build.Tests.Aws;

[Trait("Category", "Unit")]
public sealed class ConsoleHostKeysTests : IDisposable
{
    private const string Instance = "i-0abc1234def567890";
    private const string Ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILAAOy9Q+Y0Waoh/TJ7Edw8K1QP2n5F+E/FYI5y/lugB";
    private const string Ed25519Fingerprint = "SHA256:G4AtNgopwkjTxw3/cpya2UOj9n5Ac3OKXyRyOHGoQgc";
    private const string Ecdsa = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBFVyGELTjfSbNSYOZ8O2RduTjLIo8ZyS/RsFnaR3WeRPSGFko4gpDNR3hTCaRH32VF7ZqYCvHtuUzSVaeJQQHJ0=";
    private const string Rsa = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDWDL8u3Rr/zQfWaxD0S47r30dM5ppSXNDX6jRkrCWiZmqX10iy/Xtd4px7Mj/8ER17wzzaZa2Nm2qAi4atNEBB9KeKerOpgvYPTsde8PzPdZS+v03OXRpBByy9avY6Gq4pwcJ2WMKgMNssoYQhJHwc8yjZ3ritZ+vl+Sy2XIts8w==";
    private const string Host = "root@ip-10-0-1-5.ap-northeast-2.compute.internal";

    private readonly Ec2ApiStandIn _ec2 = new();
    private readonly RecordingLog _log = new();

    public void Dispose() => _ec2.Dispose();

    /// <summary>The console of an Amazon Linux 2023 instance before cloud-init has printed the keys.</summary>
    private static string EarlyBoot => Crlf("""
        [    0.000000] Linux version 6.1.119-129.201.amzn2023.x86_64 (mockbuild@ip-10-0-59-213) (gcc (GCC) 11.4.1 20230605 (Red Hat 11.4.1-2), GNU ld version 2.39-6.amzn2023.0.10) #1 SMP PREEMPT_DYNAMIC Tue Dec  3 21:07:35 UTC 2024
        [    0.000000] Command line: BOOT_IMAGE=(hd0,gpt1)/boot/vmlinuz-6.1.119-129.201.amzn2023.x86_64 root=UUID=8f7a5d5e-7c0a-4b5e-9b39-3f0f3f1b2d44 ro console=tty0 console=ttyS0,115200n8 nvme_core.io_timeout=4294967295 rd.emergency=poweroff rd.shell=0 selinux=1 security=selinux quiet
        [    0.004512] x86/fpu: Supporting XSAVE feature 0x001: 'x87 floating point registers'
        [    1.204511] nvme nvme0: 2/0/0 default/read/poll queues
        [    1.210030]  nvme0n1: p1 p127 p128
        [    3.771201] cloud-init[1723]: Cloud-init v. 22.2.2 running 'init-local' at Fri, 27 Nov 2026 10:14:01 +0000. Up 3.75 seconds.
        [    5.123456] cloud-init[1790]: Cloud-init v. 22.2.2 running 'init' at Fri, 27 Nov 2026 10:14:02 +0000. Up 5.10 seconds.
        [    5.201934] cloud-init[1790]: ci-info: ++++++++++++++++++++++++++++++++++++++Net device info+++++++++++++++++++++++++++++++++++++++
        [    5.202110] cloud-init[1790]: ci-info: | Device |  Up  |          Address           |      Mask     | Scope  |     Hw-Address    |
        [    5.202533] cloud-init[1790]: ci-info: |  ens5  | True |         10.0.1.5           | 255.255.255.0 | global | 02:4e:7c:1a:9b:3d |
        [    6.612004] cloud-init[1790]: Generating public/private ed25519 key pair.
        [    6.612311] cloud-init[1790]: Your identification has been saved in /etc/ssh/ssh_host_ed25519_key
        [    6.612399] cloud-init[1790]: The key fingerprint is:
        [    6.612455] cloud-init[1790]: SHA256:G4AtNgopwkjTxw3/cpya2UOj9n5Ac3OKXyRyOHGoQgc root@ip-10-0-1-5.ap-northeast-2.compute.internal
        [    6.612501] cloud-init[1790]: The key's randomart image is:
        [    6.612544] cloud-init[1790]: +--[ED25519 256]--+
        [    6.612690] cloud-init[1790]: +----[SHA256]-----+

        """);

    /// <summary>The same console after cloud-init's final stage: fingerprints (ec2: prefixed) and the key block.</summary>
    private static string Booted => EarlyBoot + Crlf($"""
        [   11.902113] cloud-init[2001]: Cloud-init v. 22.2.2 running 'modules:final' at Fri, 27 Nov 2026 10:14:08 +0000. Up 11.88 seconds.
        ec2: 
        ec2: #############################################################
        ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----
        ec2: 256 SHA256:oHVbsAjV/rffc8R9+uPJwhcK4IOQJa8B1n77ikTpoRU {Host} (ECDSA)
        ec2: 256 {Ed25519Fingerprint} {Host} (ED25519)
        ec2: -----END SSH HOST KEY FINGERPRINTS-----
        ec2: #############################################################
        -----BEGIN SSH HOST KEY KEYS-----
        {Ecdsa} {Host}
        {Ed25519} {Host}
        -----END SSH HOST KEY KEYS-----
        [   12.345678] cloud-init[2001]: Cloud-init v. 22.2.2 finished at Fri, 27 Nov 2026 10:14:09 +0000. Datasource DataSourceEc2.  Up 12.33 seconds

        Amazon Linux 2023.6.20241212
        Kernel 6.1.119-129.201.amzn2023.x86_64 on an x86_64 (-)

        ip-10-0-1-5 login: 
        """);

    [Fact]
    public void PrefersEd25519FromARealCloudInitConsole()
    {
        var key = ConsoleHostKeys.PreferredKey(Booted);

        Assert.NotNull(key);
        Assert.Equal(Ed25519, key.ToString());
        Assert.Equal(Host, key.Comment);
        var pinned = PinnedHostKey.Parse(key.ToString());
        Assert.Equal("ssh-ed25519", pinned.Algorithm);
        Assert.Equal(Ed25519Fingerprint, pinned.Fingerprint);
        Assert.Equal(2, ConsoleHostKeys.Parse(Booted).Count);
    }

    [Fact]
    public void TakesTheNextBestKeyWhenThereIsNoEd25519()
    {
        var console = Crlf($"-----BEGIN SSH HOST KEY KEYS-----\n{Rsa} {Host}\n{Ecdsa} {Host}\n-----END SSH HOST KEY KEYS-----\n");

        Assert.Equal(Ecdsa, ConsoleHostKeys.PreferredKey(console)?.ToString());
    }

    [Fact]
    public void SkipsKernelNoiseInsideTheBlockAndKeysWhoseBlobIsNotTheirType()
    {
        var forged = "ssh-ed25519 " + Ecdsa.Split(' ')[1];
        var console = Crlf($"""
            -----BEGIN SSH HOST KEY KEYS-----
            {forged} {Host}
            [   12.100000] audit: type=1130 audit(1764238449.120:212): pid=1 uid=0 auid=4294967295 ses=4294967295 subj=system_u:system_r:init_t:s0 msg='unit=amazon-ssm-agent comm="systemd" res=success'
            {Ecdsa} {Host}
            -----END SSH HOST KEY KEYS-----
            """);

        var keys = ConsoleHostKeys.Parse(console);

        Assert.Equal(Ecdsa, Assert.Single(keys).ToString());
    }

    [Fact]
    public void HasNoKeyBeforeTheBlockIsComplete()
    {
        Assert.Null(ConsoleHostKeys.PreferredKey(EarlyBoot));
        Assert.Null(ConsoleHostKeys.PreferredKey(EarlyBoot + "-----BEGIN SSH HOST KEY KEYS-----\r\n" + Ed25519 + "\r\n"));
        Assert.Null(ConsoleHostKeys.PreferredKey(string.Empty));
    }

    [Fact]
    public async Task WaitsThroughAnEmptyThenAnEarlyConsoleUntilTheKeysAppear()
    {
        _ec2.Consoles(Instance, null, EarlyBoot, Booted);
        using var client = AwsClients.Ec2(StandInClients.Region, StandInClients.Credentials, _ec2.Url);

        var key = await new ConsoleHostKeys(client, _log, StandInClients.Fast).WaitForHostKeyAsync(Instance, TimeSpan.FromSeconds(10));

        Assert.Equal(Ed25519, key);
        Assert.Equal(3, _ec2.CountOf("GetConsoleOutput"));
        Assert.All(_ec2.Requests, r => Assert.Equal("true", r["Latest"]));
        Assert.Contains("no console output yet", _log.Text, StringComparison.Ordinal);
        Assert.Contains("no SSH host keys in the console output yet", _log.Text, StringComparison.Ordinal);
        Assert.Contains(Ed25519Fingerprint, _log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TimesOutTellingHowToPassTheKeyByHand()
    {
        _ec2.Consoles(Instance, EarlyBoot);
        using var client = AwsClients.Ec2(StandInClients.Region, StandInClients.Credentials, _ec2.Url);

        var error = await Assert.ThrowsAsync<AwsException>(() =>
            new ConsoleHostKeys(client, _log, StandInClients.Fast).WaitForHostKeyAsync(Instance, TimeSpan.FromMilliseconds(200)));

        Assert.Contains("--ssh-host-key=\"ssh-ed25519 AAAA...\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("no SSH host keys in the console output yet", error.Message, StringComparison.Ordinal);
    }

    private static string Crlf(string text) => text.ReplaceLineEndings("\r\n");
}
