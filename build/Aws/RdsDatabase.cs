using System.Diagnostics;
using System.Globalization;
using System.Xml.Linq;
using Cake.Core.Diagnostics;

namespace TableOrder.Build.Aws;

/// <summary>What RDS says of one DB instance: its state, and the settings a restored copy must repeat.</summary>
public sealed record RdsInstance
{
    public required string Identifier { get; init; }

    /// <summary>available, creating, modifying, renaming, backing-up, ...</summary>
    public required string Status { get; init; }

    /// <summary>The instance's own id (DbiResourceId): stays when the identifier is renamed.</summary>
    public string? ResourceId { get; init; }

    public DateTimeOffset? LatestRestorableTime { get; init; }

    public string? Endpoint { get; init; }

    public string? InstanceClass { get; init; }

    public string? SubnetGroup { get; init; }

    public IReadOnlyList<string> SecurityGroups { get; init; } = [];

    public string? ParameterGroup { get; init; }

    public string? AvailabilityZone { get; init; }

    public bool MultiAz { get; init; }

    public string? StorageType { get; init; }

    public bool DeletionProtection { get; init; }

    public bool CopyTagsToSnapshot { get; init; }

    public int BackupRetentionPeriod { get; init; }

    public string? PreferredBackupWindow { get; init; }

    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    public bool IsAvailable => Status == "available";

    public static RdsInstance From(XElement instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return new RdsInstance
        {
            Identifier = instance.Text("DBInstanceIdentifier") ?? string.Empty,
            Status = instance.Text("DBInstanceStatus") ?? "unknown",
            ResourceId = instance.Text("DbiResourceId"),
            LatestRestorableTime = RdsDatabase.Time(instance.Text("LatestRestorableTime")),
            Endpoint = instance.Child("Endpoint").Text("Address"),
            InstanceClass = instance.Text("DBInstanceClass"),
            SubnetGroup = instance.Child("DBSubnetGroup").Text("DBSubnetGroupName"),
            SecurityGroups = [.. instance.Child("VpcSecurityGroups").Children("VpcSecurityGroupMembership").Select(g => g.Text("VpcSecurityGroupId")).OfType<string>()],
            ParameterGroup = instance.Child("DBParameterGroups").Children("DBParameterGroup").Select(g => g.Text("DBParameterGroupName")).FirstOrDefault(),
            AvailabilityZone = instance.Text("AvailabilityZone"),
            MultiAz = instance.Text("MultiAZ") == "true",
            StorageType = instance.Text("StorageType"),
            DeletionProtection = instance.Text("DeletionProtection") == "true",
            CopyTagsToSnapshot = instance.Text("CopyTagsToSnapshot") == "true",
            BackupRetentionPeriod = int.TryParse(instance.Text("BackupRetentionPeriod"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var days) ? days : 0,
            PreferredBackupWindow = instance.Text("PreferredBackupWindow"),
            Tags = instance.Child("TagList").Children("Tag")
                .Where(t => t.Text("Key") is not null)
                .GroupBy(t => t.Text("Key")!, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.First().Text("Value") ?? string.Empty, StringComparer.Ordinal),
        };
    }
}

/// <summary>What RDS says of one DB snapshot.</summary>
public sealed record RdsSnapshot(string Identifier, string Status, DateTimeOffset? Created, string? Type, string? Instance)
{
    public static RdsSnapshot From(XElement snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return new RdsSnapshot(
            snapshot.Text("DBSnapshotIdentifier") ?? string.Empty,
            snapshot.Text("Status") ?? "unknown",
            RdsDatabase.Time(snapshot.Text("SnapshotCreateTime")),
            snapshot.Text("SnapshotType"),
            snapshot.Text("DBInstanceIdentifier"));
    }
}

/// <summary>How long RDS may take: a snapshot, an instance becoming available (a restore, a rename).</summary>
public sealed record RdsTimeouts(TimeSpan Snapshot, TimeSpan Instance)
{
    /// <summary>A 20 GB instance snapshots in minutes and restores in 10-20; a rename takes a few.</summary>
    public static RdsTimeouts Default { get; } = new(TimeSpan.FromMinutes(60), TimeSpan.FromMinutes(90));
}

/// <summary>
/// RDS over the Query API (<see cref="AwsQueryApi"/>, version 2014-10-31; no SDK package for RDS is
/// served here): describe, manual snapshots, point-in-time and snapshot restores into a new instance,
/// renames, each waited for with progress in the log.
/// </summary>
public sealed class RdsDatabase(AwsQueryApi rds, ICakeLog log, RdsTimeouts? timeouts = null, Polling? polling = null)
{
    private readonly RdsTimeouts _timeouts = timeouts ?? RdsTimeouts.Default;
    private readonly Polling _polling = polling ?? RdsPolling;

    /// <summary>RDS's states change in tens of seconds to minutes.</summary>
    public static Polling RdsPolling { get; } = new(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30));

