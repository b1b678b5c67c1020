using System.Diagnostics;
using TableOrder.Build.Local;
using TableOrder.Build.Tests.Aws;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Local;

[Trait("Category", "Unit")]
public sealed class LocalRedisTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly TempDirectory _temp = new();
    private readonly LocalLayout _layout;
    private readonly LocalRedis _redis;

    public LocalRedisTests()
    {
        _layout = new LocalLayout(_temp.Combine("state"), _temp.Combine("cache"), _temp.Path);
        _redis = new LocalRedis(_layout, new LocalProcess(new RecordingLog()), new RecordingLog());
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void TheConfigIsTlsOnlyWithServerAuthenticationAndAPassword()
    {
        var config = LocalRedis.Config(_layout, "s3cret", "/t/ca.pem", "/t/redis.pem", "/t/redis.key").Split('\n');

        Assert.Contains("port 0", config);
        Assert.Contains($"tls-port {_layout.Ports.Redis}", config);
        Assert.Contains("tls-cert-file /t/redis.pem", config);
        Assert.Contains("tls-key-file /t/redis.key", config);
        Assert.Contains("tls-ca-cert-file /t/ca.pem", config);
        Assert.Contains("tls-auth-clients no", config);
        Assert.Contains("requirepass s3cret", config);
        Assert.Contains("bind 127.0.0.1", config);
        Assert.DoesNotContain(config, l => l.StartsWith($"port {_layout.Ports.Redis}", StringComparison.Ordinal));
    }

    [Fact]
    public void TheUrlIsRedissWithThePassword()
    {
        Assert.Equal("rediss://:abc@127.0.0.1:6390/0", LocalRedis.RedisUrlFor("abc", 6390));
        Assert.Equal("rediss://:a%2Fb@127.0.0.1:6390/0", LocalRedis.RedisUrlFor("a/b", 6390));
    }

    [Fact]
    public void TheConfigFileIsCreated0600AndRewrittenSo()
    {
        _redis.WriteConfig("first-password");
        _redis.WriteConfig("second-password");

        var file = Path.Combine(_layout.RedisDirectory, "redis.conf");
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(file));
        Assert.Contains("requirepass second-password\n", File.ReadAllText(file), StringComparison.Ordinal);
    }

    [Fact]
    public void CreateOwnerOnlyRefusesToReuseAFileThatExists()
    {
        var file = _temp.WriteFile("exists.conf", "x");

        Assert.Throws<IOException>(() => LocalRedis.CreateOwnerOnly(file, "secret"));
    }

    [Fact]
    public void MakesACaAndAServerCertificateFor127001OnceWithPrivateKeys()
    {
        _redis.EnsureCertificates();
        var directory = _layout.RedisTlsDirectory;
        var serverCertificate = Path.Combine(directory, "redis.pem");
        var firstCertificate = File.ReadAllText(serverCertificate);
        _redis.EnsureCertificates();

        Assert.Equal(firstCertificate, File.ReadAllText(serverCertificate));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(Path.Combine(directory, "ca.key")));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(Path.Combine(directory, "redis.key")));
        Assert.Equal(_redis.CaCertificateFile, Path.Combine(directory, "ca.pem"));
        Assert.Equal((0, $"{serverCertificate}: OK"), OpenSsl("verify", "-CAfile", _redis.CaCertificateFile, "-purpose", "sslserver", serverCertificate));
        var (code, text) = OpenSsl("x509", "-in", serverCertificate, "-noout", "-ext", "subjectAltName", "-checkip", "127.0.0.1");
        Assert.Equal(0, code);
        Assert.Contains("IP Address:127.0.0.1", text, StringComparison.Ordinal);
        Assert.Contains("does match certificate", text, StringComparison.Ordinal);
    }

    private static (int Code, string Output) OpenSsl(params string[] arguments)
    {
        var start = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Trim());
    }
}
