using System.Globalization;
using System.Text.Json;
using Cake.Core.Diagnostics;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Recovery;

namespace TableOrder.Build.Local;

/// <summary>One backup in the stack's pgBackRest repository: a daily one, or a labelled manual snapshot.</summary>
/// <param name="Label">pgBackRest's backup label (the set a restore names).</param>
/// <param name="Started">When the backup started.</param>
/// <param name="Finished">When it stopped: the earliest point it restores to.</param>
/// <param name="Snapshot">The snapshot's name when it is a manual snapshot; null for a daily backup.</param>
public sealed record LocalBackup(string Label, DateTimeOffset Started, DateTimeOffset Finished, string? Snapshot);

/// <summary>
/// The local stack backs up as RDS does, with pgBackRest: PostgreSQL archives every WAL segment as
/// it fills and at least every <see cref="ArchiveTimeout"/> (the window a dead database loses), a full
/// base backup is taken when the newest is older than a day (at Provision, which every Deploy runs:
/// a developer's machine is not up at a fixed hour) and kept <see cref="RetentionDays"/> days by
/// pgBackRest's time-based retention. A manual snapshot is a full backup labelled with its name.
/// The repository lives in the state folder, so LocalDown --purge removes it with the stack.
/// </summary>
public sealed class LocalBackups(LocalLayout layout, LocalProcess process, ICakeLog log)
{
    public const string Stanza = "tableorder";

    /// <summary>The annotation key a manual snapshot's name is kept under.</summary>
    public const string SnapshotAnnotation = "tableorder-snapshot";

    /// <summary>archive_timeout: a segment is archived at least this often when anything was written (RDS uploads every 5 minutes).</summary>
    public static readonly TimeSpan ArchiveTimeout = TimeSpan.FromSeconds(60);

    /// <summary>A base backup is due when the newest is older than this.</summary>
    public static readonly TimeSpan BackupInterval = TimeSpan.FromDays(1);

    /// <summary>Days full backups (and the WAL they need) are kept: the design's 7 days of automated backups.</summary>
    public const int RetentionDays = 7;

    private const string ServiceUser = "postgres";

    private static string? RunAs => LocalProcess.IsRoot ? ServiceUser : null;

    public string ConfigFile => Path.Combine(layout.BackupDirectory, "pgbackrest.conf");

    public string Repository => Path.Combine(layout.BackupDirectory, "repo");

    /// <summary>The settings PostgreSQL includes (archive_mode, archive_command, archive_timeout).</summary>
    public string ServerSettingsFile => Path.Combine(layout.BackupDirectory, "archiving.conf");

    /// <summary>The newest backup's finish time, written after each backup: a no-op Provision reads this, not pgBackRest.</summary>
    private string NewestFile => Path.Combine(layout.BackupDirectory, "newest-backup");

    /// <summary>Written once the stanza exists and `check` saw a segment archived.</summary>
    private string StanzaFile => Path.Combine(layout.BackupDirectory, "stanza-ready");

    /// <summary>pgBackRest's configuration for this stack: one repository in the state folder, one stanza for its cluster.</summary>
    public static string Config(LocalLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var backups = layout.BackupDirectory;
        return string.Join('\n',
            "# Written by the build (build/Local/LocalBackups.cs): this stack's backups, as RDS keeps them.",
            "[global]",
            $"repo1-path={Path.Combine(backups, "repo")}",
            "repo1-retention-full-type=time",
            $"repo1-retention-full={RetentionDays.ToString(CultureInfo.InvariantCulture)}",
            $"log-path={Path.Combine(backups, "log")}",
            $"lock-path={Path.Combine(backups, "lock")}",
            "log-level-console=warn",
            "log-level-file=info",
            "compress-type=lz4",
            "start-fast=y",
            string.Empty,
            $"[{Stanza}]",
            $"pg1-path={layout.PostgresData}",
            $"pg1-port={layout.Ports.Postgres.ToString(CultureInfo.InvariantCulture)}",
            $"pg1-socket-path={layout.PostgresSocketDirectory}",
            $"pg1-user={ServiceUser}",
            string.Empty);
    }

    /// <summary>What PostgreSQL needs to archive every WAL segment into the repository (included by its postgresql.conf).</summary>
    public static string ServerSettings(string configFile) => string.Join('\n',
        "# Written by the build (build/Local/LocalBackups.cs): continuous WAL archiving with pgBackRest.",
        "wal_level = replica",
        "archive_mode = on",
        $"archive_command = 'pgbackrest --config={configFile} --stanza={Stanza} archive-push %p'",
        $"archive_timeout = {((int)ArchiveTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture)}",
        string.Empty);

