using TableOrder.Build.Remote;
using TableOrder.Build.Server;

namespace TableOrder.Build.Release;

/// <summary>
/// `alembic upgrade head` on the server (the database is private in production), with the release's own
/// venv, as a systemd dynamic user (<see cref="ServerMap.MigrationUser"/>, a uid of its own for the run)
/// whose only settings are the root-only migration env file (the database owner's URL): the app user can
/// read neither that file nor the migration's /proc/&lt;pid&gt;/environ, and the run cannot reach the
/// instance metadata service. The URL never appears in a command line. Alembic runs through a small
/// wrapper (<see cref="WrapperScript"/>) that ends with a result line: what was applied, which revision failed.
/// </summary>
public static class Migrations
{
    /// <summary>The "script" of the wrapper's result line.</summary>
    public const string Script = "migrate";

    /// <summary>
    /// `alembic upgrade head` through Alembic's own API (as its command does), with the app's env.py
    /// (its URL, its transactions). Each revision's upgrade() is wrapped to know which one was running
    /// when the run failed; what was applied is the database's revisions after the run against before
    /// it, read as `alembic current` reads them. Prints one result line on stdout (Alembic logs to
    /// stderr): {"script":"migrate","ok":…,"applied":[…],"failed":REVISION|null,"error":…}.
    /// </summary>
    public const string WrapperScript = """
        import functools
        import json
        from alembic.config import Config
        from alembic.runtime.environment import EnvironmentContext
        from alembic.script import ScriptDirectory

        config = Config("alembic.ini")
        script = ScriptDirectory.from_config(config)
        running = []


        def result(**fields):
            print("@PREFIX@" + json.dumps({"script": "@SCRIPT@", **fields}), flush=True)


        def database_heads():
            heads = []

            def read(rev, context):
                heads.extend(context.get_current_heads())
                return []

            with EnvironmentContext(config, script, fn=read, dont_mutate=True):
                script.run_env()
            return sorted(heads)


        def between(upper, lower):
            if not upper:
                return []
            return [r.revision for r in reversed(list(script.iterate_revisions(tuple(upper), tuple(lower) or "base")))]


        def recorded(revision, upgrade):
            @functools.wraps(upgrade)
            def wrapped(*args, **kwargs):
                running.append(revision)
                upgrade(*args, **kwargs)
                running.pop()
            return wrapped


        for revision in script.walk_revisions():
            revision.module.upgrade = recorded(revision.revision, revision.module.upgrade)

        before = None
        try:
            before = database_heads()
            with EnvironmentContext(config, script, fn=lambda rev, context: script._upgrade_revs("head", rev), destination_rev="head"):
                script.run_env()
        except BaseException as error:
            failed = running[-1] if running else None
            message = (str(error).strip().splitlines() or [""])[0][:500]
            try:
                applied = between(database_heads(), before) if before is not None else None
            except BaseException:
                applied = None
            result(ok=False, failed=failed, applied=applied, error=type(error).__name__ + (": " + message if message else ""))
            raise
        after = database_heads()
        result(ok=True, applied=between(after, before), heads=after)
        """;

    /// <summary>The wrapper as the release's python runs it (the result line's prefix and name filled in).</summary>
    public static string Wrapper() =>
        WrapperScript.Replace("@PREFIX@", ScriptResult.Prefix, StringComparison.Ordinal).Replace("@SCRIPT@", Script, StringComparison.Ordinal);

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
            $"{release}/{ServerMap.ReleaseVenv}/bin/python -c {Shell.Quote(Wrapper())}",
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
        return Applied(result.Output, result.Errors, result.ExitCode);
    }

    /// <summary>
    /// The revisions the wrapper applied, read from its result line. A failed run throws, naming the
    /// revision that failed; so does a run that ended without a result line (e.g. no migration env file).
    /// </summary>
    public static IReadOnlyList<string> Applied(IReadOnlyList<string> output, IReadOnlyList<string> errors, int exitCode)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(errors);
        var tail = $" Nothing was switched: the running release is untouched. Last lines:{Environment.NewLine}" +
            string.Join(Environment.NewLine, output.Concat(errors).TakeLast(12));
        ScriptResult result;
        try
        {
            result = ScriptResult.Parse(output, Script);
        }
        catch (RemoteException missing) when (exitCode != 0)
        {
            throw new ReleaseException($"alembic upgrade head failed (exit code {exitCode}) without a result: {missing.Message}{tail}");
        }

        if (!result.Ok || exitCode != 0)
        {
            var failed = result.OptionalText("failed");
            var error = result.Error ?? "no error given";
            throw new ReleaseException(
                (failed is null
                    ? $"alembic upgrade head failed (exit code {exitCode}) before it ran a revision: {error}."
                    : $"Migration to revision {failed} failed (exit code {exitCode}): {error}.") + tail);
        }

        return result.Strings("applied");
    }
}
