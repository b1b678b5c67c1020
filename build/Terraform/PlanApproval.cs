namespace TableOrder.Build.Terraform;

/// <summary>What became of a plan waiting for approval.</summary>
public enum PlanDecision
{
    /// <summary>--auto-approve, or the person typed the environment's name.</summary>
    Approved,

    /// <summary>No terminal to ask and no --auto-approve.</summary>
    NobodyToAsk,

    /// <summary>The person typed anything but the environment's name.</summary>
    NotApproved,
}

/// <summary>Nobody changes production by accident: a person types its name, or CI passes --auto-approve.</summary>
public static class PlanApproval
{
    /// <summary>Asks when it can, and says what was decided; nothing is thrown here.</summary>
    public static PlanDecision Decide(bool autoApprove, string environmentName, PlanSummary summary, TextReader? input = null, TextWriter? output = null, bool? interactive = null)
    {
        ArgumentNullException.ThrowIfNull(summary);
        if (autoApprove)
        {
            return PlanDecision.Approved;
        }

        if (!(interactive ?? !Console.IsInputRedirected))
        {
            return PlanDecision.NobodyToAsk;
        }

        output ??= Console.Out;
        input ??= Console.In;
        output.Write($"{summary} Type '{environmentName}' to apply it: ");
        var answer = input.ReadLine()?.Trim();
        return string.Equals(answer, environmentName, StringComparison.Ordinal) ? PlanDecision.Approved : PlanDecision.NotApproved;
    }

    /// <summary>Goes on only when approved; otherwise one error that says what to do.</summary>
    public static void Require(bool autoApprove, string environmentName, PlanSummary summary, TextReader? input = null, TextWriter? output = null, bool? interactive = null)
    {
        switch (Decide(autoApprove, environmentName, summary, input, output, interactive))
        {
            case PlanDecision.NobodyToAsk:
                throw new TerraformException(
                    $"{summary} Nobody is at the keyboard to approve it. Review the plan above and run again with --auto-approve to apply exactly this plan.");
            case PlanDecision.NotApproved:
                throw new TerraformException("Not approved: nothing was applied. The saved plan is kept; run Provision again to apply it.");
        }
    }
}
