using TableOrder.Build.Configuration;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Configuration;

[Trait("Category", "Unit")]
public sealed class ScaleArgumentsTests : IDisposable
{
    private readonly TempDirectory _root = new("scale-arguments");

    public ScaleArgumentsTests()
    {
        _root.WriteFile("TableOrder.Build.sln");
        _root.WriteFile("terraform/main.tf", "# root module\n");
        _root.WriteFile("app-deploy/reference-app/app/main.py", "app = None\n");
        _root.WriteFile("app-deploy/reference-app/alembic.ini", "[alembic]\n");
    }

    public void Dispose() => _root.Dispose();

    private BuildOptions Parse(Dictionary<string, string?> arguments, params string[] targets) =>
        CakeTasks.Parse(new Dictionary<string, string?>(arguments, StringComparer.OrdinalIgnoreCase), targets, _root.Path);

    [Fact]
    public void Servers_and_batch_size_are_parsed_for_a_deploy()
    {
        var options = Parse(new() { ["servers"] = "3", ["batch-size"] = "2", ["drain-timeout"] = "5" }, "Deploy");
        Assert.Equal(3, options.Scale.Servers);
        Assert.Equal(2, options.Scale.BatchSize);
        Assert.Equal(TimeSpan.FromSeconds(5), options.Scale.DrainTimeout);
    }

    [Fact]
    public void Without_servers_the_stack_keeps_its_count_and_one_server_is_rolled_at_a_time()
    {
        var options = Parse([], "Deploy");
        Assert.Null(options.Scale.Servers);
        Assert.Equal(1, options.Scale.BatchSize);
    }

    [Fact]
    public void The_rehearsal_takes_servers_its_plan_scales_out_with_them()
    {
        var options = Parse(new() { ["environment"] = "rehearsal", ["servers"] = "3" }, "Deploy");
        Assert.Equal(3, options.Scale.Servers);
    }

    [Fact]
    public void Servers_in_production_is_refused_and_names_terraforms_count()
    {
        var error = Assert.Throws<BuildArgumentException>(() => Parse(new() { ["environment"] = "production", ["servers"] = "3" }, "Deploy"));
        Assert.Contains("--servers", error.Message, StringComparison.Ordinal);
        Assert.Contains("app_server_count", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Servers_with_a_target_that_does_not_provision_is_refused()
    {
        var error = Assert.Throws<BuildArgumentException>(() => Parse(new() { ["servers"] = "3" }, "Status"));
        Assert.Contains("--servers does not apply to --target=Status", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("servers", "0")]
    [InlineData("servers", "many")]
    [InlineData("batch-size", "0")]
    public void A_count_out_of_range_names_the_argument(string name, string value)
    {
        var error = Assert.Throws<BuildArgumentException>(() => Parse(new() { [name] = value }, "Deploy"));
        Assert.StartsWith($"--{name}={value}", error.Message, StringComparison.Ordinal);
    }
}
