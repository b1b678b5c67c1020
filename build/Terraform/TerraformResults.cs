using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace TableOrder.Build.Terraform;

/// <summary>A terraform command failed; the message says what to do.</summary>
public sealed class TerraformException(string message) : Exception(message);

/// <summary>Terraform's version, checked against the oldest this build supports.</summary>
public sealed record TerraformVersion(Version Version)
{
    public static readonly Version Minimum = new(1, 7, 0);

    public bool IsSupported => Version >= Minimum;

    public static TerraformVersion Parse(string versionJson)
    {
        using var document = JsonDocument.Parse(versionJson);
        var text = document.RootElement.GetProperty("terraform_version").GetString() ?? string.Empty;
        var core = text.Split('-', '+')[0];
        return Version.TryParse(core, out var version)
            ? new TerraformVersion(version)
            : throw new TerraformException($"terraform reported a version this build cannot read: '{text}'.");
    }
}

/// <summary>What `terraform validate -json` found.</summary>
public sealed record ValidationReport(bool Valid, int ErrorCount, int WarningCount, IReadOnlyList<ValidationDiagnostic> Diagnostics)
{
    public static ValidationReport Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var diagnostics = new List<ValidationDiagnostic>();
        if (root.TryGetProperty("diagnostics", out var items))
        {
            foreach (var item in items.EnumerateArray())
            {
                string? file = null;
                int? line = null;
                if (item.TryGetProperty("range", out var range))
                {
                    file = range.GetProperty("filename").GetString();
                    line = range.GetProperty("start").GetProperty("line").GetInt32();
                }

                diagnostics.Add(new ValidationDiagnostic(
                    item.GetProperty("severity").GetString() ?? "error",
                    item.GetProperty("summary").GetString() ?? string.Empty,
                    item.TryGetProperty("detail", out var detail) ? detail.GetString() : null,
                    file,
                    line));
            }
        }

        return new ValidationReport(
            root.GetProperty("valid").GetBoolean(),
            root.GetProperty("error_count").GetInt32(),
            root.GetProperty("warning_count").GetInt32(),
            diagnostics);
    }
}

public sealed record ValidationDiagnostic(string Severity, string Summary, string? Detail, string? File, int? Line)
{
    public override string ToString() =>
        $"{Severity}: {Summary}{(File is null ? string.Empty : $" ({File}:{Line})")}{(string.IsNullOrWhiteSpace(Detail) ? string.Empty : $" - {Detail}")}";
}

/// <summary>What a saved plan would do, read from `terraform show -json`.</summary>
public sealed record PlanSummary(IReadOnlyList<string> Add, IReadOnlyList<string> Change, IReadOnlyList<string> Replace, IReadOnlyList<string> Destroy)
{
    public bool HasChanges => Add.Count + Change.Count + Replace.Count + Destroy.Count > 0;

    public static PlanSummary Parse(string showJson)
    {
        List<string> add = [], change = [], replace = [], destroy = [];
        using var document = JsonDocument.Parse(showJson);
        if (document.RootElement.TryGetProperty("resource_changes", out var changes))
        {
            foreach (var resource in changes.EnumerateArray())
            {
                var address = resource.GetProperty("address").GetString() ?? "?";
                var actions = resource.GetProperty("change").GetProperty("actions").EnumerateArray().Select(a => a.GetString()).ToArray();
                var target = actions switch
                {
                    ["create"] => add,
                    ["update"] => change,
                    ["delete"] => destroy,
                    ["delete", "create"] or ["create", "delete"] => replace,
                    _ => null,
                };
                target?.Add(address);
            }
        }

        return new PlanSummary(add, change, replace, destroy);
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"Plan: {Add.Count} to add, {Change.Count} to change, {Replace.Count} to replace, {Destroy.Count} to destroy.");

    /// <summary>The counts, as data for the run summary.</summary>
    public IReadOnlyDictionary<string, int> Counts() => new Dictionary<string, int>
    {
        ["add"] = Add.Count,
        ["change"] = Change.Count,
        ["replace"] = Replace.Count,
        ["destroy"] = Destroy.Count,
    };
}

/// <summary>What an apply or destroy did, from terraform's last line ("Apply complete! Resources: 46 added, 0 changed, 0 destroyed.").</summary>
public sealed partial record ApplyResult(int Added, int Changed, int Destroyed)
{
    public static ApplyResult? FromOutput(IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        foreach (var line in lines.Reverse())
        {
            var match = CompletePattern().Match(line);
            if (match.Success)
            {
                static int Count(Group g) => g.Success ? int.Parse(g.Value, CultureInfo.InvariantCulture) : 0;
                return new ApplyResult(Count(match.Groups["added"]), Count(match.Groups["changed"]), Count(match.Groups["destroyed"]));
            }
        }

        return null;
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Added} added, {Changed} changed, {Destroyed} destroyed");

    [GeneratedRegex(@"(?:Apply|Destroy) complete! Resources: (?:(?<added>\d+) added, (?<changed>\d+) changed, )?(?<destroyed>\d+) destroyed")]
    private static partial Regex CompletePattern();
}

/// <summary>The result of `terraform plan -detailed-exitcode`: 0 no changes, 2 changes.</summary>
/// <param name="TextFile">The plan's text summary beside it (<see cref="PlanText"/>), once written.</param>
public sealed record PlanResult(bool HasChanges, string PlanFile, PlanSummary Summary, string? TextFile = null);

/// <summary>Counts from the last line of `terraform test`.</summary>
public sealed partial record TestReport(int Passed, int Failed, int Skipped)
{
    public static TestReport? FromSummaryLine(string line)
    {
        var match = SummaryPattern().Match(line ?? string.Empty);
        if (!match.Success)
        {
            return null;
        }

        static int Count(Group g) => g.Success ? int.Parse(g.Value, CultureInfo.InvariantCulture) : 0;
        return new TestReport(Count(match.Groups["passed"]), Count(match.Groups["failed"]), Count(match.Groups["skipped"]));
    }

    [GeneratedRegex(@"(?<passed>\d+) passed, (?<failed>\d+) failed(?:, (?<skipped>\d+) skipped)?")]
    private static partial Regex SummaryPattern();
}
