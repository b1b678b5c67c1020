namespace TableOrder.Build.Remote;

/// <summary>What the pipeline needs from a server connection, whatever carries it (SSH now; SSM later).</summary>
public interface IRemoteShell : IDisposable
{
    string Label { get; }

    /// <summary>Runs a command; output streams live with a host prefix; a non-zero exit throws unless allowed.</summary>
    Task<RemoteResult> RunAsync(string command, RemoteRunOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Writes bytes to a remote file (never through the command line, so secrets stay out of process lists).</summary>
    Task UploadAsync(Stream content, string remotePath, CancellationToken cancellationToken = default);
}

/// <summary>How to run one remote command.</summary>
public sealed record RemoteRunOptions
{
    /// <summary>Shown in logs and errors instead of the command text.</summary>
    public string? Description { get; init; }

    /// <summary>Print the output lines as they come (default) or keep them quiet.</summary>
    public bool Stream { get; init; } = true;

    /// <summary>Return the result instead of throwing on a non-zero exit.</summary>
    public bool AllowFailure { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(20);
}

public sealed record RemoteResult(int ExitCode, IReadOnlyList<string> Output, IReadOnlyList<string> Errors)
{
    public string Text => string.Join('\n', Output);
}
