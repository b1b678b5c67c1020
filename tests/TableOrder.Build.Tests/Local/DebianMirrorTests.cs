using TableOrder.Build.Local;
using Xunit;

namespace TableOrder.Build.Tests.Local;

/// <summary>The machine image is built from the host's own Debian archive (a local mirror too), or the one the user names.</summary>
[Trait("Category", "Unit")]
public sealed class DebianMirrorTests
{
    private const string Bookworm = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_CODENAME=bookworm\n";

    [Fact]
    public void A_deb822_host_gives_its_archive_and_its_security_archive()
    {
        const string sources = """
            Types: deb
            # http://snapshot.debian.org/archive/debian/20250520T000000Z
            URIs: http://mirror.example.lan/debian/
            Suites: bookworm bookworm-updates
            Components: main
            Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

            Types: deb
            URIs: http://security.example.lan/debian-security
            Suites: bookworm-security
            Components: main
            """;
        const string thirdParty = "Types: deb\nURIs: https://deb.nodesource.com/node_20.x\nSuites: nodistro\nComponents: main\n";

        var mirror = DebianMirror.FromSources(Bookworm, [("/etc/apt/sources.list.d/nodesource.sources", thirdParty), ("/etc/apt/sources.list.d/debian.sources", sources)]);

        Assert.Equal(new DebianMirror("http://mirror.example.lan/debian", "http://security.example.lan/debian-security"), mirror);
    }

    [Fact]
    public void A_one_line_host_behind_a_proxy_keeps_the_proxy_and_derives_security()
    {
        const string list = "# main\ndeb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://proxy.lan:3142/deb.debian.org/debian bookworm main\ndeb https://packages.cloud.google.com/apt cloud-sdk-bookworm main\n";

        var mirror = DebianMirror.FromSources(Bookworm, [("/etc/apt/sources.list", list)]);

        Assert.Equal(new DebianMirror("http://proxy.lan:3142/deb.debian.org/debian", "http://proxy.lan:3142/deb.debian.org/debian-security"), mirror);
    }

    [Fact]
    public void No_debian_entry_a_disabled_one_or_another_distribution_falls_back_to_deb_debian_org()
    {
        const string disabled = "Types: deb\nURIs: http://mirror.example.lan/debian\nSuites: bookworm\nComponents: main\nEnabled: no\n";

        Assert.Equal(DebianMirror.Default, DebianMirror.FromSources(Bookworm, [("/etc/apt/sources.list.d/debian.sources", disabled)]));
        Assert.Equal(DebianMirror.Default, DebianMirror.FromSources(Bookworm, []));
        Assert.Equal(DebianMirror.Default, DebianMirror.FromSources("ID=ubuntu\nVERSION_CODENAME=noble\n", [("/etc/apt/sources.list", "deb http://archive.ubuntu.com/ubuntu noble main\n")]));
        Assert.Equal(new DebianMirror("http://deb.debian.org/debian", "http://deb.debian.org/debian-security"), DebianMirror.Default);
    }

    [Theory]
    [InlineData("http://deb.debian.org/debian", true)]
    [InlineData("https://mirror.example.lan/debian/", true)]
    [InlineData("file:///srv/mirror/debian", true)]
    [InlineData("deb.debian.org/debian", false)]
    [InlineData("ftp://deb.debian.org/debian", false)]
    [InlineData("http://x/debian main", false)]
    [InlineData("http://x/debian';rm", false)]
    public void A_mirror_is_an_http_or_file_url_in_one_word(string value, bool valid) =>
        Assert.Equal(valid, DebianMirror.IsArchiveUrl(value));
}
