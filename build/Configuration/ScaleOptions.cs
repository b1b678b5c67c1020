namespace TableOrder.Build.Configuration;

/// <summary>How many app servers the local stack or the rehearsal runs, and how a roll-out goes across them.</summary>
public sealed record ScaleOptions
{
    /// <summary>--servers: the local stack's (or the rehearsal's) app-server machines; null: as many as the stack has (servers.json), 1 for a new stack.</summary>
    public int? Servers { get; init; }

    /// <summary>--batch-size: servers drained and switched together in a rolling Activate or Rollback.</summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>--drain-timeout: the longest wait for a drained server's open sessions (an SSE stream reconnects) before its switch.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
