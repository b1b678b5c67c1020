namespace TableOrder.Build.Diagnostics;

/// <summary>
/// Replaces every registered secret with a mask in text about to be logged. One instance per
/// build, shared by every concern that prints remote or tool output.
/// </summary>
public sealed class SecretMasker : Terraform.IOutputMasker
{
    public const string Mask = "***";
    private readonly HashSet<string> _secrets = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public void Add(string? secret)
    {
        // Very short values would mask ordinary words; nobody's password is 3 characters.
        if (string.IsNullOrEmpty(secret) || secret.Length < 4)
        {
            return;
        }

        lock (_gate)
        {
            _secrets.Add(secret);
        }
    }

    public string Apply(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] secrets;
        lock (_gate)
        {
            secrets = [.. _secrets.OrderByDescending(s => s.Length)];
        }

        foreach (var secret in secrets)
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        return text;
    }
}
