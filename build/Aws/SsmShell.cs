using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using Cake.Core.Diagnostics;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Remote;
using TableOrder.Build.Signals;

namespace TableOrder.Build.Aws;

/// <summary>How <see cref="SsmShell"/> talks to SSM.</summary>
public sealed record SsmShellOptions
{
    /// <summary>
    /// Run commands as this user (a login shell: its HOME and working directory), like SSH does with
    /// the SSH user; null runs them as root in /root (the SSM agent's own user). Production should
    /// pass the instance's SSH user (admin on the Debian 13 AMI) so relative paths mean the same as over SSH.
    /// </summary>
    public string? RunAsUser { get; init; }

    /// <summary>HOME and working directory of commands run as root (the SSM agent sets neither).</summary>
    public string RootHome { get; init; } = "/root";

    /// <summary>
    /// Where the wrapper keeps each command's output on the server until it has been read: a private
    /// folder (0700, the running user's, not a link) in a folder only root may write to, made at once with its mode.
    /// </summary>
    public string OutputDirectory { get; init; } = "/var/lib/tableorder-ssm";

    /// <summary>Also keep every command's full output in this bucket (the instance role needs s3:PutObject on it).</summary>
    public string? OutputS3BucketName { get; init; }

    public string? OutputS3KeyPrefix { get; init; }

    /// <summary>How long the agent may take to pick a command up before SSM gives up on it (SendCommand TimeoutSeconds, 30 s at least).</summary>
    public TimeSpan DeliveryTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>GetCommandInvocation may say InvocationDoesNotExist for a short while right after SendCommand.</summary>
    public TimeSpan InvocationVisibleWithin { get; init; } = TimeSpan.FromSeconds(15);

    public Polling Polling { get; init; } = Polling.SsmDefault;

    /// <summary>A "still running" line at most this often while a command runs.</summary>
    public TimeSpan ProgressEvery { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Bytes of an upload per command (base64 makes 4/3 of it): well inside SSM's request limits.</summary>
    public int UploadChunkBytes { get; init; } = 24_000;

    /// <summary>Uploads go through command parameters: fine for scripts and env files, not for big archives.</summary>
    public long MaxUploadBytes { get; init; } = 5 * 1024 * 1024;

    /// <summary>Output beyond SSM's inline limits is fetched back from the server up to this many bytes per stream.</summary>
    public long MaxFetchedOutputBytes { get; init; } = 10 * 1024 * 1024;
}

/// <summary>
/// <see cref="IRemoteShell"/> over SSM Run Command (document AWS-RunShellScript): no inbound port, no
/// SSH key, the instance role and the caller's IAM identity decide. Commands run through a small
/// wrapper that keeps their stdout/stderr in files on the server (/var/lib/tableorder-ssm: 0700 root, checked before
/// each use; removed once read):
/// SSM returns only the first 24,000 characters of stdout and 8,000 of stderr, so when a result is cut
/// the rest is read back from those files in base64 chunks with follow-up commands, and nothing is
/// lost silently. SSM cannot stream: output is printed, prefixed with <see cref="Label"/>, when the
/// command ends.
/// <para>
/// Secrets: command parameters are stored with the command. Anyone allowed ssm:ListCommands sees them in
/// the Run Command history, and CloudTrail records SendCommand. So nothing secret goes through here in
/// production: the database password is read on the server by the instance role
/// (<see cref="ServerSideSecret"/>), never sent, and no command prints a secret (the staff token is read
/// from Parameter Store's API, not from a server). <see cref="UploadAsync"/> never logs what it uploads.
/// </para>
/// </summary>
public sealed class SsmShell : IRemoteShell
{
    /// <summary>SSM's inline output limits (GetCommandInvocation).</summary>
    public const int StandardOutputLimit = 24_000;
    public const int StandardErrorLimit = 8_000;
    public const string TruncatedMarker = "--output truncated--";

    /// <summary>Bytes per fetch-back command: 15,000 bytes are 20,000 base64 characters, below the 24,000 limit.</summary>
    private const int FetchChunkBytes = 15_000;

    private readonly IAmazonSimpleSystemsManagement _ssm;
    private readonly string _instanceId;
    private readonly ICakeLog _log;
    private readonly SecretMasker _masker;
    private readonly SsmShellOptions _options;

    public SsmShell(IAmazonSimpleSystemsManagement ssm, string instanceId, ICakeLog log, SecretMasker masker, SsmShellOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(ssm);
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(masker);
        _ssm = ssm;
        _instanceId = instanceId;
        _log = log;
        _masker = masker;
        _options = options ?? new SsmShellOptions();
    }

    public string Label => _options.RunAsUser is null ? $"ssm:{_instanceId}" : $"ssm:{_options.RunAsUser}@{_instanceId}";

