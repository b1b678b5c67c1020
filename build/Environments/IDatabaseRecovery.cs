using TableOrder.Build.Diagnostics;
using TableOrder.Build.Recovery;

namespace TableOrder.Build.Environments;

/// <summary>
/// The database's snapshots and restores, as the design's disaster-recovery plan has them: in AWS
/// RDS's automated backups (point in time) and manual DB snapshots; locally pgBackRest, which keeps
/// the stack's PostgreSQL the same way. Restore makes a new database and swaps it in: the replaced
/// one is kept until the user deletes it.
/// </summary>
public interface IDatabaseRecovery
{
    /// <summary>The database's name in snapshot names: the RDS instance identifier; locally the database's name.</summary>
    string DatabaseName { get; }

    /// <summary>How far the archive may lag behind the database: what a database that is gone loses (RDS: 5 minutes; locally archive_timeout).</summary>
    TimeSpan ArchiveWindow { get; }

    /// <summary>Takes a manual snapshot named <paramref name="name"/> and waits until it is whole.</summary>
    Task<DatabaseSnapshot> SnapshotAsync(string name, RunSummary summary, CancellationToken cancellationToken = default);

    /// <summary>The restorable window and the manual snapshots.</summary>
    Task<BackupState> BackupsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Checks that <paramref name="target"/> can be restored (the snapshot exists, the time is in the
    /// window), before anything changes; says what to type instead when it cannot.
    /// </summary>
    Task CheckTargetAsync(RestoreTarget target, CancellationToken cancellationToken = default);

    /// <summary>Restores <paramref name="target"/> into a new database and makes it the stack's; the old one is kept.</summary>
    Task<RestoredDatabase> RestoreAsync(RestoreTarget target, RunSummary summary, CancellationToken cancellationToken = default);
}

/// <summary>An environment whose app servers can be imaged (EC2 CreateImage).</summary>
public interface IServerImages
{
    /// <summary>An image of each app server, tagged; the server reboots for it only when <paramref name="reboot"/>.</summary>
    Task<IReadOnlyList<ServerImage>> ImageServersAsync(string name, bool reboot, RunSummary summary, CancellationToken cancellationToken = default);
}

public static class DatabaseRecoveries
{
    /// <summary>The environment's database recovery, or a clear error where it has none.</summary>
    public static IDatabaseRecovery Recovery(this IDeploymentEnvironment deployment) =>
        deployment as IDatabaseRecovery ?? throw new NotInThisEnvironmentException($"The {deployment?.Name} environment has no database snapshots or restores.");
}
