using System.Collections.Concurrent;
using TableOrder.Build.Aws;
using TableOrder.Build.Aws.StandIn;
using StandInServer = TableOrder.Build.Aws.StandIn.AwsApiStandIn;

namespace TableOrder.Build.Tests.Aws;

/// <summary>
/// The AWS stand-in with a scaled-out stack in it: a target group, an Auto Scaling group of three
/// running instances (each with its own address and first-boot console), and the release bucket.
/// </summary>
internal sealed class StandInFleet : IDisposable
{
    public const string TargetGroupArn = "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup/table-order-app/0123456789abcdef";
    public const string GroupName = "table-order-app-servers";
    public const string Bucket = "table-order-releases-123456789012";

    public StandInFleet(int servers = 3)
    {
        StandIn = new StandInServer(StandInClients.Region, new AwsStandInState(null, StandInClients.Region));
        StandIn.State.AddTargetGroup(TargetGroupArn);
        StandIn.State.AddBucket(Bucket);
        Machines = [.. Enumerable.Range(1, servers).Select(i => new Machine($"i-0fleet0000000000{i}", $"203.0.113.{i}"))];
        foreach (var machine in Machines)
        {
            StandIn.AddInstance(machine);
        }

        StandIn.State.SetAutoScalingGroup(GroupName, [.. Machines.Select(m => m.InstanceId)]);
    }

    public StandInServer StandIn { get; }

    public IReadOnlyList<Machine> Machines { get; }

    public AwsQueryApi LoadBalancing() => AwsClients.LoadBalancing(StandInClients.Region, StandInClients.Credentials, StandIn.Url);

    public AwsQueryApi AutoScaling() => AwsClients.AutoScaling(StandInClients.Region, StandInClients.Credentials, StandIn.Url);

    public void Dispose() => StandIn.Dispose();

    /// <summary>A running instance of the group, as the stand-in serves it.</summary>
    internal sealed class Machine(string instanceId, string address) : IStandInInstance
    {
        public string InstanceId => instanceId;

        public string PublicIp => address;

        public string State { get; set; } = "running";

        public string StatusCheck => "ok";

        /// <summary>An ed25519 key of its own (the wire format: the type and 32 key bytes, each length-prefixed).</summary>
        public string HostKey { get; } = "ssh-ed25519 " + Convert.ToBase64String([
            0, 0, 0, 11, .. "ssh-ed25519"u8.ToArray(), 0, 0, 0, 32, .. System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(instanceId))]);

        public string ConsoleOutput() => $"{ConsoleHostKeys.BeginMarker}\n{HostKey} root@{instanceId}\n{ConsoleHostKeys.EndMarker}\n";

        public Task<StandInCommandResult> RunScriptAsync(string script, CancellationToken cancellationToken) =>
            Task.FromResult(new StandInCommandResult(0, string.Empty, string.Empty));
    }
}

/// <summary>
/// Target health as a test scripts it: each target answers "initial", then "unhealthy" for a number of
/// looks after it is registered, and drains for a number of looks after it is deregistered; every
/// look is counted, and every change (registered, deregistered, drained) noted in order.
/// </summary>
internal sealed class ScriptedTargets(int unhealthyLooks, int drainingLooks) : ITargetGroupListener
{
    private readonly ConcurrentDictionary<string, int> _healthLooks = new();
    private readonly ConcurrentDictionary<string, int> _drainLooks = new();
    private readonly ConcurrentDictionary<string, byte> _drained = new();

    /// <summary>Where registrations and deregistrations are noted (a test may share it with its servers).</summary>
    public ConcurrentQueue<string> Events { get; init; } = new();

    public int HealthLooks(string id) => _healthLooks.GetValueOrDefault(id);

    public int DrainLooks(string id) => _drainLooks.GetValueOrDefault(id);

    public void Registered(string targetGroupArn, string instanceId)
    {
        _healthLooks[instanceId] = 0;
        Events.Enqueue("registered " + instanceId);
    }

    public void Deregistered(string targetGroupArn, string instanceId)
    {
        _drainLooks[instanceId] = 0;
        _drained.TryRemove(instanceId, out _);
        Events.Enqueue("deregistered " + instanceId);
    }

    public string Health(string targetGroupArn, string instanceId)
    {
        var look = _healthLooks.AddOrUpdate(instanceId, 1, (_, n) => n + 1);
        return look == 1 ? "initial" : look <= unhealthyLooks ? "unhealthy" : "healthy";
    }

    public bool Draining(string targetGroupArn, string instanceId, TimeSpan sinceDeregistered)
    {
        var draining = _drainLooks.AddOrUpdate(instanceId, 1, (_, n) => n + 1) <= drainingLooks;
        if (!draining && _drained.TryAdd(instanceId, 0))
        {
            Events.Enqueue("drained " + instanceId);
        }

        return draining;
    }
}
