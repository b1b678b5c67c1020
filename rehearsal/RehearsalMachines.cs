using System.Globalization;
using System.Text;
using Amazon.EC2;
using Amazon.EC2.Model;
using Cake.Core.Diagnostics;
using TableOrder.Build.Aws;
using TableOrder.Build.Local;

namespace TableOrder.Build.Rehearsal;

/// <summary>One instance moto holds for the stack, as the bridge needs it.</summary>
/// <param name="AutoScalingGroup">The group that launched it (its aws:autoscaling:groupName tag); null for the single server.</param>
public sealed record RehearsalInstance(string InstanceId, string State, string? KeyName, string? AutoScalingGroup);

/// <summary>
/// The bridge's side in this build: each instance moto holds for the stack (pending or running: the
/// single server, or the Auto Scaling group's) is a machine of the stack, booted from this machine's
/// Debian 13 image through cloud-init (NoCloud) with the user data and the key pair moto keeps for it.
/// Machine 1 is the stack's own; more instances take machines 2, 3, ... (servers/app-k). A new
/// instance gets a fresh copy of the image (a new disk); a machine whose instance is gone (terminated,
/// stopped) stops. Which instance a machine is stays in its folder (rehearsal-instance-id). After each
/// pass the bridge file tells moto where each instance's console, namespaces and sshd are, and which
/// HAProxy server plays it in the target group; HAProxy runs in front when there are several.
/// </summary>
public sealed class RehearsalMachines(LocalEnvironment stack, MotoServer aws, IAmazonEC2 ec2, Func<LocalAppServer, RehearsalInstance, Task<Action>> prepareBoot, Func<Task<IReadOnlySet<string>>> registeredTargets, ICakeLog log) : IDisposable
{
    public const string InstanceIdFileName = "rehearsal-instance-id";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<(LocalAppServer Server, string InstanceId)> _launched = [];

    /// <summary>The instances that became new machines in this build (a fresh copy, a first boot).</summary>
    public IReadOnlyList<(LocalAppServer Server, string InstanceId)> Launched => _launched;

    /// <summary>The instance a machine plays; null when none (never launched, or its instance is gone).</summary>
    public static string? InstanceOf(LocalAppServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        var file = RecordFile(server);
        return File.Exists(file) && File.ReadAllText(file).Trim() is { Length: > 0 } id ? id : null;
    }

    /// <summary>The machine that plays <paramref name="instanceId"/>; null when none does.</summary>
    public LocalAppServer? ServerOf(string instanceId) => Slots().FirstOrDefault(s => InstanceOf(s) == instanceId);

    /// <summary>The machines that play an instance, and which.</summary>
    public IReadOnlyList<(LocalAppServer Server, string InstanceId)> Assigned() =>
        [.. Slots().Where(s => InstanceOf(s) is not null).Select(s => (s, InstanceOf(s)!))];

    /// <summary>One pass: machines follow moto's instances, and the bridge file and HAProxy follow the machines.</summary>
    public async Task ReconcileAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await ReconcileLockedAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Passes every two seconds until cancelled: while terraform applies, its instances become machines as they appear.</summary>
    public async Task WatchAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await ReconcileAsync(cancellationToken);
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task ReconcileLockedAsync(CancellationToken cancellationToken)
    {
        var live = (await LiveInstancesAsync(cancellationToken)).ToDictionary(i => i.InstanceId, StringComparer.Ordinal);

        // machines whose instance is gone stop; their folder is free for the next new instance
        foreach (var server in Slots())
        {
            if (InstanceOf(server) is { } id && !live.ContainsKey(id))
            {
                log.Information("Rehearsal: instance {0} is gone from the rehearsal's AWS: machine {1} stops", id, server.Layout.MachineName);
                server.Machine.Stop();
                File.Delete(RecordFile(server));
            }
        }

        // a new instance boots from the image: a fresh copy, not an old disk
        var assigned = Slots().Where(s => InstanceOf(s) is not null).Select(s => InstanceOf(s)!).ToHashSet(StringComparer.Ordinal);
        foreach (var instance in live.Values.Where(i => !assigned.Contains(i.InstanceId)).OrderBy(i => i.InstanceId, StringComparer.Ordinal))
        {
            var server = FreeSlot();
            log.Information("Rehearsal: instance {0}{1} is machine {2} (a fresh copy of the Debian 13 image, first boot through cloud-init)", instance.InstanceId, instance.AutoScalingGroup is { } group ? $" of {group}" : string.Empty, server.Layout.MachineName);
            server.Machine.Stop();
            server.Machine.DeleteWorkingCopy();
            Directory.CreateDirectory(server.Layout.StateDirectory);
            File.WriteAllText(RecordFile(server) + ".tmp", instance.InstanceId + "\n");
            File.Move(RecordFile(server) + ".tmp", RecordFile(server), overwrite: true);
            _launched.Add((server, instance.InstanceId));
        }

        var machines = Slots().Where(s => InstanceOf(s) is { } id && live.ContainsKey(id)).ToList();
        var count = machines.Count == 0 ? 1 : machines.Max(s => s.Index);
        var balanced = count > 1;
        WriteBridge(machines, balanced);
        if (balanced)
        {
            var registered = await registeredTargets();
            stack.Fleet.TakesTraffic = s => InstanceOf(s) is { } id && registered.Contains(id);
        }

        stack.Fleet.ServeWith(count);
        foreach (var server in machines.Where(s => s.Machine.RunningPid is null))
        {
            var instance = live[InstanceOf(server)!];
            server.Machine.BeforeBoot = await prepareBoot(server, instance);
            server.Machine.Start();
        }
    }

