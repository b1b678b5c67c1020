using System.Diagnostics;
using TableOrder.Build.Remote;
using Xunit;

namespace TableOrder.Build.Tests.Remote;

/// <summary>Quoting, sudo, remote commands as data, and host-key pinning.</summary>
[Trait("Category", "Unit")]
public sealed class RemoteBasicsTests
{
    [Theory]
    [InlineData("plain")]
    [InlineData("it's")]
    [InlineData("$HOME `id` \"x\" \\ ; | &")]
    [InlineData("")]
    [InlineData("line\nbreak")]
    public async Task A_quoted_value_reaches_bash_as_one_word_unchanged(string value)
    {
        using var bash = Process.Start(new ProcessStartInfo("bash", ["-c", "printf '%s' " + Shell.Quote(value) + "; printf '|%s' \"$#\""]) { RedirectStandardOutput = true })!;
        var output = await bash.StandardOutput.ReadToEndAsync();
        await bash.WaitForExitAsync();
        Assert.Equal(value + "|0", output);
    }

    [Fact]
    public void Sudo_runs_the_whole_line_as_root_through_bash()
    {
        Assert.Equal("sudo -n -- timeout 0 bash -c 'a && b'", Shell.Sudo("a && b"));
        var command = RemoteCommand.Root("a && b", "both");
        Assert.Equal(Shell.Sudo("a && b"), command.CommandLine);
        Assert.Equal("a && b", RemoteCommand.User("a && b", "both").CommandLine);
        Assert.False(command.Stream);
        Assert.False(command.AllowFailure);
    }

    [Fact]
    public void A_pinned_key_matches_only_its_own_algorithm_and_bytes()
    {
        var key = PinnedHostKey.Parse("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl comment");

        Assert.Equal("ssh-ed25519", key.Algorithm);
        Assert.True(key.Matches("ssh-ed25519", key.KeyBlob));
        Assert.False(key.Matches("ssh-rsa", key.KeyBlob));
        Assert.False(key.Matches("ssh-ed25519", [.. key.KeyBlob.Take(key.KeyBlob.Length - 1), 0]));
        Assert.StartsWith("SHA256:", key.Fingerprint, StringComparison.Ordinal);
        Assert.DoesNotContain("=", key.Fingerprint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("ssh-ed25519")]
    [InlineData("ssh-ed25519 not*base64")]
    public void A_garbled_host_key_is_refused_with_what_was_expected(string text)
    {
        var error = Assert.Throws<RemoteException>(() => PinnedHostKey.Parse(text));
        Assert.Matches("OpenSSH public key|not valid base64", error.Message);
    }

    [Fact]
    public async Task The_fingerprint_is_the_one_ssh_keygen_prints()
    {
        var folder = Directory.CreateTempSubdirectory("hostkey-").FullName;
        try
        {
            var file = Path.Combine(folder, "key");
            using (var keygen = Process.Start("ssh-keygen", ["-q", "-t", "ed25519", "-N", string.Empty, "-f", file]))
            {
                await keygen.WaitForExitAsync();
            }

            using var print = Process.Start(new ProcessStartInfo("ssh-keygen", ["-l", "-E", "sha256", "-f", file + ".pub"]) { RedirectStandardOutput = true })!;
            var printed = (await print.StandardOutput.ReadToEndAsync()).Split(' ')[1];
            Assert.Equal(printed, PinnedHostKey.FromFile(file + ".pub").Fingerprint);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
