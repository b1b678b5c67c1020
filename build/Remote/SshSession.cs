using System.Net.Sockets;
using Cake.Core.Diagnostics;
using Polly;
using Polly.Retry;
using Renci.SshNet;
using Renci.SshNet.Common;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Signals;

namespace TableOrder.Build.Remote;

/// <summary>
/// One SSH connection to the app server, reused for every command of a task. The server must
/// present the pinned host key or nothing is sent; output streams live, prefixed with the host.
/// </summary>
public sealed class SshSession : IRemoteShell
{
    private readonly SshTarget _target;
    private readonly ICakeLog _log;
    private readonly SecretMasker _masker;
    private readonly SshClient _ssh;
    private SftpClient? _sftp;
    private string? _rejectedHostKey;

    private SshSession(SshTarget target, ICakeLog log, SecretMasker masker)
    {
        _target = target;
        _log = log;
        _masker = masker;
        _ssh = new SshClient(CreateConnectionInfo());
        _ssh.HostKeyReceived += CheckHostKey;
    }

    public string Label => _target.Label;

    /// <summary>How long one connection attempt may take.</summary>
    public static TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Connects, retrying while the server is not reachable yet (booting, sshd starting) for up to
    /// <paramref name="waitFor"/>. A wrong host key is never retried: it fails at once.
    /// </summary>
    public static async Task<SshSession> ConnectAsync(SshTarget target, ICakeLog log, SecretMasker masker, TimeSpan waitFor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(log);
        if (!File.Exists(target.PrivateKeyPath))
        {
            throw new RemoteException($"The SSH private key '{target.PrivateKeyPath}' does not exist. Pass --ssh-key=<path>.");
        }

        using var stopping = Interruption.Process.Linked(cancellationToken);
        cancellationToken = stopping.Token;
        var started = DateTime.UtcNow;
        var pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<SocketException>().Handle<SshConnectionException>().Handle<SshOperationTimeoutException>().Handle<ProxyException>(),
                MaxRetryAttempts = int.MaxValue,
                Delay = TimeSpan.FromSeconds(1),
                BackoffType = DelayBackoffType.Exponential,
                MaxDelay = TimeSpan.FromSeconds(5),
                OnRetry = args =>
                {
                    if (DateTime.UtcNow - started > waitFor)
                    {
                        throw new RemoteException(
                            $"Could not reach sshd at {target.Label} within {waitFor.TotalSeconds:0}s: {args.Outcome.Exception?.Message}. Check that the server is up and port {target.Port} is open to you.",
                            args.Outcome.Exception);
                    }

                    log.Information("Waiting for sshd at {0} ({1:0}s): {2}", target.Label, (DateTime.UtcNow - started).TotalSeconds, args.Outcome.Exception?.Message ?? "not ready");
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

        return await pipeline.ExecuteAsync(
            async token =>
            {
                var session = new SshSession(target, log, masker);
                try
                {
                    await session._ssh.ConnectAsync(token);
                    log.Verbose("SSH: connected to {0}, host key {1} {2}", target.Label, target.HostKey.Algorithm, target.HostKey.Fingerprint);
                    return session;
                }
                catch (Exception ex) when (session._rejectedHostKey is not null)
                {
                    session.Dispose();
                    throw new HostKeyMismatchException(target, session._rejectedHostKey, ex);
                }
                catch
                {
                    session.Dispose();
                    throw;
                }
            },
            cancellationToken);
    }

    public async Task<RemoteResult> RunAsync(string command, RemoteRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        options ??= new RemoteRunOptions();
        var description = options.Description ?? command;
        _log.Write(Verbosity.Diagnostic, LogLevel.Debug, "[{0}] $ {1}", Label, _masker.Apply(command));

        // Interrupted, SSH.NET sends the command SIGTERM (sshd signals its process group) and stops waiting.
        using var stopping = Interruption.Process.Linked(cancellationToken);
        using var ssh = _ssh.CreateCommand(command);
        ssh.CommandTimeout = options.Timeout;
        var output = new List<string>();
        var errors = new List<string>();
        var point = "remote:" + description + ": ";
        var execution = ssh.ExecuteAsync(stopping.Token);
        var stdout = PumpAsync(ssh.OutputStream, output, LogLevel.Information, options.Stream, point);
        var stderr = PumpAsync(ssh.ExtendedOutputStream, errors, LogLevel.Warning, options.Stream, point);
        try
        {
            await execution;
        }
        catch (SshOperationTimeoutException ex)
        {
            throw new RemoteException($"{description} did not finish within {options.Timeout.TotalMinutes:0} minutes on {Label}.", ex);
        }
        catch (OperationCanceledException) when (Interruption.Process.IsRequested)
        {
            _log.Warning("[{0}] {1}: stopped (SIGTERM sent to it on the server).", Label, _masker.Apply(description));
            throw;
        }

        await Task.WhenAll(stdout, stderr);
        var exitCode = ssh.ExitStatus ?? -1;
        var result = new RemoteResult(exitCode, output, errors);
        if (exitCode != 0 && !options.AllowFailure)
        {
            throw new RemoteCommandException($"[{Label}] {description}", exitCode, [.. output.Concat(errors).TakeLast(15).Select(_masker.Apply)]);
        }

        return result;
    }

    public async Task UploadAsync(Stream content, string remotePath, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (_sftp is null)
        {
            var sftp = new SftpClient(CreateConnectionInfo());
            sftp.HostKeyReceived += CheckHostKey;
            await sftp.ConnectAsync(cancellationToken);
            _sftp = sftp;
        }

        using var stopping = Interruption.Process.Linked(cancellationToken);
        await _sftp.UploadFileAsync(content, remotePath, true, null, stopping.Token);
    }

    public void Dispose()
    {
        _sftp?.Dispose();
        _ssh.Dispose();
    }

    private async Task PumpAsync(Stream stream, List<string> lines, LogLevel level, bool echo, string point)
    {
        using var reader = new StreamReader(stream);
        while (await reader.ReadLineAsync() is { } line)
        {
            lines.Add(line);
            _log.Write(echo ? Verbosity.Normal : Verbosity.Diagnostic, echo ? level : LogLevel.Debug, "[{0}] {1}", Label, _masker.Apply(line));
            InterruptPoints.Reached(point + line);
        }
    }

    private ConnectionInfo CreateConnectionInfo()
    {
        var key = new PrivateKeyFile(_target.PrivateKeyPath);
        return new ConnectionInfo(_target.Host, _target.Port, _target.User, new PrivateKeyAuthenticationMethod(_target.User, key))
        {
            Timeout = ConnectTimeout,
        };
    }

    private void CheckHostKey(object? sender, HostKeyEventArgs e)
    {
        e.CanTrust = _target.HostKey.Matches(e.HostKeyName, e.HostKey);
        if (!e.CanTrust)
        {
            _rejectedHostKey = $"{e.HostKeyName} {e.FingerPrintSHA256}";
        }
    }
}

/// <summary>The server presented a key other than the pinned one: nothing was sent to it.</summary>
public sealed class HostKeyMismatchException(SshTarget target, string presented, Exception inner)
    : RemoteException(
        $"Host key of {target.Label} does not match the pinned key: expected {target.HostKey.Algorithm} {target.HostKey.Fingerprint}, got {presented}. " +
        "Nothing was sent. If the server was rebuilt, pin its new key; otherwise someone may be in the middle.",
        inner);
