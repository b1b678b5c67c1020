using System.Text.RegularExpressions;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;

namespace TableOrder.Build.Release;

/// <summary>
/// `alembic upgrade head` on the server (the database is private in production), run as the app
/// user with the app's env file and the release's own venv, the same way systemd starts the API: the database URL comes from
/// the file, never from a command line.
/// </summary>
public static partial class Migrations
{
    public static RemoteCommand Command(string releaseId) =>
        RemoteCommand.Root(
            string.Join(' ',
                "systemd-run --quiet --wait --pipe --collect",
                $"--uid={ServerMap.AppUser} --gid={ServerMap.AppUser}",
                $"--property=EnvironmentFile={ServerMap.EnvFile}",
                $"--property=EnvironmentFile=-{ServerMap.MigrationEnvFile}",
                $"--working-directory={ServerMap.Release(releaseId)}",
                $"{ServerMap.Release(releaseId)}/{ServerMap.ReleaseVenv}/bin/python -m alembic upgrade head"),
            "alembic upgrade head") with
        { Stream = true, AllowFailure = true, Timeout = TimeSpan.FromMinutes(30) };

    /// <summary>
    /// Reads the database's alembic revisions on the server (the probe's script: psycopg2 with the
    /// migration URL, no Alembic start-up); "db=" then the revisions, or "db=?" when it cannot.
    /// </summary>
    public static RemoteCommand DatabaseRevisions() =>
        RemoteCommand.Root(
            "python3 -c " + Shell.Quote(ServerProbe.DatabaseRevisionScript.Replace("@ENV@", ServerMap.EnvFile, StringComparison.Ordinal).Replace("@MIGRATE@", ServerMap.MigrationEnvFile, StringComparison.Ordinal)) + " 2>/dev/null || echo 'db=?'",
            "read the database's revision") with
        { AllowFailure = true, Timeout = TimeSpan.FromMinutes(1) };

    /// <summary>
    /// Whether `alembic upgrade head` of <paramref name="release"/> would apply a migration: false only when
    /// the database's revisions are the release's heads; true when either cannot be read.
    /// </summary>
    public static async Task<bool> PendingAsync(IRemoteShell shell, ReleaseArchive release, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shell);
        ArgumentNullException.ThrowIfNull(release);
        var heads = MigrationHeads.Of(release);
        var line = (await shell.RunAsync(DatabaseRevisions(), cancellationToken)).Output.LastOrDefault(l => l.StartsWith("db=", StringComparison.Ordinal));
        if (heads is null || line is null || line == "db=?")
        {
            return true;
        }

        return !heads.SetEquals(line[3..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    public static async Task<IReadOnlyList<string>> UpgradeAsync(IRemoteShell shell, string releaseId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shell);
        var result = await shell.RunAsync(Command(releaseId), cancellationToken);
        var lines = result.Output.Concat(result.Errors).ToList();
        if (result.ExitCode != 0)
        {
            var failed = FailedRevision(lines);
            throw new ReleaseException(
                (failed is null
                    ? $"alembic upgrade head failed (exit code {result.ExitCode}) before it ran a revision."
                    : $"Migration to revision {failed} failed (exit code {result.ExitCode}).") +
                $" Nothing was switched: the running release is untouched. Last lines:{Environment.NewLine}" +
                string.Join(Environment.NewLine, lines.TakeLast(12)));
        }

        return lines.Select(Applied).OfType<string>().ToList();
    }

    /// <summary>The revision alembic was applying when it stopped: the last "Running upgrade A -> B".</summary>
    public static string? FailedRevision(IEnumerable<string> lines) => lines.Select(Applied).LastOrDefault(r => r is not null);

    private static string? Applied(string line)
    {
        var match = RunningUpgrade().Match(line);
        return match.Success ? match.Groups["to"].Value : null;
    }

    [GeneratedRegex(@"Running upgrade (?<from>\S*) -> (?<to>[^,\s]+)")]
    private static partial Regex RunningUpgrade();
}
