using System.Text.Json;

namespace TableOrder.Build.Terraform;

/// <summary>
/// The plan's text summary (`terraform show` of the saved plan), the one form of a plan that leaves the
/// machine that made it (CI keeps it as the run's artifact): the binary plan holds every value in clear,
/// sensitive ones too, and is never uploaded. Written beside the plan file as &lt;plan file&gt;.txt only
/// after checking that no value the plan marks sensitive, and no secret the build knows, is in it.
/// </summary>
public static class PlanText
{
    /// <summary>Strings shorter than this are not looked for: a sensitive flag or port would match anywhere.</summary>
    private const int ShortestSecret = 8;

    public static string FileFor(string planFile) => planFile + ".txt";

    /// <summary>
    /// Writes the summary of <paramref name="plan"/> (or refuses, writing nothing), and when <paramref name="reviewedFile"/>
    /// is given requires it to read the same: what was reviewed is what gets applied.
    /// </summary>
    public static PlanResult Write(TerraformCli terraform, PlanResult plan, IOutputMasker masker, string? reviewedFile)
    {
        ArgumentNullException.ThrowIfNull(terraform);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(masker);
        var file = FileFor(plan.PlanFile);
        File.Delete(file);
        var text = terraform.ShowText(plan.PlanFile);
        var leaks = Leaks(text, terraform.Show(plan.PlanFile), masker);
        if (leaks.Count > 0)
        {
            throw new TerraformException(
                $"The plan's text would show {leaks.Count} secret value(s) ({string.Join(", ", leaks)}): no text summary was written. " +
                "Mark them sensitive in the module (sensitive = true on the variable or output) so terraform prints (sensitive value).");
        }

        File.WriteAllText(file + ".tmp", text);
        File.Move(file + ".tmp", file, overwrite: true);
        if (reviewedFile is not null)
        {
            RequireSame(text, File.ReadAllText(reviewedFile), reviewedFile);
        }

        return plan with { TextFile = file };
    }

    /// <summary>
    /// Where <paramref name="text"/> shows a value that the plan (<paramref name="showJson"/>, `terraform show -json`)
    /// marks sensitive, or a secret the masker knows: addresses and names only, never the values.
    /// </summary>
    public static IReadOnlyList<string> Leaks(string text, string showJson, IOutputMasker masker)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(masker);
        var found = new List<string>();
        foreach (var (where, value) in SensitiveValues(showJson))
        {
            if (value.Length >= ShortestSecret && text.Contains(value, StringComparison.Ordinal) && !found.Contains(where))
            {
                found.Add(where);
            }
        }

        if (masker.Apply(text) != text)
        {
            found.Add("a secret of this build");
        }