    /// <summary>pgBackRest's restore command line into <paramref name="dataFolder"/> for <paramref name="target"/>.</summary>
    /// <param name="set">The backup set for a snapshot; null lets pgBackRest choose the newest before the time.</param>
    public static IReadOnlyList<string> RestoreArguments(string configFile, string dataFolder, RestoreTarget target, string? set)
    {
        ArgumentNullException.ThrowIfNull(target);
        List<string> arguments = [$"--config={configFile}", $"--stanza={Stanza}", $"--pg1-path={dataFolder}"];
        if (target.Snapshot is not null)
        {
            // the snapshot's own consistent point: the end of that backup
            arguments.AddRange([$"--set={set}", "--type=immediate", "--target-action=promote"]);
        }
        else if (target.Time is { } time)
        {
            arguments.AddRange(["--type=time", $"--target={PgTime(time)}", "--target-action=promote"]);
        }

        // recovery reads the archive through the stack's config, whatever folder the restore went into
        arguments.Add($"--recovery-option=restore_command=pgbackrest --config={configFile} --stanza={Stanza} archive-get %f \"%p\"");
        arguments.Add("restore");
        return arguments;
    }

    /// <summary>A time as pgBackRest and PostgreSQL read it: UTC, milliseconds, "+00".</summary>
    public static string PgTime(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture) + "+00";

    /// <summary>The repository's folders and the config file; before PostgreSQL starts (its archive_command names the file).</summary>
    public void Prepare()
    {
        var changed = false;
        foreach (var folder in new[] { layout.BackupDirectory, Repository, Path.Combine(layout.BackupDirectory, "log"), Path.Combine(layout.BackupDirectory, "lock") })
        {
            changed |= !Directory.Exists(folder);
            Directory.CreateDirectory(folder);
        }

        changed |= WriteIfChanged(ConfigFile, Config(layout));
        changed |= WriteIfChanged(ServerSettingsFile, ServerSettings(ConfigFile));
        if (changed && LocalProcess.IsRoot)
        {
            process.Run("chown", ["-R", $"{ServiceUser}:{ServiceUser}", layout.BackupDirectory]);
            process.Run("chmod", ["0700", layout.BackupDirectory]);
        }
    }

    /// <summary>The stanza (once per repository) and a check that a segment reaches it; a no-op later.</summary>
    public void EnsureStanza()
    {
        if (File.Exists(StanzaFile))
        {
            return;
        }

        Run("stanza-create");
        Run("check");
        File.WriteAllText(StanzaFile, DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
    }

    /// <summary>The daily base backup: taken when the newest backup is older than a day (or there is none).</summary>
    public LocalBackup? EnsureDaily()
    {
        if (Newest() is { } newest && DateTimeOffset.UtcNow - newest < BackupInterval)
        {
            return null;
        }

        using var step = log.Step($"Backups: the daily base backup (pgBackRest, kept {RetentionDays.ToString(CultureInfo.InvariantCulture)} days)");
        var backup = Backup(snapshot: null);
        step.Done();
        return backup;
    }

    /// <summary>A full backup (expiring what is past retention), labelled when it is a manual snapshot.</summary>
    public LocalBackup Backup(string? snapshot)
    {
        EnsureStanza();
        var before = List().Select(b => b.Label).ToHashSet(StringComparer.Ordinal);
        List<string> arguments = ["backup", "--type=full"];
        if (snapshot is not null)
        {
            arguments.Add($"--annotation={SnapshotAnnotation}={snapshot}");
        }

        Run([.. arguments]);
        var made = List().LastOrDefault(b => !before.Contains(b.Label))
            ?? throw new LocalEnvironmentException($"pgBackRest's backup finished but {Repository} lists no new backup.");
        File.WriteAllText(NewestFile, made.Finished.ToString("O", CultureInfo.InvariantCulture));
        log.Information("Backups: {0} backup {1} ({2:u})", snapshot is null ? "base" : $"snapshot {snapshot} as", made.Label, made.Finished);
        return made;
    }

    /// <summary>Every backup in the repository, oldest first.</summary>
    public IReadOnlyList<LocalBackup> List()
    {
        if (!File.Exists(StanzaFile))
        {
            return [];
        }

        var json = Run("info", "--output=json").Output;
        return ParseInfo(json);
    }

    /// <summary>pgBackRest's `info --output=json`: the stanza's backups (label, times, annotation).</summary>
    public static IReadOnlyList<LocalBackup> ParseInfo(string json)
    {
        using var document = JsonDocument.Parse(json);
        var backups = new List<LocalBackup>();
        foreach (var stanza in document.RootElement.EnumerateArray())
        {
            if (!stanza.TryGetProperty("backup", out var list))
            {
                continue;
            }

            foreach (var backup in list.EnumerateArray())
            {
                var timestamp = backup.GetProperty("timestamp");
                string? snapshot = null;
                if (backup.TryGetProperty("annotation", out var annotation) && annotation.ValueKind == JsonValueKind.Object && annotation.TryGetProperty(SnapshotAnnotation, out var name))
                {
                    snapshot = name.GetString();
                }

                backups.Add(new LocalBackup(
                    backup.GetProperty("label").GetString()!,
                    DateTimeOffset.FromUnixTimeSeconds(timestamp.GetProperty("start").GetInt64()),
                    DateTimeOffset.FromUnixTimeSeconds(timestamp.GetProperty("stop").GetInt64()),
                    snapshot));
            }
        }

        return [.. backups.OrderBy(b => b.Started)];
    }

    /// <summary>
    /// The latest point the archive restores to: when the newest archived WAL segment reached the
    /// repository (RDS's LatestRestorableTime; at most the archive timeout behind while data is written).
    /// </summary>
    public DateTimeOffset? LatestRestorableTime()
    {
        var archive = Path.Combine(Repository, "archive", Stanza);
        if (!Directory.Exists(archive))
        {
            return null;
        }

        var newest = Directory.EnumerateFiles(archive, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f).Length >= 24 && !f.EndsWith(".history", StringComparison.Ordinal) && !Path.GetFileName(f).StartsWith("archive.info", StringComparison.Ordinal))
            .Select(File.GetLastWriteTimeUtc)
            .DefaultIfEmpty(DateTime.MinValue)
            .Max();
        return newest == DateTime.MinValue ? null : new DateTimeOffset(newest, TimeSpan.Zero);
    }

