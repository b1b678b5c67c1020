using System.Diagnostics;

namespace TableOrder.Build.Remote;

/// <summary>
/// Counts what a run asks of the server: connections, commands, uploads, and the time spent
/// waiting for them. The run summary reports it, so a benchmark can tell a no-op's one round trip.
/// </summary>
public sealed class RemoteMeter
{
    private long _connects;
    private long _commands;
    private long _uploads;
    private long _ticks;

    public int Connects => (int)Interlocked.Read(ref _connects);

    public int Commands => (int)Interlocked.Read(ref _commands);

    public int Uploads => (int)Interlocked.Read(ref _uploads);

    /// <summary>Round trips to the server after connecting: commands and uploads.</summary>
    public int Calls => Commands + Uploads;

    public double Seconds => Math.Round(TimeSpan.FromTicks(Interlocked.Read(ref _ticks)).TotalSeconds, 3);

    /// <summary>Times making a connection (SSH's handshake counts; SSM has none).</summary>
    public async Task<T> ConnectAsync<T>(Func<Task<T>> connect)
    {
        ArgumentNullException.ThrowIfNull(connect);
        var clock = Stopwatch.StartNew();
        try
        {
            return await connect();
        }
        finally
        {
            Interlocked.Increment(ref _connects);
            Interlocked.Add(ref _ticks, clock.Elapsed.Ticks);
        }
    }

    /// <summary>Wraps a connection so that each command and upload is counted and timed.</summary>
    public IRemoteShell Wrap(IRemoteShell shell) => new MeteredShell(shell, this);

    private void Count(ref long counter, TimeSpan elapsed)
    {
        Interlocked.Increment(ref counter);
        Interlocked.Add(ref _ticks, elapsed.Ticks);
    }

    private sealed class MeteredShell(IRemoteShell inner, RemoteMeter meter) : IRemoteShell
    {
        public string Label => inner.Label;

        public async Task<RemoteResult> RunAsync(string command, RemoteRunOptions? options = null, CancellationToken cancellationToken = default)
        {
            var clock = Stopwatch.StartNew();
            try
            {
                return await inner.RunAsync(command, options, cancellationToken);
            }
            finally
            {
                meter.Count(ref meter._commands, clock.Elapsed);
            }
        }

        public async Task UploadAsync(Stream content, string remotePath, CancellationToken cancellationToken = default)
        {
            var clock = Stopwatch.StartNew();
            try
            {
                await inner.UploadAsync(content, remotePath, cancellationToken);
            }
            finally
            {
                meter.Count(ref meter._uploads, clock.Elapsed);
            }
        }

        public void Dispose() => inner.Dispose();
    }
}
