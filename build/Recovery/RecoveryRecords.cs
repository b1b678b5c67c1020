namespace TableOrder.Build.Recovery;

/// <summary>A manual database snapshot: RDS's DB snapshot, locally a labelled pgBackRest backup.</summary>
/// <param name="Name">Its name (&lt;db&gt;-manual-&lt;utc&gt;-&lt;release&gt;).</param>
/// <param name="Created">When the data it holds was taken; null while RDS has not said.</param>
/// <param name="Status">available, creating, ...</param>
public sealed record DatabaseSnapshot(string Name, DateTimeOffset? Created, string Status);

/// <summary>What the database can be restored to: the window of the automated backups, and the manual snapshots.</summary>
public sealed record BackupState(DateTimeOffset? EarliestRestorableTime, DateTimeOffset? LatestRestorableTime, IReadOnlyList<DatabaseSnapshot> Snapshots);

/// <summary>What a restore made.</summary>
/// <param name="RestorePoint">The point the restored database holds: its last transaction replayed (locally), or the time RDS restored to.</param>
/// <param name="Restored">Where it now lives: the new data folder, the new instance.</param>
/// <param name="Kept">The database it replaced, kept until the user deletes it.</param>
/// <param name="Steps">What was done, in order (for the run summary).</param>
public sealed record RestoredDatabase(DateTimeOffset RestorePoint, string Restored, string? Kept, IReadOnlyList<string> Steps);

/// <summary>An image of an app server (EC2's AMI).</summary>
public sealed record ServerImage(string Server, string ImageId, string Name, string State);
