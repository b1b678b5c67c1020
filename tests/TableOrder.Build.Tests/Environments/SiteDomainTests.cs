using TableOrder.Build.Environments;
using TableOrder.Build.Server;
using TableOrder.Build.Terraform;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Environments;

/// <summary>The site's domain belongs to the stack: kept between runs, turned off only on purpose.</summary>
[Trait("Category", "Unit")]
public sealed class SiteDomainTests
{
    [Fact]
    public void Without_domain_the_stacks_domain_is_served_and_only_http_only_turns_it_off()
    {
        Assert.Equal("order.example.com", SiteDomain.Resolve(null, httpOnly: false, stack: "order.example.com"));
        Assert.Equal("new.example.com", SiteDomain.Resolve("new.example.com", httpOnly: false, stack: "order.example.com"));
        Assert.Null(SiteDomain.Resolve(null, httpOnly: true, stack: "order.example.com"));
        Assert.Null(SiteDomain.Resolve(null, httpOnly: false, stack: null));
    }

    [Fact]
    public void The_record_keeps_what_bootstrap_set_up_and_forgets_it_for_http_only()
    {
        using var state = new TempDirectory("site-domain");
        Assert.Null(SiteDomain.Recorded(state.Path));

        SiteDomain.Record(state.Path, "tableorder.test");
        Assert.Equal("tableorder.test", SiteDomain.Recorded(state.Path));
        Assert.False(File.Exists(Path.Combine(state.Path, SiteDomain.FileName + ".tmp")));

        SiteDomain.Record(state.Path, null);
        Assert.Null(SiteDomain.Recorded(state.Path));
    }

    [Fact]
    public void Turning_https_off_says_what_hsts_means_and_how_to_undo_it()
    {
        var warning = SiteDomain.HstsWarning("order.example.com");
        Assert.Contains("max-age=31536000", warning, StringComparison.Ordinal);
        Assert.Contains("will not open http://order.example.com/", warning, StringComparison.Ordinal);
        Assert.Contains("--domain=order.example.com", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Bootstrap_hears_http_only_and_the_load_balancers_networks_as_flags()
    {
        var policy = new ServerPolicy(true, PythonPackages.Lock) { HttpsOff = true, LoadBalancerCidrs = ["10.0.1.0/24", "10.0.4.0/24"] };
        Assert.Equal(
            "--python-deps lock --cloudwatch on --http-only --load-balancer-cidrs 10.0.1.0/24,10.0.4.0/24",
            string.Join(' ', policy.BootstrapFlags()));

        // neither: no flag at all (bootstrap.sh then keeps, or refuses to drop, the HTTPS a server has)
        Assert.Equal("--python-deps distro --cloudwatch off", string.Join(' ', new ServerPolicy(false, PythonPackages.Distro).BootstrapFlags()));
    }

    [Fact]
    public void Terraform_gives_the_single_servers_domain_and_the_load_balancers_subnets()
    {
        var outputs = TerraformOutputs.Parse("""
            {
              "site_domain": { "value": "order.example.com" },
              "load_balancer_cidrs": { "value": ["10.0.1.0/24", "10.0.4.0/24"] }
            }
            """);
        Assert.Equal("order.example.com", outputs.SiteDomain);
        Assert.Equal(["10.0.1.0/24", "10.0.4.0/24"], outputs.LoadBalancerCidrs);

        var none = TerraformOutputs.Parse("""{ "site_domain": { "value": null }, "load_balancer_cidrs": { "value": [] } }""");
        Assert.Null(none.SiteDomain);
        Assert.Empty(none.LoadBalancerCidrs);
    }
}
