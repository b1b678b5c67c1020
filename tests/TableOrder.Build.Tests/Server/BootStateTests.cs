using TableOrder.Build.Server;
using Xunit;

namespace TableOrder.Build.Tests.Server;

[Trait("Category", "Unit")]
public sealed class BootStateTests
{
    [Fact]
    public void Waiting_for_boot_waits_for_cloud_init_where_there_is_one_then_prints_both_states()
    {
        var command = ServerBootstrap.WaitForBoot();

        Assert.Contains("if command -v cloud-init >/dev/null; then cloud-init status --wait", command.Text, StringComparison.Ordinal);
        Assert.Contains("echo 'cloud-init: none'", command.Text, StringComparison.Ordinal);
        Assert.EndsWith("echo \"system: $(systemctl is-system-running --wait 2>/dev/null)\"", command.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cloud-init: done", "system: running", "done", "running", false)]
    [InlineData("cloud-init: error", "system: degraded", "error", "degraded", true)]
    [InlineData("cloud-init: none", "system: running", "none", "running", false)]
    [InlineData("cloud-init:", "system: ", "unknown", "unknown", false)]
    public void The_two_lines_become_the_boot_state(string cloudInitLine, string systemLine, string cloudInit, string system, bool failed)
    {
        var state = ServerBootstrap.ParseBootState([cloudInitLine, systemLine]);

        Assert.Equal(new BootState(system, cloudInit), state);
        Assert.Equal(failed, state.CloudInitFailed);
    }
}
