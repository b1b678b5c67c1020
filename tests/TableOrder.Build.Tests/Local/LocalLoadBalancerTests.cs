using TableOrder.Build.Local;
using Xunit;

namespace TableOrder.Build.Tests.Local;

[Trait("Category", "Unit")]
public sealed class LocalLoadBalancerTests
{
    [Fact]
    public void The_configuration_health_checks_every_server_on_api_health_and_opens_an_admin_socket()
    {
        var config = LocalLoadBalancer.Render(20016, "/state/haproxy/admin.sock", [("app-1", 8080, true), ("app-2", 20101, true), ("app-3", 20201, false)]);

        Assert.Contains("stats socket /state/haproxy/admin.sock mode 600 level admin", config, StringComparison.Ordinal);
        Assert.Contains("bind 127.0.0.1:20016", config, StringComparison.Ordinal);
        Assert.Contains("option httpchk GET /api/health", config, StringComparison.Ordinal);
        Assert.Contains("    server app-1 127.0.0.1:8080 check\n", config, StringComparison.Ordinal);
        Assert.Contains("    server app-2 127.0.0.1:20101 check\n", config, StringComparison.Ordinal);
        Assert.Contains("    server app-3 127.0.0.1:20201 check disabled\n", config, StringComparison.Ordinal);
        Assert.Contains("option http-server-close", config, StringComparison.Ordinal);
    }

    [Fact]
    public void Draining_and_readying_are_runtime_api_commands_on_the_app_backend()
    {
        Assert.Equal("set server app/app-2 state drain", LocalLoadBalancer.StateCommand("app-2", "drain"));
        Assert.Equal("set server app/app-1 state ready", LocalLoadBalancer.StateCommand("app-1", "ready"));
    }

    [Fact]
    public void Show_stat_is_read_by_its_header_and_keeps_only_the_backends_servers()
    {
        const string csv = """
            # pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight
            tableorder,FRONTEND,,,1,3,4096,10,0,0,0,0,0,,,,,OPEN,
            app,app-1,0,0,0,2,,5,0,0,,0,,0,0,0,0,UP,1
            app,app-2,0,0,1,2,,5,0,0,,0,,0,0,0,0,DRAIN,1
            app,app-3,0,0,0,2,,5,0,0,,0,,0,0,0,0,DOWN 1/2,1
            app,BACKEND,0,0,1,3,410,15,0,0,0,0,,0,0,0,0,UP,3

            """;

        var servers = LocalLoadBalancer.ParseStat(csv);

        Assert.Equal(["app-1", "app-2", "app-3"], servers.Select(s => s.Name));
        Assert.True(servers[0].IsUp);
        Assert.Equal(("DRAIN", 1), (servers[1].Status, servers[1].Sessions));
        Assert.False(servers[2].IsUp);
    }
}
