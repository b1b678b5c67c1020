using TableOrder.Build.Aws;
using Xunit;

namespace TableOrder.Build.Tests.Aws;

/// <summary>A kept pin belongs to one instance: a new instance's key comes from its own console.</summary>
[Trait("Category", "Unit")]
public sealed class KeptHostKeyTests : IDisposable
{
    private const string Key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeptKeptKeptKeptKeptKeptKeptKeptKeptKeptKe";
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("kept-host-key");
    private readonly SsmApiStandIn _ssm = new();

    public void Dispose()
    {
        _ssm.Dispose();
        _folder.Delete(recursive: true);
    }

    private KeptHostKey Kept(Amazon.SimpleSystemsManagement.IAmazonSimpleSystemsManagement client) =>
        new(client, new RecordingLog(), Path.Combine(_folder.FullName, "ssh-host-key.pin"), KeptHostKey.ParameterFor("production"));

    [Fact]
    public async Task The_pin_applies_to_its_own_instance_only()
    {
        using var client = AwsClients.Ssm(StandInClients.Region, StandInClients.Credentials, _ssm.Url);
        var kept = Kept(client);
        await kept.KeepAsync("i-0aaaaaaaaaaaaaaaa", Key);

        Assert.Equal("i-0aaaaaaaaaaaaaaaa " + Key, (await File.ReadAllTextAsync(kept.File)).Trim());
        Assert.Equal(Key, await kept.ReadAsync("i-0aaaaaaaaaaaaaaaa"));
        Assert.Null(await kept.ReadAsync("i-0bbbbbbbbbbbbbbbb"));

        // Parameter Store holds the same value, so another machine (CI) reads the same pin
        File.Delete(kept.File);
        Assert.Equal(Key, await kept.ReadAsync("i-0aaaaaaaaaaaaaaaa"));
        Assert.Null(await kept.ReadAsync("i-0bbbbbbbbbbbbbbbb"));
    }

    [Fact]
    public void A_pin_kept_before_pins_named_their_instance_still_applies()
    {
        Assert.Equal((null, Key), KeptHostKey.Parse(Key + "\n"));
        Assert.Equal(("i-0aaaaaaaaaaaaaaaa", Key), KeptHostKey.Parse(KeptHostKey.Format("i-0aaaaaaaaaaaaaaaa", Key)));
    }
}
