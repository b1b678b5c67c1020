namespace TableOrder.Build.Terraform;

/// <summary>Nobody changes production by accident: a person types its name, or CI passes --auto-approve.</summary>
public static class PlanApproval
{
    public static void Require(bool autoApprove, string environmentName, PlanSummary summary, TextReader? input = null, TextWriter? output = null, bool? interactive = null)
    {
        ArgumentNullException.ThrowIfNull(summary);
        if (autoApprove)
        {
            return;
        }

        var canAsk = interactive ?? !Console.IsInputRedirected;
        if (!canAsk)
        {
            throw new TerraformException(
                $"{summary} Nobody is at the keyboard to approve it. Review the plan above and run again with --auto-approve to apply exactly this plan.");
        }

        output ??= Console.Out;
        input ??= Console.In;
        output.Write($"{summary} Type '{environmentName}' to apply it: ");
        var answer = input.ReadLine()?.Trim();
        if (!string.Equals(answer, environmentName, StringComparison.Ordinal))
        {
            throw new TerraformException("Not approved: nothing was applied. The saved plan is kept; run Provision again to apply it.");
        }
    }
}
