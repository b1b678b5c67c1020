using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Rehearsal;

/// <summary>
/// The rehearsal's moto launcher under python3 alone (rehearsal/moto/tests): each patch of
/// aws_patches.py restores the AWS behaviour its test asserts, and every one of those tests fails with
/// its patch left out; the bridge's tests. Needs the image's python3 with moto 5.2.1, as the rehearsal does.
/// </summary>
[Trait("Category", "Unit")]
public sealed class MotoPythonTests
{
    [Fact]
    public async Task The_python_unit_tests_of_the_patches_and_the_bridge_pass()
    {
        var report = await PythonUnittest.PassAsync("rehearsal/moto/tests");

        Assert.Contains("test_each_patch_is_needed_by_its_tests", report, StringComparison.Ordinal);
    }
}
