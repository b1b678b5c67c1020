using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace TableOrder.Build.Aws.StandIn;

/// <summary>A parameter as the stand-in keeps it.</summary>
public sealed record StandInParameter(string Type, string Value, long Version, DateTimeOffset Modified);

/// <summary>A secret as the stand-in keeps it (the current version only).</summary>
public sealed record StandInSecret(string Name, string Arn, string Value, string VersionId, DateTimeOffset Modified);

/// <summary>An S3 object as the stand-in keeps it.</summary>
public sealed record StandInObject(byte[] Data, string ETag, DateTimeOffset Modified);

/// <summary>
/// What the stand-in's services hold between runs (SSM parameters, secrets, log groups, target groups
/// and their registered targets, Auto Scaling groups, buckets), saved after every change to one JSON
/// file (0600: it holds the rehearsal's secrets, like the local secrets.json), S3 objects as files in
/// the folder beside it (&lt;file&gt;.s3/&lt;bucket&gt;/&lt;key&gt;); in memory only when <paramref name="file"/> is null (tests).
/// </summary>
public sealed class AwsStandInState(string? file, string region)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private readonly Lock _gate = new();

    public ConcurrentDictionary<string, StandInParameter> Parameters { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, StandInSecret> Secrets { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, byte> LogGroupSet { get; } = new(StringComparer.Ordinal);

    public IEnumerable<string> LogGroups => LogGroupSet.Keys;

    /// <summary>Each target group (by ARN) and the instance ids registered in it (a deregistered one is gone).</summary>
    public ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> TargetGroups { get; } = new(StringComparer.Ordinal);

    /// <summary>Each Auto Scaling group by name: its instance ids, in launch order.</summary>
    public ConcurrentDictionary<string, IReadOnlyList<string>> AutoScalingGroups { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Instances an Auto Scaling group launched that are not in service yet: Pending:Wait (its launch
    /// lifecycle hook waits for CompleteLifecycleAction), or Abandoned (the hook's action said ABANDON).
    /// </summary>
    public ConcurrentDictionary<string, string> Launching { get; } = new(StringComparer.Ordinal);

    /// <summary>Each bucket and its objects by key.</summary>
    public ConcurrentDictionary<string, ConcurrentDictionary<string, StandInObject>> Buckets { get; } = new(StringComparer.Ordinal);

    private string? ObjectsFolder => file is null ? null : file + ".s3";

    public static AwsStandInState Load(string? file, string region)
    {
        var state = new AwsStandInState(file, region);
        if (file is null || !File.Exists(file))
        {
            return state;
        }

        var saved = JsonSerializer.Deserialize<Saved>(File.ReadAllText(file)) ?? new Saved();
        foreach (var (name, parameter) in saved.Parameters)
        {
            state.Parameters[name] = parameter;
        }

        foreach (var (name, secret) in saved.Secrets)
        {
            state.Secrets[name] = secret;
        }

        foreach (var group in saved.LogGroups)
        {
            state.LogGroupSet[group] = 0;
        }

        foreach (var (arn, targets) in saved.TargetGroups)
        {
            state.TargetGroups[arn] = new ConcurrentDictionary<string, byte>(targets.Select(t => KeyValuePair.Create(t, (byte)0)), StringComparer.Ordinal);
        }

        foreach (var (name, instances) in saved.AutoScalingGroups)
        {
            state.AutoScalingGroups[name] = [.. instances];
        }

        foreach (var (instance, launch) in saved.Launching)
        {
            state.Launching[instance] = launch;
        }

        foreach (var bucket in saved.Buckets)
        {
            var objects = state.Buckets.GetOrAdd(bucket, _ => new ConcurrentDictionary<string, StandInObject>(StringComparer.Ordinal));
            var folder = Path.Combine(state.ObjectsFolder!, bucket);
            foreach (var path in Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories) : [])
            {
                var data = File.ReadAllBytes(path);
                objects[Path.GetRelativePath(folder, path).Replace(Path.DirectorySeparatorChar, '/')] = new StandInObject(data, ETagOf(data), File.GetLastWriteTimeUtc(path));
            }
        }

        return state;
    }

    /// <summary>Writes a parameter; the new version, or null when it exists and <paramref name="overwrite"/> is false.</summary>
    public long? PutParameter(string name, string type, string value, bool overwrite)
    {
        lock (_gate)
        {
            if (Parameters.TryGetValue(name, out var existing) && !overwrite)
            {
                return null;
            }

            var version = (existing?.Version ?? 0) + 1;
            Parameters[name] = new StandInParameter(type, value, version, DateTimeOffset.UtcNow);
            Save();
            return version;
        }
    }

    public bool DeleteParameter(string name)
    {
        lock (_gate)
        {
            var removed = Parameters.TryRemove(name, out _);
            Save();
            return removed;
        }
    }

    /// <summary>The secret by name or ARN.</summary>
    public StandInSecret? FindSecret(string id) =>
        Secrets.TryGetValue(id, out var byName) ? byName : Secrets.Values.FirstOrDefault(s => s.Arn == id);

    /// <summary>Creates or replaces a secret's current value (what a rotation does).</summary>
    public StandInSecret PutSecret(string name, string value)
    {
        lock (_gate)
        {
            var arn = Secrets.TryGetValue(name, out var existing)
                ? existing.Arn
                : $"arn:aws:secretsmanager:{region}:{AwsApiStandIn.AccountId}:secret:{name}-{Suffix(name)}";
            var secret = new StandInSecret(name, arn, value, Guid.NewGuid().ToString(), DateTimeOffset.UtcNow);
            Secrets[name] = secret;
            Save();
            return secret;
        }
    }

    public bool AddLogGroup(string name)
    {
        lock (_gate)
        {
            var added = LogGroupSet.TryAdd(name, 0);
            Save();
            return added;
        }
    }

    /// <summary>Makes a target group known (what terraform created), with no targets yet.</summary>
    public void AddTargetGroup(string arn)
    {
        lock (_gate)
        {
            TargetGroups.TryAdd(arn, new ConcurrentDictionary<string, byte>(StringComparer.Ordinal));
            Save();
        }
    }

    /// <summary>Registers (true) or deregisters (false) an instance; false when nothing changed.</summary>
    public bool SetRegistered(string targetGroupArn, string instanceId, bool registered)
    {
        lock (_gate)
        {
            var targets = TargetGroups[targetGroupArn];
            var changed = registered ? targets.TryAdd(instanceId, 0) : targets.TryRemove(instanceId, out _);
            Save();
            return changed;
        }
    }

    /// <summary>Sets an Auto Scaling group's instances (what Auto Scaling launched).</summary>
    public void SetAutoScalingGroup(string name, IReadOnlyList<string> instanceIds)
    {
        lock (_gate)
        {
            AutoScalingGroups[name] = [.. instanceIds];
            Save();
        }
    }

    /// <summary>The group launched <paramref name="instanceId"/>: in its list, waiting for its lifecycle hook when it has one.</summary>
    public void Launch(string group, string instanceId, bool waitsForHook)
    {
        lock (_gate)
        {
            var instances = AutoScalingGroups.GetValueOrDefault(group) ?? [];
            AutoScalingGroups[group] = instances.Contains(instanceId) ? instances : [.. instances, instanceId];
            if (waitsForHook)
            {
                Launching[instanceId] = PendingWait;
            }
            else
            {
                Launching.TryRemove(instanceId, out _);
            }

            Save();
        }
    }

    /// <summary>The lifecycle state of a launch that waits for its hook.</summary>
    public const string PendingWait = "Pending:Wait";

    /// <summary>A launch whose hook said ABANDON: Auto Scaling terminates it.</summary>
    public const string Abandoned = "Abandoned";

    /// <summary>Ends a launch's wait (CONTINUE: in service; ABANDON: abandoned); false when it was not waiting.</summary>
    public bool CompleteLaunch(string instanceId, bool proceed)
    {
        lock (_gate)
        {
            if (Launching.GetValueOrDefault(instanceId) != PendingWait)
            {
                return false;
            }

            if (proceed)
            {
                Launching.TryRemove(instanceId, out _);
            }
            else
            {
                Launching[instanceId] = Abandoned;
            }

            Save();
            return true;
        }
    }

    /// <summary>The group no longer has <paramref name="instanceId"/> (terminated, or replaced by a new launch).</summary>
    public void Terminate(string group, string instanceId)
    {
        lock (_gate)
        {
            if (AutoScalingGroups.TryGetValue(group, out var instances))
            {
                AutoScalingGroups[group] = [.. instances.Where(i => i != instanceId)];
            }

            Launching.TryRemove(instanceId, out _);
            foreach (var targets in TargetGroups.Values)
            {
                targets.TryRemove(instanceId, out _);
            }

            Save();
        }
    }

    public void AddBucket(string name)
    {
        lock (_gate)
        {
            Buckets.TryAdd(name, new ConcurrentDictionary<string, StandInObject>(StringComparer.Ordinal));
            Save();
        }
    }

    /// <summary>Writes an object; null when <paramref name="onlyIfAbsent"/> (If-None-Match: *) and it exists.</summary>
    public StandInObject? PutObject(string bucket, string key, byte[] data, bool onlyIfAbsent)
    {
        lock (_gate)
        {
            var objects = Buckets[bucket];
            if (onlyIfAbsent && objects.ContainsKey(key))
            {
                return null;
            }

            var stored = new StandInObject(data, ETagOf(data), DateTimeOffset.UtcNow);
            if (ObjectPath(bucket, key) is { } path)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllBytes(path + ".tmp", data);
                File.Move(path + ".tmp", path, overwrite: true);
            }

            objects[key] = stored;
            return stored;
        }
    }

    public void DeleteObject(string bucket, string key)
    {
        lock (_gate)
        {
            Buckets[bucket].TryRemove(key, out _);
            if (ObjectPath(bucket, key) is { } path)
            {
                File.Delete(path);
            }
        }
    }

    /// <summary>S3's ETag of a single-part upload: the MD5 of the object, quoted (S3's format, not a security check).</summary>
#pragma warning disable CA5351 // S3 defines the ETag as MD5; nothing is protected by it
    public static string ETagOf(byte[] data) => $"\"{Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(data))}\"";
#pragma warning restore CA5351

    /// <summary>Where an object's file is; keys with .. or an absolute path are refused (not a key the build writes).</summary>
    private string? ObjectPath(string bucket, string key)
    {
        if (ObjectsFolder is null)
        {
            return null;
        }

        if (key.Split('/').Any(p => p is ".." or "." or "") || bucket.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"The stand-in keeps no object under {bucket}/{key}.", nameof(key));
        }

        return Path.Combine(ObjectsFolder, bucket, Path.Combine(key.Split('/')));
    }

    private void Save()
    {
        if (file is null)
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        var saved = new Saved
        {
            Parameters = new SortedDictionary<string, StandInParameter>(Parameters, StringComparer.Ordinal),
            Secrets = new SortedDictionary<string, StandInSecret>(Secrets, StringComparer.Ordinal),
            LogGroups = [.. LogGroupSet.Keys.Order(StringComparer.Ordinal)],
            TargetGroups = new SortedDictionary<string, IList<string>>(TargetGroups.ToDictionary(g => g.Key, g => (IList<string>)[.. g.Value.Keys.Order(StringComparer.Ordinal)]), StringComparer.Ordinal),
            AutoScalingGroups = new SortedDictionary<string, IList<string>>(AutoScalingGroups.ToDictionary(g => g.Key, g => (IList<string>)[.. g.Value]), StringComparer.Ordinal),
            Launching = new SortedDictionary<string, string>(Launching, StringComparer.Ordinal),
            Buckets = [.. Buckets.Keys.Order(StringComparer.Ordinal)],
        };
        var temporary = file + ".tmp";
        File.WriteAllText(temporary, string.Empty);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.WriteAllText(temporary, JsonSerializer.Serialize(saved, Indented));
        File.Move(temporary, file, overwrite: true);
    }

    /// <summary>Secrets Manager's six random characters after the name, here derived from it (stable between runs).</summary>
    private static string Suffix(string name) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..6];

    private sealed class Saved
    {
        public IDictionary<string, StandInParameter> Parameters { get; init; } = new Dictionary<string, StandInParameter>();

        public IDictionary<string, StandInSecret> Secrets { get; init; } = new Dictionary<string, StandInSecret>();

        public IList<string> LogGroups { get; init; } = [];

        public IDictionary<string, IList<string>> TargetGroups { get; init; } = new Dictionary<string, IList<string>>();

        public IDictionary<string, IList<string>> AutoScalingGroups { get; init; } = new Dictionary<string, IList<string>>();

        public IDictionary<string, string> Launching { get; init; } = new Dictionary<string, string>();

        public IList<string> Buckets { get; init; } = [];
    }
}

