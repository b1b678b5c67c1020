using TableOrder.Build.Local;
using Xunit;

namespace TableOrder.Build.Tests.Local;

/// <summary>What the local stack installs on the host, and what only the browser tests add.</summary>
[Trait("Category", "Unit")]
public sealed class HostPackagesTests
{
    [Fact]
    public void The_browser_tests_add_debians_chromium_which_a_deploy_never_installs()
    {
        Assert.Equal([("chromium", "/usr/bin/chromium")], HostPackages.BrowserTests);
        Assert.DoesNotContain(HostPackages.Required, r => r.Package.Contains("chromium", StringComparison.Ordinal));
    }

    [Fact]
    public void A_package_is_missing_when_its_proof_is_not_on_the_host()
    {
        var packages = new[] { ("present", "/bin/sh"), ("absent", "/no/such/tableorder-proof"), ("absent", "no-such-tableorder-command") };
        Assert.Equal(["absent"], HostPackages.Missing(packages));
    }
}
