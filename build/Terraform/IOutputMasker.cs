namespace TableOrder.Build.Terraform;

/// <summary>What the addin needs from its host to keep secrets out of logs: learn a secret, mask a line.</summary>
public interface IOutputMasker
{
    void Add(string? secret);

    string Apply(string text);
}