    /// <summary>
    /// Checks that the repository can restore <paramref name="target"/>, changing nothing: a backup
    /// exists, the snapshot is there, the time lies between the oldest backup's end and now. Returns
    /// the snapshot's backup set (null for a time: pgBackRest takes the newest backup before it).
    /// </summary>
    public string? Check(RestoreTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var backups = List();
        if (backups is not [var oldest, ..])
        {
            throw new RecoveryException($"There is no backup in {Repository} yet: --target=Provision takes the first one.");
        }

        if (target.Snapshot is { } snapshot)
        {
            return backups.LastOrDefault(b => b.Snapshot == snapshot)?.Label
                ?? throw new RecoveryException($"There is no snapshot '{snapshot}' in {Repository}. --target=Status lists the snapshots (locally they are kept {RetentionDays.ToString(CultureInfo.InvariantCulture)} days, as every backup here).");
        }

        if (target.Time is { } time && (time < oldest.Finished || time > DateTimeOffset.UtcNow))
        {
            throw new RecoveryException(
                $"--to-time={RestoreTarget.Format(time)} is outside the restorable window: from {RestoreTarget.Format(oldest.Finished)} (the oldest backup's end) to now. " +
                "--target=Status shows the window; leave --to-time out for the latest restorable time.");
        }

        return null;
    }

    /// <summary>Restores <paramref name="target"/> into the empty <paramref name="dataFolder"/> (made here); PostgreSQL then replays the archive up to it.</summary>
    public void RestoreInto(string dataFolder, RestoreTarget target)
    {
        var set = Check(target);
        if (Directory.Exists(dataFolder))
        {
            process.Run("rm", ["-rf", "--one-file-system", dataFolder]);
        }

        Directory.CreateDirectory(dataFolder);
        if (LocalProcess.IsRoot)
        {
            process.Run("chown", [$"{ServiceUser}:{ServiceUser}", dataFolder]);
            process.Run("chmod", ["0700", dataFolder]);
        }

        process.Run("pgbackrest", RestoreArguments(ConfigFile, dataFolder, target, set), RunAs, timeout: TimeSpan.FromMinutes(30));
    }

    private DateTimeOffset? Newest()
    {
        if (File.Exists(NewestFile) && DateTimeOffset.TryParse(File.ReadAllText(NewestFile).Trim(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var stamp))
        {
            return stamp;
        }

        return List() is [.., var newest] ? newest.Finished : null;
    }

    private LocalProcess.Result Run(params string[] command) =>
        process.Run("pgbackrest", [$"--config={ConfigFile}", $"--stanza={Stanza}", .. command], RunAs, timeout: TimeSpan.FromMinutes(30));

    private static bool WriteIfChanged(string path, string content)
    {
        if (File.Exists(path) && File.ReadAllText(path) == content)
        {
            return false;
        }

        File.WriteAllText(path + ".tmp", content);
        File.Move(path + ".tmp", path, overwrite: true);
        return true;
    }
}