        return found;
    }

    /// <summary>Every string the plan marks sensitive, with where it is (a resource address and attribute, a variable, an output).</summary>
    public static IEnumerable<(string Where, string Value)> SensitiveValues(string showJson)
    {
        using var document = JsonDocument.Parse(showJson);
        var root = document.RootElement;
        var found = new List<(string, string)>();
        foreach (var key in new[] { "resource_changes", "resource_drift" })
        {
            if (root.TryGetProperty(key, out var changes))
            {
                foreach (var resource in changes.EnumerateArray())
                {
                    var address = resource.GetProperty("address").GetString() ?? "?";
                    var change = resource.GetProperty("change");
                    Collect(address, Property(change, "before"), Property(change, "before_sensitive"), found);
                    Collect(address, Property(change, "after"), Property(change, "after_sensitive"), found);
                }
            }
        }

        foreach (var key in new[] { "prior_state", "planned_values" })
        {
            if (root.TryGetProperty(key, out var state))
            {
                var module = state.TryGetProperty("values", out var values) ? Property(values, "root_module") : Property(state, "root_module");
                CollectModule(module, found);
                var outputs = state.TryGetProperty("values", out var stateValues) ? Property(stateValues, "outputs") : Property(state, "outputs");
                if (outputs is { ValueKind: JsonValueKind.Object } named)
                {
                    foreach (var output in named.EnumerateObject().Where(o => Property(o.Value, "sensitive") is { ValueKind: JsonValueKind.True }))
                    {
                        Collect($"output.{output.Name}", Property(output.Value, "value"), Property(output.Value, "sensitive"), found);
                    }
                }
            }
        }

        if (root.TryGetProperty("output_changes", out var outputChanges))
        {
            foreach (var output in outputChanges.EnumerateObject())
            {
                Collect($"output.{output.Name}", Property(output.Value, "before"), Property(output.Value, "before_sensitive"), found);
                Collect($"output.{output.Name}", Property(output.Value, "after"), Property(output.Value, "after_sensitive"), found);
            }
        }

        if (root.TryGetProperty("variables", out var variables) && Property(Property(Property(root, "configuration"), "root_module"), "variables") is { ValueKind: JsonValueKind.Object } declared)
        {
            foreach (var variable in variables.EnumerateObject())
            {
                if (Property(declared, variable.Name) is { } declaration && Property(declaration, "sensitive") is { ValueKind: JsonValueKind.True } mask)
                {
                    Collect($"var.{variable.Name}", Property(variable.Value, "value"), mask, found);
                }
            }
        }

        return found;
    }

    /// <summary>
    /// Refuses a plan that does not read as <paramref name="reviewed"/> (line endings and trailing blanks aside),
    /// naming the first line that differs.
    /// </summary>
    public static void RequireSame(string text, string reviewed, string reviewedFile)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(reviewed);
        var mine = Lines(text);
        var theirs = Lines(reviewed);
        for (var i = 0; i < Math.Max(mine.Count, theirs.Count); i++)
        {
            var (line, other) = (i < mine.Count ? mine[i] : "(the end)", i < theirs.Count ? theirs[i] : "(the end)");
            if (line != other)
            {
                throw new TerraformException(
                    $"This plan is not the reviewed one ({reviewedFile}): line {i + 1} reads \"{line.Trim()}\" where the reviewed plan has \"{other.Trim()}\". " +
                    "Nothing was applied: the stack or the code changed since the review. Plan again, review that plan and approve it.");
            }
        }
    }

    private static List<string> Lines(string text)
    {
        var lines = text.ReplaceLineEndings("\n").Split('\n').Select(l => l.TrimEnd()).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return lines;
    }

    private static void CollectModule(JsonElement? module, List<(string, string)> found)
    {
        if (module is not { ValueKind: JsonValueKind.Object } current)
        {
            return;
        }

        if (current.TryGetProperty("resources", out var resources))
        {
            foreach (var resource in resources.EnumerateArray())
            {
                Collect(resource.GetProperty("address").GetString() ?? "?", Property(resource, "values"), Property(resource, "sensitive_values"), found);
            }
        }

        if (current.TryGetProperty("child_modules", out var children))
        {
            foreach (var child in children.EnumerateArray())
            {
                CollectModule(child, found);
            }
        }
    }

    /// <summary>Walks <paramref name="value"/> along its sensitivity mask: under a <c>true</c>, every string is sensitive.</summary>
    private static void Collect(string where, JsonElement? value, JsonElement? mask, List<(string, string)> found)
    {
        if (value is not { } current || mask is not { } sensitive)
        {
            return;
        }

        switch (sensitive.ValueKind)
        {
            case JsonValueKind.True:
                Strings(where, current, found);
                break;
            case JsonValueKind.Object when current.ValueKind == JsonValueKind.Object:
                foreach (var field in sensitive.EnumerateObject())
                {
                    Collect($"{where}.{field.Name}", Property(current, field.Name), field.Value, found);
                }

                break;
            case JsonValueKind.Array when current.ValueKind == JsonValueKind.Array:
                var items = current.EnumerateArray().ToList();
                var masks = sensitive.EnumerateArray().ToList();
                for (var i = 0; i < Math.Min(items.Count, masks.Count); i++)
                {
                    Collect($"{where}[{i}]", items[i], masks[i], found);
                }

                break;
        }
    }

    private static void Strings(string where, JsonElement value, List<(string, string)> found)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                found.Add((where, value.GetString()!));
                break;
            case JsonValueKind.Object:
                foreach (var field in value.EnumerateObject())
                {
                    Strings($"{where}.{field.Name}", field.Value, found);
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in value.EnumerateArray())
                {
                    Strings($"{where}[{i++}]", item, found);
                }

                break;
        }
    }

    private static JsonElement? Property(JsonElement? element, string name) =>
        element is { ValueKind: JsonValueKind.Object } current && current.TryGetProperty(name, out var value) ? value : null;
}