    public async Task<RemoteResult> RunAsync(string command, RemoteRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        options ??= new RemoteRunOptions();
        _log.Write(Verbosity.Diagnostic, LogLevel.Debug, "[{0}] $ {1}", Label, _masker.Apply(command));
        using var stopping = Interruption.Process.Linked(cancellationToken);
        return await RunWrappedAsync(command, options.Description ?? command, options, stopping.Token);
    }

    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="remotePath"/> (relative paths are relative to the
    /// run-as user's home, as with SFTP) in base64 chunks through commands, then checks its SHA-256. An
    /// existing file keeps its mode and owner; a new one is created 0600. The content is never logged.
    /// </summary>
    public async Task UploadAsync(Stream content, string remotePath, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrWhiteSpace(remotePath);
        using var stopping = Interruption.Process.Linked(cancellationToken);
        cancellationToken = stopping.Token;
        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length > _options.MaxUploadBytes)
        {
            throw new RemoteException(
                $"Cannot upload {buffer.Length:N0} bytes to {remotePath} over SSM: uploads travel inside command parameters and are capped at {_options.MaxUploadBytes:N0} bytes. " +
                "Use the SSH transport for this, or put the file in the S3 bucket and fetch it on the server with the instance role.");
        }

        var bytes = buffer.ToArray();
        var target = Shell.Quote(remotePath);
        var part = Shell.Quote(remotePath + ".ssm-upload");
        var chunks = (int)Math.Max(1, (bytes.Length + (long)_options.UploadChunkBytes - 1) / _options.UploadChunkBytes);
        _log.Write(Verbosity.Verbose, LogLevel.Verbose, "[{0}] upload {1:N0} bytes to {2} in {3} command(s)", Label, bytes.Length, remotePath, chunks);
        var quiet = new RemoteRunOptions { Stream = false, Timeout = TimeSpan.FromMinutes(2) };

        await RunWrappedAsync($"umask 077 && : > {part}", $"upload to {remotePath}: start", quiet, cancellationToken);
        for (var i = 0; i < chunks; i++)
        {
            var offset = i * _options.UploadChunkBytes;
            var chunk = Convert.ToBase64String(bytes, offset, Math.Min(_options.UploadChunkBytes, bytes.Length - offset));
            if (chunk.Length > 0)
            {
                // printf is a shell builtin: the chunk is not in any process's arguments on the server.
                await RunWrappedAsync($"printf '%s' '{chunk}' | base64 -d >> {part}", $"upload to {remotePath}: part {i + 1}/{chunks}", quiet, cancellationToken);
            }
        }

        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        await RunWrappedAsync(
            $"umask 077 && echo '{sha}  '{part} | sha256sum -c --quiet - && cat {part} > {target} && rm -f {part}",
            $"upload to {remotePath}: check and install",
            quiet,
            cancellationToken);
    }

    public void Dispose()
    {
        // The SDK client belongs to the caller (one per build), like the credentials it carries.
    }

    /// <summary>The text SSM runs (public for tests and for reading): the command, its output kept in files.</summary>
    public string WrapCommand(string command, string runId)
    {
        ArgumentNullException.ThrowIfNull(command);
        var user = _options.RunAsUser is { } runAs
            ? $"runuser -l {Shell.Quote(runAs)} -c {Shell.Quote(command)}"
            : $"cd {Shell.Quote(_options.RootHome)} && HOME={Shell.Quote(_options.RootHome)} bash -c {Shell.Quote(command)}";
        var files = OutputFiles(runId);
        return string.Join(
            '\n',
            "umask 077",
            $"d={Shell.Quote(_options.OutputDirectory)}",
            // made private at once (mkdir -m); one that was there must be a folder of ours, 0700 and no link, or nothing is written
            "mkdir -m 0700 \"$d\" 2>/dev/null",
            "if [ -L \"$d\" ] || [ ! -d \"$d\" ] || [ \"$(stat -c '%u %a' \"$d\")\" != \"$(id -u) 700\" ]; then",
            "  echo \"tableorder: $d is not a private folder of $(id -un) (0700, not a link): no command output is kept there; remove it and run again\" >&2; exit 125",
            "fi",
            $"o={files.Out}; e={files.Err}",
            $"( {user} ) < /dev/null > \"$o\" 2> \"$e\"",
            "rc=$?",
            "cat \"$o\"; cat \"$e\" >&2",
            // Bytes >= characters: below these sizes SSM returned everything and the files can go now.
            $"if [ \"$(wc -c < \"$o\")\" -lt {StandardOutputLimit - 1000} ] && [ \"$(wc -c < \"$e\")\" -lt {StandardErrorLimit - 1000} ]; then rm -f \"$o\" \"$e\"; fi",
            "exit $rc");
    }