/// <summary>Every call the stand-in answered: service, operation, how often, how many failed.</summary>
public sealed class AwsStandInJournal
{
    private readonly ConcurrentDictionary<(string Service, string Operation), (int Count, int Errors)> _calls = new();

    public void Record(string service, string operation, bool succeeded) =>
        _calls.AddOrUpdate((service, operation), _ => (1, succeeded ? 0 : 1), (_, c) => (c.Count + 1, c.Errors + (succeeded ? 0 : 1)));

    public int Count(string service, string operation) => _calls.TryGetValue((service, operation), out var c) ? c.Count : 0;

    public int Total => _calls.Values.Sum(c => c.Count);

    public IReadOnlyList<(string Service, string Operation, int Count, int Errors)> Entries =>
        [.. _calls.OrderBy(c => c.Key.Service, StringComparer.Ordinal).ThenBy(c => c.Key.Operation, StringComparer.Ordinal)
            .Select(c => (c.Key.Service, c.Key.Operation, c.Value.Count, c.Value.Errors))];

    /// <summary>The journal as a table, one line per service and operation.</summary>
    public string Render()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"service",-20} {"operation",-30} {"calls",5} {"errors",6}");
        foreach (var (service, operation, count, errors) in Entries)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{service,-20} {operation,-30} {count,5} {errors,6}");
        }

        return text.ToString();
    }
}
