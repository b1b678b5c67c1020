using TableOrder.Build.Terraform;
using Xunit;

namespace TableOrder.Build.Tests.Terraform;

[Trait("Category", "Unit")]
public sealed class PlanApprovalTests
{
    private static readonly PlanSummary Summary = new(["aws_vpc.main"], [], [], []);

    [Fact]
    public void Auto_approve_passes_without_asking()
    {
        var output = new StringWriter();

        var decision = PlanApproval.Decide(autoApprove: true, "production", Summary, new StringReader(string.Empty), output, interactive: false);

        Assert.Equal(PlanDecision.Approved, decision);
        Assert.Equal(string.Empty, output.ToString());
    }

    [Fact]
    public void Non_interactive_without_auto_approve_is_nobody_to_ask_and_the_error_names_the_flag()
    {
        Assert.Equal(PlanDecision.NobodyToAsk, PlanApproval.Decide(autoApprove: false, "production", Summary, new StringReader("production\n"), new StringWriter(), interactive: false));

        var ex = Assert.Throws<TerraformException>(() =>
            PlanApproval.Require(autoApprove: false, "production", Summary, new StringReader("production\n"), new StringWriter(), interactive: false));
        Assert.Contains("--auto-approve", ex.Message, StringComparison.Ordinal);
        Assert.Contains("1 to add", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("production\n")]
    [InlineData("  production  \n")]
    public void Typing_the_environment_name_approves(string typed)
    {
        var output = new StringWriter();

        var decision = PlanApproval.Decide(autoApprove: false, "production", Summary, new StringReader(typed), output, interactive: true);

        Assert.Equal(PlanDecision.Approved, decision);
        Assert.Contains("Type 'production' to apply it", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("Plan: 1 to add", output.ToString(), StringComparison.Ordinal);
        PlanApproval.Require(autoApprove: false, "production", Summary, new StringReader(typed), new StringWriter(), interactive: true);
    }

    [Theory]
    [InlineData("yes\n")]
    [InlineData("Production\n")]
    [InlineData("\n")]
    [InlineData("")]
    public void Anything_else_is_not_approved(string typed)
    {
        var decision = PlanApproval.Decide(autoApprove: false, "production", Summary, new StringReader(typed), new StringWriter(), interactive: true);

        Assert.Equal(PlanDecision.NotApproved, decision);
    }

    [Fact]
    public void Not_approved_stops_with_an_error_that_says_nothing_was_applied()
    {
        var ex = Assert.Throws<TerraformException>(() =>
            PlanApproval.Require(autoApprove: false, "production", Summary, new StringReader("yes\n"), new StringWriter(), interactive: true));

        Assert.Contains("nothing was applied", ex.Message, StringComparison.Ordinal);
    }
}