    private (string Out, string Err) OutputFiles(string runId) =>
        (Shell.Quote($"{_options.OutputDirectory}/{runId}.out"), Shell.Quote($"{_options.OutputDirectory}/{runId}.err"));

    private async Task<RemoteResult> RunWrappedAsync(string command, string description, RemoteRunOptions options, CancellationToken cancellationToken)
    {
        var shownDescription = _masker.Apply(description);
        var runId = Guid.NewGuid().ToString("N");
        var invocation = await ExecuteAsync(WrapCommand(command, runId), shownDescription, options.Timeout, cancellationToken);

        var stdout = invocation.StandardOutputContent ?? string.Empty;
        var stderr = invocation.StandardErrorContent ?? string.Empty;
        var files = OutputFiles(runId);
        var outCut = IsTruncated(stdout, StandardOutputLimit);
        var errCut = IsTruncated(stderr, StandardErrorLimit);
        if (outCut || errCut)
        {
            _log.Warning(
                "[{0}] {1}: SSM returned only the first {2} characters of the output; reading the rest from the server.{3}",
                Label,
                shownDescription,
                outCut ? $"{StandardOutputLimit:N0} (stdout)" : $"{StandardErrorLimit:N0} (stderr)",
                string.IsNullOrEmpty(invocation.StandardOutputUrl) ? string.Empty : $" Full output also at {invocation.StandardOutputUrl}");
            stdout = outCut ? await FetchFileAsync(files.Out, stdout, cancellationToken) : stdout;
            stderr = errCut ? await FetchFileAsync(files.Err, stderr, cancellationToken) : stderr;
            await ExecuteAsync($"rm -f {files.Out} {files.Err}", "remove the kept output", TimeSpan.FromMinutes(1), cancellationToken);
        }

        var output = Lines(stdout);
        var errors = Lines(stderr);
        if (options.Stream)
        {
            foreach (var line in output)
            {
                _log.Write(Verbosity.Normal, LogLevel.Information, "[{0}] {1}", Label, _masker.Apply(line));
            }

            foreach (var line in errors)
            {
                _log.Write(Verbosity.Normal, LogLevel.Warning, "[{0}] {1}", Label, _masker.Apply(line));
            }
        }

        var exitCode = invocation.ResponseCode ?? -1;
        if (invocation.Status == CommandInvocationStatus.Success)
        {
            exitCode = invocation.ResponseCode is null or -1 ? 0 : exitCode;
        }

        var result = new RemoteResult(exitCode, output, errors);
        if (exitCode != 0 && !options.AllowFailure)
        {
            throw new RemoteCommandException($"[{Label}] {shownDescription}", exitCode, [.. output.Concat(errors).TakeLast(15).Select(_masker.Apply)]);
        }

        return result;
    }