    /// <summary>The instance; null when RDS has none by that identifier.</summary>
    public async Task<RdsInstance?> DescribeAsync(string identifier, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(identifier);
        try
        {
            var result = await rds.CallAsync("DescribeDBInstances", [new("DBInstanceIdentifier", identifier)], cancellationToken);
            return result.Child("DBInstances").Children("DBInstance").Select(RdsInstance.From).FirstOrDefault(i => i.Identifier == identifier);
        }
        catch (AwsQueryException ex) when (ex.ErrorCode == "DBInstanceNotFound")
        {
            return null;
        }
    }

    public async Task<RdsInstance> RequireAsync(string identifier, CancellationToken cancellationToken = default) =>
        await DescribeAsync(identifier, cancellationToken)
            ?? throw new AwsException($"RDS has no DB instance '{identifier}' (aws rds describe-db-instances --db-instance-identifier {identifier}).");

    /// <summary>CreateDBSnapshot, tagged; waits until it is available.</summary>
    public async Task<RdsSnapshot> CreateSnapshotAsync(string instance, string name, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var parameters = new List<KeyValuePair<string, string>> { new("DBInstanceIdentifier", instance), new("DBSnapshotIdentifier", name) };
        parameters.AddRange(Tags("Tags", tags));
        try
        {
            await rds.CallAsync("CreateDBSnapshot", parameters, cancellationToken);
            log.Information("RDS: snapshot {0} of {1} started", name, instance);
        }
        catch (AwsQueryException ex) when (ex.ErrorCode == "DBSnapshotAlreadyExists")
        {
            // a run killed while it waited: the snapshot it asked for is the one
            log.Information("RDS: snapshot {0} exists already; waiting for it", name);
        }

        return await WaitAsync($"snapshot {name}", _timeouts.Snapshot, () => SnapshotAsync(name, cancellationToken), s => s?.Status == "available", s => s?.Status ?? "absent", cancellationToken)
            ?? throw new AwsException($"RDS snapshot {name} vanished while it was made.");
    }

