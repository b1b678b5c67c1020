using TableOrder.Build.Local;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Local;

/// <summary>Every local stack gets its own ports and machine name, remembered in its state folder.</summary>
[Trait("Category", "Unit")]
public sealed class LocalPortsTests
{
    [Fact]
    public void The_developer_stack_takes_the_documented_ports_when_they_are_free()
    {
        using var state = new TempDirectory("ports");
        Assert.Equal(LocalPorts.Defaults, LocalPorts.Choose(state.Path, preferDefaults: true, _ => false));
    }

    [Fact]
    public void Any_other_stack_or_a_taken_default_gets_a_free_block_of_its_own()
    {
        using var state = new TempDirectory("ports");
        var taken = new HashSet<int> { 8080 };
        var chosen = LocalPorts.Choose(state.Path, preferDefaults: true, taken.Contains);
        Assert.NotEqual(LocalPorts.Defaults, chosen);
        Assert.All(chosen.All, p => Assert.InRange(p, 20000, 30009));
        Assert.Equal(10, chosen.All.Distinct().Count());

        // A taken port in the derived block moves the stack on to the next block.
        var blocked = LocalPorts.Choose(state.Path, preferDefaults: false, p => p == chosen.Http);
        Assert.DoesNotContain(chosen.Http, blocked.All);
    }

    [Fact]
    public void Different_state_folders_get_different_blocks_and_each_remembers_its_own()
    {
        using var root = new TempDirectory("ports");
        var a = LocalPorts.LoadOrChoose(root.CreateDirectory("a"), preferDefaults: false, _ => false);
        var b = LocalPorts.LoadOrChoose(root.CreateDirectory("b"), preferDefaults: false, _ => false);
        Assert.NotEqual(a, b);
        Assert.Equal(a, LocalPorts.LoadOrChoose(root.Combine("a"), preferDefaults: false, _ => true));
        Assert.Equal(a, LocalPorts.Load(root.Combine("a")));
        Assert.Null(LocalPorts.Load(root.Combine("none")));
    }

    [Fact]
    public void Machine_names_differ_by_state_folder()
    {
        Assert.Equal("tableorder-app", LocalPorts.MachineName("/repo/.tableorder/local", developerStack: true));
        var test = LocalPorts.MachineName("/repo/.tableorder/test/local", developerStack: false);
        var other = LocalPorts.MachineName("/other/.tableorder/test/local", developerStack: false);
        Assert.StartsWith("tableorder-local-", test, StringComparison.Ordinal);
        Assert.NotEqual(test, other);
    }
}