    /// <summary>Machine 1 (the stack's own) and every machine folder there is or the stack remembers.</summary>
    private List<LocalAppServer> Slots()
    {
        var folder = Path.Combine(stack.Layout.StateDirectory, "servers");
        var made = Directory.Exists(folder)
            ? Directory.GetDirectories(folder, "app-*").Select(d => int.TryParse(Path.GetFileName(d)[4..], CultureInfo.InvariantCulture, out var k) ? k : 1).DefaultIfEmpty(1).Max()
            : 1;
        return [.. Enumerable.Range(1, Math.Max(made, stack.Fleet.Count)).Select(stack.Fleet.Server)];
    }

    private LocalAppServer FreeSlot()
    {
        for (var index = 1; ; index++)
        {
            var server = stack.Fleet.Server(index);
            if (InstanceOf(server) is null)
            {
                return server;
            }
        }
    }

    private static string RecordFile(LocalAppServer server) => Path.Combine(server.Layout.StateDirectory, InstanceIdFileName);

    /// <summary>The instances moto holds that are pending or running.</summary>
    private async Task<List<RehearsalInstance>> LiveInstancesAsync(CancellationToken cancellationToken)
    {
        var response = await ec2.DescribeInstancesAsync(
            new DescribeInstancesRequest { Filters = [new Filter("instance-state-name", ["pending", "running"])] },
            cancellationToken);
        return [.. (response.Reservations ?? []).SelectMany(r => r.Instances ?? []).Select(i => new RehearsalInstance(
            i.InstanceId,
            i.State?.Name?.Value ?? "unknown",
            i.KeyName,
            i.Tags?.FirstOrDefault(t => t.Key == "aws:autoscaling:groupName")?.Value))];
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>The user data moto keeps for the instance (DescribeInstanceAttribute userData, base64).</summary>
    public static async Task<string> UserDataAsync(IAmazonEC2 ec2, string instanceId)
    {
        ArgumentNullException.ThrowIfNull(ec2);
        var attribute = await ec2.DescribeInstanceAttributeAsync(new DescribeInstanceAttributeRequest { InstanceId = instanceId, Attribute = InstanceAttributeName.UserData });
        var encoded = attribute.InstanceAttribute?.UserData;
        return string.IsNullOrEmpty(encoded) ? string.Empty : Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
    }

    /// <summary>The key pair's public key, as EC2's metadata gives it to cloud-init; null for an instance without a key pair.</summary>
    public static async Task<string?> PublicKeyAsync(IAmazonEC2 ec2, string? keyName)
    {
        ArgumentNullException.ThrowIfNull(ec2);
        if (keyName is null)
        {
            return null;
        }

        var pairs = await ec2.DescribeKeyPairsAsync(new DescribeKeyPairsRequest { KeyNames = [keyName], IncludePublicKey = true });
        return pairs.KeyPairs?.FirstOrDefault()?.PublicKey ?? throw new AwsException($"Key pair {keyName} has no public key in the rehearsal's AWS.");
    }

    private void WriteBridge(List<LocalAppServer> machines, bool balanced)
    {
        var instances = machines.ToDictionary(
            s => InstanceOf(s)!,
            s => (object)new Dictionary<string, object>
            {
                ["machine"] = s.Layout.MachineName,
                ["nspawnPidFile"] = s.Layout.MachinePidFile,
                ["consoleLog"] = s.Layout.MachineConsoleLog,
                ["sshPort"] = s.Layout.Ports.Ssh,
                ["httpPort"] = s.Layout.Ports.Http,
                ["balancerServer"] = s.Name,
            },
            StringComparer.Ordinal);
        var bridge = new Dictionary<string, object> { ["instances"] = instances };
        if (balanced)
        {
            bridge["loadBalancer"] = new Dictionary<string, object> { ["socket"] = stack.Fleet.LoadBalancer.Socket, ["backend"] = LocalLoadBalancer.Backend };
        }

        aws.WriteBridge(bridge);
    }
}
