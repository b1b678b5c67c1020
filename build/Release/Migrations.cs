using System.Text.RegularExpressions;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;

namespace TableOrder.Build.Release;

/// <summary>
/// `alembic upgrade head` on the server (the database is private in production), with the release's own
/// venv, as a systemd dynamic user (<see cref="ServerMap.MigrationUser"/>, a uid of its own for the run)
/// whose only settings are the root-only migration env file (the database owner's URL): the app user can
/// read neither that file nor the migration's /proc/&lt;pid&gt;/environ, and the run cannot reach the
/// instance metadata service. The URL never appears in a command line.
/// </summary>
public static partial class Migrations
{
    public static RemoteCommand Command(string releaseId)
    {
        var release = ServerMap.Release(releaseId);
        string[] run =
        [
            "systemd-run --quiet --wait --pipe --collect",
            $"--property=DynamicUser=yes --property=User={ServerMap.MigrationUser}",
            $"--property=EnvironmentFile={ServerMap.MigrationEnvFile}",
            "--property=Environment=PYTHONDONTWRITEBYTECODE=1",
            "--property=ProtectHome=yes",
            .. ServerMap.InstanceMetadataAddresses.Split(' ').Select(a => $"--property=IPAddressDeny={a}"),
            $"--working-directory={release}",
            $"{release}/{ServerMap.ReleaseVenv}/bin/python -m alembic upgrade head",
        ];
        return RemoteCommand.Root(
            $"if [ ! -f {ServerMap.MigrationEnvFile} ]; then echo 'tableorder: {ServerMap.MigrationEnvFile} (the database owner URL for migrations) is missing: run --target=Bootstrap, which writes it' >&2; exit 3; fi; " +
            string.Join(' ', run),
            "alembic upgrade head") with
        { Stream = true, AllowFailure = true, Timeout = TimeSpan.FromMinutes(30) };
    }

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