    public async Task<RdsSnapshot?> SnapshotAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            var result = await rds.CallAsync("DescribeDBSnapshots", [new("DBSnapshotIdentifier", name)], cancellationToken);
            return result.Child("DBSnapshots").Children("DBSnapshot").Select(RdsSnapshot.From).FirstOrDefault(s => s.Identifier == name);
        }
        catch (AwsQueryException ex) when (ex.ErrorCode == "DBSnapshotNotFound")
        {
            return null;
        }
    }

    /// <summary>The instance's manual snapshots, oldest first.</summary>
    public async Task<IReadOnlyList<RdsSnapshot>> ManualSnapshotsAsync(string instance, CancellationToken cancellationToken = default)
    {
        var result = await rds.CallAsync("DescribeDBSnapshots", [new("DBInstanceIdentifier", instance), new("SnapshotType", "manual")], cancellationToken);
        return [.. result.Child("DBSnapshots").Children("DBSnapshot").Select(RdsSnapshot.From).OrderBy(s => s.Created)];
    }

    /// <summary>
    /// The settings a restored instance must have to be the stack's: what the restore itself takes
    /// (placement, network, parameters, protection); the rest (windows, retention) terraform sets
    /// when it adopts the instance.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> RestoreSettings(RdsInstance like)
    {
        ArgumentNullException.ThrowIfNull(like);
        var settings = new List<KeyValuePair<string, string>>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                settings.Add(new(name, value));
            }
        }

        Add("DBInstanceClass", like.InstanceClass);
        Add("DBSubnetGroupName", like.SubnetGroup);
        Add("DBParameterGroupName", like.ParameterGroup);
        Add("MultiAZ", like.MultiAz ? "true" : "false");
        Add("AvailabilityZone", like.MultiAz ? null : like.AvailabilityZone);
        Add("StorageType", like.StorageType);
        Add("PubliclyAccessible", "false");
        Add("DeletionProtection", "true");
        Add("CopyTagsToSnapshot", like.CopyTagsToSnapshot ? "true" : "false");
        Add("ManageMasterUserPassword", "true");
        if (like.BackupRetentionPeriod > 0)
        {
            Add("BackupRetentionPeriod", like.BackupRetentionPeriod.ToString(CultureInfo.InvariantCulture));
            Add("PreferredBackupWindow", like.PreferredBackupWindow);
        }

        for (var i = 0; i < like.SecurityGroups.Count; i++)
        {
            // the list's member name, as RDS's API model (and so botocore) names it: VpcSecurityGroupId
            Add($"VpcSecurityGroupIds.VpcSecurityGroupId.{(i + 1).ToString(CultureInfo.InvariantCulture)}", like.SecurityGroups[i]);
        }

        // aws:-prefixed tags are AWS's own; a request may not set them
        settings.AddRange(Tags("Tags", like.Tags.Where(t => !t.Key.StartsWith("aws:", StringComparison.Ordinal)).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal)));
        return settings;
    }

    /// <summary>RestoreDBInstanceToPointInTime into <paramref name="target"/> (a new instance), at <paramref name="time"/> or the latest restorable time.</summary>
    public async Task RestoreToPointInTimeAsync(RdsInstance source, string target, DateTimeOffset? time, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var parameters = new List<KeyValuePair<string, string>> { new("SourceDBInstanceIdentifier", source.Identifier), new("TargetDBInstanceIdentifier", target) };
        parameters.Add(time is { } at ? new("RestoreTime", Format(at)) : new("UseLatestRestorableTime", "true"));
        parameters.AddRange(RestoreSettings(source));
        await CallCreatingAsync("RestoreDBInstanceToPointInTime", parameters, target, cancellationToken);
    }

    /// <summary>RestoreDBInstanceFromDBSnapshot into <paramref name="target"/> (a new instance) with <paramref name="like"/>'s settings.</summary>
    public async Task RestoreFromSnapshotAsync(string snapshot, RdsInstance like, string target, CancellationToken cancellationToken = default)
    {
        var parameters = new List<KeyValuePair<string, string>> { new("DBSnapshotIdentifier", snapshot), new("DBInstanceIdentifier", target) };
        parameters.AddRange(RestoreSettings(like));
        await CallCreatingAsync("RestoreDBInstanceFromDBSnapshot", parameters, target, cancellationToken);
    }

    /// <summary>Renames an instance (ModifyDBInstance NewDBInstanceIdentifier, at once), keeping its deletion protection on; waits until the new name answers available.</summary>
    public async Task<RdsInstance> RenameAsync(string identifier, string newIdentifier, CancellationToken cancellationToken = default)
    {
        await rds.CallAsync(
            "ModifyDBInstance",
            [new("DBInstanceIdentifier", identifier), new("NewDBInstanceIdentifier", newIdentifier), new("DeletionProtection", "true"), new("ApplyImmediately", "true")],
            cancellationToken);
        log.Information("RDS: renaming {0} to {1}", identifier, newIdentifier);
        return await WaitAvailableAsync(newIdentifier, cancellationToken);
    }

    /// <summary>Waits until the instance exists and is available (a restore, a rename).</summary>
    public async Task<RdsInstance> WaitAvailableAsync(string identifier, CancellationToken cancellationToken = default) =>
        await WaitAsync($"instance {identifier}", _timeouts.Instance, () => DescribeAsync(identifier, cancellationToken), i => i?.IsAvailable == true, i => i?.Status ?? "absent", cancellationToken)
            ?? throw new AwsException($"RDS instance {identifier} vanished while it was waited for.");

    /// <summary>The instance identifier in an RDS endpoint (&lt;identifier&gt;.&lt;id&gt;.&lt;region&gt;.rds.amazonaws.com).</summary>
    public static string IdentifierOf(string endpoint)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpoint);
        return endpoint.Split('.')[0];
    }

    /// <summary>RDS's timestamps (ISO 8601, UTC).</summary>
    public static DateTimeOffset? Time(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time) ? time : null;

    public static string Format(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private async Task CallCreatingAsync(string action, List<KeyValuePair<string, string>> parameters, string target, CancellationToken cancellationToken)
    {
        try
        {
            await rds.CallAsync(action, parameters, cancellationToken);
            log.Information("RDS: {0} into the new instance {1}", action, target);
        }
        catch (AwsQueryException ex) when (ex.ErrorCode == "DBInstanceAlreadyExists")
        {
            // a run killed while it waited asked for this very instance
            log.Information("RDS: {0} exists already; waiting for it", target);
        }
    }

    private static IEnumerable<KeyValuePair<string, string>> Tags(string list, IReadOnlyDictionary<string, string> tags) =>
        tags.OrderBy(t => t.Key, StringComparer.Ordinal).SelectMany((tag, i) =>
        {
            var n = (i + 1).ToString(CultureInfo.InvariantCulture);
            return new KeyValuePair<string, string>[] { new($"{list}.Tag.{n}.Key", tag.Key), new($"{list}.Tag.{n}.Value", tag.Value) };
        });

    private async Task<T?> WaitAsync<T>(string what, TimeSpan timeout, Func<Task<T?>> read, Func<T?, bool> done, Func<T?, string> state, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var delay = _polling.Initial;
        while (true)
        {
            var current = await read();
            if (done(current))
            {
                log.Information("RDS: {0} is {1} ({2:0}s)", what, state(current), clock.Elapsed.TotalSeconds);
                return current;
            }

            if (clock.Elapsed + delay > timeout)
            {
                throw new AwsException($"RDS {what} was not ready within {timeout.TotalMinutes:0} minutes (last seen {state(current)}). Look at it in the RDS console; running the same target again waits for it.");
            }

            log.Information("RDS: {0} is {1}, waiting ({2:0}s)", what, state(current), clock.Elapsed.TotalSeconds);
            await Task.Delay(delay, cancellationToken);
            delay = _polling.Next(delay);
        }
    }
}