    /// <summary>SendCommand, then GetCommandInvocation until a final state; throws unless Success or Failed with an exit code.</summary>
    private async Task<GetCommandInvocationResponse> ExecuteAsync(string script, string description, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var executionSeconds = (int)Math.Clamp(Math.Ceiling(timeout.TotalSeconds), 1, 172_800);
        var request = new SendCommandRequest
        {
            DocumentName = "AWS-RunShellScript",
            InstanceIds = [_instanceId],
            Comment = description.Length <= 100 ? description : description[..97] + "...",
            Parameters = new Dictionary<string, List<string>>
            {
                ["commands"] = [script],
                ["executionTimeout"] = [executionSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            },
            TimeoutSeconds = (int)Math.Max(30, _options.DeliveryTimeout.TotalSeconds),
        };
        if (_options.OutputS3BucketName is { } bucket)
        {
            request.OutputS3BucketName = bucket;
            request.OutputS3KeyPrefix = _options.OutputS3KeyPrefix;
        }

        string commandId;
        try
        {
            commandId = (await _ssm.SendCommandAsync(request, cancellationToken)).Command.CommandId;
        }
        catch (InvalidInstanceIdException ex)
        {
            throw new RemoteException(
                $"SSM cannot run commands on {_instanceId}: {ex.Message} The instance must be running, its SSM agent online " +
                "(aws ssm describe-instance-information; on Debian, user data installs the agent), and its role must carry the stack's " +
                "SSM agent policy (<name_prefix>-ssm-agent: ssm:UpdateInstanceInformation, ec2messages:*, ssmmessages:*).",
                ex);
        }

        try
        {
            InterruptPoints.Reached("remote:" + description);
            return await WaitForInvocationAsync(commandId, description, timeout, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The build is stopping: do not leave the command running on the server.
            await TryCancelAsync(commandId);
            throw;
        }
    }

    private async Task<GetCommandInvocationResponse> WaitForInvocationAsync(string commandId, string description, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var deadline = timeout + _options.DeliveryTimeout;
        var delay = _options.Polling.Initial;
        var lastProgress = TimeSpan.Zero;
        while (true)
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = _options.Polling.Next(delay);

            GetCommandInvocationResponse invocation;
            try
            {
                invocation = await _ssm.GetCommandInvocationAsync(new GetCommandInvocationRequest { CommandId = commandId, InstanceId = _instanceId }, cancellationToken);
            }
            catch (InvocationDoesNotExistException ex)
            {
                // Eventual consistency: the invocation shows up a moment after SendCommand returns.
                if (clock.Elapsed > _options.InvocationVisibleWithin)
                {
                    throw new RemoteException($"[{Label}] {description}: SSM does not know command {commandId} on {_instanceId} after {clock.Elapsed.TotalSeconds:0}s.", ex);
                }

                continue;
            }

            var status = invocation.Status?.Value;
            switch (status)
            {
                case "Success":
                    return invocation;
                case "Failed" when invocation.ResponseCode is { } code && code != -1:
                    return invocation;
                case "Failed":
                    throw new RemoteException($"[{Label}] {description}: SSM command {commandId} failed before the script ran ({invocation.StatusDetails}).");
                case "TimedOut":
                    throw new RemoteException(
                        invocation.StatusDetails == "DeliveryTimedOut"
                            ? $"[{Label}] {description}: the SSM agent on {_instanceId} did not pick the command up within {_options.DeliveryTimeout.TotalSeconds:0}s. Is the agent online (aws ssm describe-instance-information)?"
                            : $"[{Label}] {description} did not finish within {Minutes(timeout)} on {_instanceId} (SSM: {invocation.StatusDetails}); SSM stopped it.");
                case "Cancelled":
                    throw new RemoteException($"[{Label}] {description}: SSM command {commandId} was cancelled ({invocation.StatusDetails}).");
            }

            // Pending, InProgress, Delayed, Cancelling: not final yet.
            if (clock.Elapsed > deadline)
            {
                await TryCancelAsync(commandId);
                throw new RemoteException($"[{Label}] {description} did not finish within {Minutes(timeout)} on {_instanceId} (last status {status} {invocation.StatusDetails}); the command was cancelled.");
            }

            if (clock.Elapsed - lastProgress >= _options.ProgressEvery)
            {
                lastProgress = clock.Elapsed;
                _log.Information("[{0}] {1}: {2} ({3:0}s)", Label, description, status ?? "unknown", clock.Elapsed.TotalSeconds);
            }
        }
    }

    private async Task<string> FetchFileAsync(string path, string inline, CancellationToken cancellationToken)
    {
        var size = await ExecuteAsync($"wc -c < {path}", "measure the kept output", TimeSpan.FromMinutes(1), cancellationToken);
        if (!long.TryParse((size.StandardOutputContent ?? string.Empty).Trim(), out var length) || size.ResponseCode != 0)
        {
            _log.Warning("[{0}] the full output ({1}) could not be read back: only the first part is shown.", Label, path);
            return inline;
        }

        var bytes = new MemoryStream();
        var fetched = Math.Min(length, _options.MaxFetchedOutputBytes);
        for (long offset = 0; offset < fetched; offset += FetchChunkBytes)
        {
            var chunk = await ExecuteAsync($"tail -c +{offset + 1} {path} | head -c {FetchChunkBytes} | base64 -w0", "read back the kept output", TimeSpan.FromMinutes(1), cancellationToken);
            var data = Convert.FromBase64String((chunk.StandardOutputContent ?? string.Empty).Trim());
            await bytes.WriteAsync(data, cancellationToken);
            if (data.Length < FetchChunkBytes)
            {
                break;
            }
        }

        if (length > fetched)
        {
            _log.Warning("[{0}] the output has {1:N0} bytes; only the first {2:N0} were read back.", Label, length, fetched);
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private async Task TryCancelAsync(string commandId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _ssm.CancelCommandAsync(new CancelCommandRequest { CommandId = commandId, InstanceIds = [_instanceId] }, timeout.Token);
        }
        catch (Exception ex) when (ex is AmazonSimpleSystemsManagementException or OperationCanceledException or HttpRequestException)
        {
            _log.Warning("[{0}] could not cancel SSM command {1}: {2}", Label, commandId, ex.Message);
        }
    }

    private static bool IsTruncated(string text, int limit) =>
        text.Length >= limit || text.Contains(TruncatedMarker, StringComparison.Ordinal);

    private static List<string> Lines(string text)
    {
        if (text.Length == 0)
        {
            return [];
        }

        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        if (lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return lines;
    }

    private static string Minutes(TimeSpan span) => span.TotalSeconds < 120 ? $"{span.TotalSeconds:0}s" : $"{span.TotalMinutes:0} minutes";
}
