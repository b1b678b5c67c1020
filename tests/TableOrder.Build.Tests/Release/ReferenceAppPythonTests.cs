using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Release;

/// <summary>
/// The reference app's pure rules under python3 alone, every tests/reference-app/test_*.py: its
/// exposure rules (app/security.py: health details for loopback only, the staff token and session,
/// the table key) and its order rules (app/ordering.py: validation, prices, transitions, numbers;
/// app/channels.py: no open name reaches a staff channel).
/// </summary>
[Trait("Category", "Unit")]
public sealed class ReferenceAppPythonTests
{
    [Fact]
    public Task The_python_unit_tests_of_the_app_pass() => PythonUnittest.PassAsync("tests/reference-app");
}
