using System.Text.Json;

namespace TableOrder.Build.Remote;

/// <summary>
/// The one machine-readable line a server script ends with (app-deploy/server/script-lib.sh, and
/// the migration wrapper): <c>tableorder-result: {"script":…,"ok":…,"exit":…,"error":…, …}</c>.
/// The build reads what a script did from this line only, never from its log sentences.
/// </summary>
public sealed class ScriptResult
{
    public const string Prefix = "tableorder-result: ";

    private readonly JsonElement fields;

    private ScriptResult(string script, JsonElement fields)
    {
        Script = script;
        this.fields = fields;
    }

    public string Script { get; }

    /// <summary>The script finished (exit 0).</summary>
    public bool Ok => fields.GetProperty("ok").GetBoolean();

    /// <summary>What the script failed with (its last error), when it said.</summary>
    public string? Error => OptionalText("error");

    /// <summary>
    /// The result line of <paramref name="script"/>: the last non-blank line of <paramref name="output"/>
    /// (stdout). A missing, malformed or foreign last line is an error naming what was there instead.
    /// </summary>
    public static ScriptResult Parse(IEnumerable<string> output, string script)
    {
        ArgumentNullException.ThrowIfNull(output);
        var last = output.LastOrDefault(l => !string.IsNullOrWhiteSpace(l))?.Trim();
        if (last is null)
        {
            throw new RemoteException($"{script} printed nothing; expected its result line ('{Prefix}{{...}}') last.");
        }

        if (!last.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new RemoteException($"{script} ended with '{last}', not its result line ('{Prefix}{{...}}'): it stopped before it finished, or it is an older copy of the script.");
        }

        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(last[Prefix.Length..]);
            root = document.RootElement.Clone();
        }
        catch (JsonException malformed)
        {
            throw new RemoteException($"{script}'s result line is not JSON ({malformed.Message}): '{last}'.", malformed);
        }

        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("script", out var name) || name.ValueKind != JsonValueKind.String
            || !root.TryGetProperty("ok", out var ok) || ok.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            throw new RemoteException($"{script}'s result line has no \"script\" and \"ok\": '{last}'.");
        }

        return name.GetString() == script
            ? new ScriptResult(script, root)
            : throw new RemoteException($"expected the result line of {script}, got one of {name.GetString()}: '{last}'.");
    }

    public int Number(string name) =>
        Field(name) is { ValueKind: JsonValueKind.Number } value && value.TryGetInt32(out var number)
            ? number
            : throw Missing(name, "a whole number");

    public string? OptionalText(string name) =>
        Field(name) switch
        {
            null or { ValueKind: JsonValueKind.Null } => null,
            { ValueKind: JsonValueKind.String } value => value.GetString(),
            _ => throw Missing(name, "a string"),
        };

    public IReadOnlyList<string> Strings(string name) =>
        Field(name) is { ValueKind: JsonValueKind.Array } value && value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String)
            ? value.EnumerateArray().Select(e => e.GetString()!).ToList()
            : throw Missing(name, "a list of strings");

    /// <summary>Throws when the script failed, with its error and <paramref name="output"/>'s last lines.</summary>
    public ScriptResult EnsureOk(IEnumerable<string> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        return Ok
            ? this
            : throw new RemoteException($"{Script} failed: {Error ?? "no error given"}. Its last lines:{Environment.NewLine}{string.Join(Environment.NewLine, output.TakeLast(12))}");
    }

    public override string ToString() => Prefix + fields.GetRawText();

    private JsonElement? Field(string name) => fields.TryGetProperty(name, out var value) ? value : null;

    private RemoteException Missing(string name, string what) =>
        new($"{Script}'s result line has no \"{name}\" ({what}): '{this}'.");
}

/// <summary>Runs a server script and reads its result line.</summary>
public static class ScriptResultRunner
{
    /// <summary>
    /// Runs <paramref name="command"/> (one of <paramref name="script"/>'s) and returns its result line;
    /// a result that is not ok throws with the script's error and last lines.
    /// </summary>
    public static async Task<ScriptResult> RunScriptAsync(this IRemoteShell shell, RemoteCommand command, string script, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shell);
        var result = await shell.RunAsync(command, cancellationToken);
        return ScriptResult.Parse(result.Output, script).EnsureOk(result.Output.Concat(result.Errors));
    }
}
