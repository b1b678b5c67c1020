using System.Globalization;
using System.Text.Json;
using Cake.Core.Diagnostics;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Recovery;

namespace TableOrder.Build.Aws;

/// <summary>Where a restore of the stack's RDS instance is; kept in the state folder so a killed run is finished by the next.</summary>
/// <param name="Target">What is restored (as --to-time/--snapshot wrote it).</param>
/// <param name="Restored">The new instance's temporary identifier.</param>
/// <param name="Replaced">The name the old instance is renamed to (kept, deletion protection on).</param>
/// <param name="RestorePoint">The point the new instance holds.</param>
public sealed record RdsRestoreJournal(string Target, string Restored, string Replaced, DateTimeOffset RestorePoint);

/// <summary>
/// The design's "database failure" recovery on RDS: restore into a new instance (point in time, or a
/// snapshot) with the stack's settings, wait for it, rename the old instance away (kept, with deletion
/// protection, until the user deletes it) and the new one to the stack's identifier, so its endpoint
/// is the stack's again, then let terraform adopt it (<paramref name="adopt"/>: import, and a plan
/// that changes it in place only, applied) so the next plan shows no drift. Each step looks at what
/// RDS already has, and the journal file keeps the names: a killed run is finished by the next Restore.
/// </summary>
public sealed class RdsRecovery(RdsDatabase rds, string identifier, ICakeLog log, string journalFile, Func<string, RunSummary, Task> adopt)
{
    private static readonly JsonSerializerOptions JournalJson = new() { WriteIndented = true };

    public string Identifier => identifier;

    /// <summary>A manual snapshot, tagged with the release it was taken for; waited for.</summary>
    public async Task<DatabaseSnapshot> SnapshotAsync(string name, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken = default)
    {
        var snapshot = await rds.CreateSnapshotAsync(identifier, name, tags, cancellationToken);
        return new DatabaseSnapshot(snapshot.Identifier, snapshot.Created, snapshot.Status);
    }

    /// <summary>RDS's restorable window: from the oldest automated backup kept (retention days back) to LatestRestorableTime; the manual snapshots.</summary>
    public async Task<BackupState> BackupsAsync(CancellationToken cancellationToken = default)
    {
        var instance = await rds.RequireAsync(identifier, cancellationToken);
        var snapshots = await rds.ManualSnapshotsAsync(identifier, cancellationToken);
        DateTimeOffset? earliest = instance.BackupRetentionPeriod > 0 && instance.LatestRestorableTime is { } latest
            ? latest.AddDays(-instance.BackupRetentionPeriod)
            : null;
        return new BackupState(earliest, instance.LatestRestorableTime, [.. snapshots.Select(s => new DatabaseSnapshot(s.Identifier, s.Created, s.Status))]);
    }

    public async Task CheckTargetAsync(RestoreTarget target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (ReadJournal() is { } pending)
        {
            if (pending.Target != target.ToString())
            {
                throw new RecoveryException(
                    $"A restore of {pending.Target} into {pending.Restored} is not finished ({journalFile}). Run --target=Restore with the same target to finish it first.");
            }

            return;
        }

        var instance = await rds.RequireAsync(identifier, cancellationToken);
        if (target.Snapshot is { } name)
        {
            var snapshot = await rds.SnapshotAsync(name, cancellationToken)
                ?? throw new RecoveryException($"RDS has no snapshot '{name}'. --target=Status lists the snapshots of {identifier}.");
            if (snapshot.Status != "available")
            {
                throw new RecoveryException($"RDS snapshot {name} is {snapshot.Status}, not available yet: wait for it, then run Restore again.");
            }
        }
        else if (target.Time is { } time && (instance.LatestRestorableTime is not { } latest || time > latest || time < latest.AddDays(-Math.Max(instance.BackupRetentionPeriod, 0))))
        {
            throw new RecoveryException(
                $"--to-time={RestoreTarget.Format(time)} is outside {identifier}'s restorable window " +
                (instance.LatestRestorableTime is { } last ? $"(up to {RestoreTarget.Format(last)}, {instance.BackupRetentionPeriod.ToString(CultureInfo.InvariantCulture)} days back)" : "(RDS reports no latest restorable time: are automated backups on?)") +
                ". Leave --to-time out for the latest restorable time.");
        }
    }

    public async Task<RestoredDatabase> RestoreAsync(RestoreTarget target, RunSummary summary, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(summary);
        var steps = new List<string>();
        var journal = ReadJournal();
        if (journal is null)
        {
            var current = await rds.RequireAsync(identifier, cancellationToken);
            var stamp = DateTimeOffset.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
            var point = target.Time
                ?? (target.Snapshot is { } name ? (await rds.SnapshotAsync(name, cancellationToken))?.Created : null)
                ?? current.LatestRestorableTime
                ?? throw new RecoveryException($"RDS reports no latest restorable time for {identifier}: are its automated backups on?");
            journal = new RdsRestoreJournal(target.ToString(), $"{identifier}-restore-{stamp}", $"{identifier}-replaced-{stamp}", point);
            WriteJournal(journal);

            if (target.Snapshot is { } snapshot)
            {
                await rds.RestoreFromSnapshotAsync(snapshot, current, journal.Restored, cancellationToken);
            }
            else
            {
                await rds.RestoreToPointInTimeAsync(current, journal.Restored, target.Time, cancellationToken);
            }

            steps.Add($"restored {target} into {journal.Restored}");
        }
        else
        {
            log.Information("RDS: finishing the restore of {0} into {1} that an earlier run started", journal.Target, journal.Restored);
        }

        // still under its temporary name: wait for it (a rerun after the renames finds it gone)
        if (await rds.DescribeAsync(journal.Restored, cancellationToken) is not null)
        {
            await rds.WaitAvailableAsync(journal.Restored, cancellationToken);
            steps.Add($"{journal.Restored} available");
        }

        // the replaced name comes into being only by this rename: while it is free, the stack's name is still the old instance
        if (await rds.DescribeAsync(journal.Replaced, cancellationToken) is null && await rds.DescribeAsync(identifier, cancellationToken) is not null)
        {
            await rds.RenameAsync(identifier, journal.Replaced, cancellationToken);
            steps.Add($"renamed the old instance to {journal.Replaced} (kept, deletion protection on)");
        }

        if (await rds.DescribeAsync(journal.Restored, cancellationToken) is not null)
        {
            await rds.RenameAsync(journal.Restored, identifier, cancellationToken);
            steps.Add($"renamed {journal.Restored} to {identifier}");
        }

        await adopt(identifier, summary);
        steps.Add($"terraform manages the restored {identifier}");
        File.Delete(journalFile);
        return new RestoredDatabase(journal.RestorePoint, identifier, journal.Replaced, steps);
    }

    private RdsRestoreJournal? ReadJournal() =>
        File.Exists(journalFile) ? JsonSerializer.Deserialize<RdsRestoreJournal>(File.ReadAllText(journalFile)) : null;

    private void WriteJournal(RdsRestoreJournal journal)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(journalFile)!);
        File.WriteAllText(journalFile + ".tmp", JsonSerializer.Serialize(journal, JournalJson));
        File.Move(journalFile + ".tmp", journalFile, overwrite: true);
    }
}
