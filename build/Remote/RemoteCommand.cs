namespace TableOrder.Build.Remote;

/// <summary>
/// One command for the server, as data: what to run, what it is called in logs and errors, and
/// how to run it. Small pure functions build these (unit tests assert their text); one runner,
/// <see cref="RemoteCommandRunner"/>, executes them over whatever transport carries the build.
/// </summary>
public sealed record RemoteCommand(string Text, string Description)
{
    /// <summary>Run through non-interactive sudo as root.</summary>
    public bool AsRoot { get; init; }

    /// <summary>Print the output as it comes; off by default (most commands are read back).</summary>
    public bool Stream { get; init; }

    /// <summary>Return a non-zero exit as a result instead of throwing.</summary>
    public bool AllowFailure { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The line the transport runs.</summary>
    public string CommandLine => AsRoot ? Shell.Sudo(Text) : Text;

    public static RemoteCommand Root(string text, string description) => new(text, description) { AsRoot = true };

    public static RemoteCommand User(string text, string description) => new(text, description);
}

/// <summary>The one runner of remote commands, and the one upload-then-install helper.</summary>
public static class RemoteCommandRunner
{
    public static Task<RemoteResult> RunAsync(this IRemoteShell shell, RemoteCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shell);
        ArgumentNullException.ThrowIfNull(command);
        return shell.RunAsync(
            command.CommandLine,
            new RemoteRunOptions { Description = command.Description, Stream = command.Stream, AllowFailure = command.AllowFailure, Timeout = command.Timeout },
            cancellationToken);
    }

    /// <summary>
    /// Puts bytes into a root-owned file: uploaded into the login user's home with its final mode
    /// already set (secrets never pass through a command line), then installed in one rename-like
    /// step with owner and mode, and the upload removed whatever happens.
    /// </summary>
    public static async Task InstallFileAsync(this IRemoteShell shell, byte[] content, string remotePath, string mode, string owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shell);
        var upload = ".tableorder-upload-" + Path.GetFileName(remotePath);
        await shell.RunAsync(FileCommands.PrepareUpload(upload), cancellationToken);
        using (var stream = new MemoryStream(content))
        {
            await shell.UploadAsync(stream, upload, cancellationToken);
        }

        await shell.RunAsync(FileCommands.InstallUpload(upload, remotePath, mode, owner), cancellationToken);
    }
}

/// <summary>Commands for files on the server.</summary>
public static class FileCommands
{
    /// <summary>An empty 0600 file in the login user's home, so uploaded bytes are never readable by others.</summary>
    public static RemoteCommand PrepareUpload(string upload) =>
        RemoteCommand.User($"install -m 0600 /dev/null ~/{upload}", "prepare the upload of " + upload);

    /// <summary>Installs an upload as root with owner and mode (temp name, then rename), and removes it.</summary>
    public static RemoteCommand InstallUpload(string upload, string remotePath, string mode, string owner)
    {
        var path = Shell.Quote(remotePath);
        var temporary = Shell.Quote(remotePath + ".tmp");
        return RemoteCommand.User(
            $"sudo -n install -m {mode} -o {owner} -g {owner} ~/{upload} {temporary} && sudo -n mv -f {temporary} {path}; status=$?; rm -f ~/{upload}; exit $status",
            "install " + remotePath);
    }

    /// <summary>The SHA-256 of a root-readable file, or nothing when it is absent.</summary>
    public static RemoteCommand Checksum(string remotePath) =>
        RemoteCommand.Root($"sha256sum {Shell.Quote(remotePath)} 2>/dev/null | cut -d' ' -f1", "read the checksum of " + remotePath) with { AllowFailure = true };
}
