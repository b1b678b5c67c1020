using System.Globalization;
using Cake.Core.Diagnostics;
using TableOrder.Build.Aws.StandIn;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Local;

namespace TableOrder.Build.Rehearsal;

/// <summary>
/// The rehearsal's Auto Scaling group (the plan's app_server_count above 1): each machine of the stack
/// is an instance the group launched, with an id of its own (kept in its folder), booted from a fresh
/// copy of the image through cloud-init and held out of the target group by the launch hook until its
/// user data completes it. The stand-in's side: the target group (HAProxy follows its registrations),
/// the release bucket, the hook, the machines as instances.
/// </summary>
public sealed class RehearsalAutoScaling(LocalEnvironment stack, AwsApiStandIn standIn, PlannedFleet fleet, ICakeLog log)
{
    public const string InstanceIdFileName = "rehearsal-instance-id";

    /// <summary>The first boot of a new server: packages, and with a release the bootstrap and the release from S3.</summary>
    public static readonly TimeSpan LaunchTimeout = TimeSpan.FromMinutes(20);

    /// <summary>The target group's ARN as the stand-in names it (terraform would have made it: not in the plan).</summary>
    public string TargetGroupArn =>
        $"arn:aws:elasticloadbalancing:{RehearsalSite.Region}:{AwsApiStandIn.AccountId}:targetgroup/{fleet.TargetGroupName}/{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(fleet.TargetGroupName)))[..16]}";

    /// <summary>The instance id Auto Scaling gave this machine at its launch; null when it was never launched.</summary>
    public static string? LaunchedId(LocalAppServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return File.Exists(InstanceIdFile(server)) ? File.ReadAllText(InstanceIdFile(server)).Trim() : null;
    }

    private static string InstanceIdFile(LocalAppServer server) => Path.Combine(server.Layout.StateDirectory, InstanceIdFileName);

    public LocalAppServer? ServerOf(string instanceId) => stack.Fleet.Servers.FirstOrDefault(s => LaunchedId(s) == instanceId);

    /// <summary>Back to the single instance: terraform destroys the group, so every machine's launch is over.</summary>
    public static void TerminateAll(LocalEnvironment stack, AwsApiStandIn standIn)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(standIn);
        foreach (var server in stack.Fleet.Servers)
        {
            if (LaunchedId(server) is { } id)
            {
                foreach (var group in standIn.State.AutoScalingGroups.Keys)
                {
                    standIn.State.Terminate(group, id);
                }

                File.Delete(InstanceIdFile(server));
            }
        }
    }

    /// <summary>
    /// The one stood-in step of the fleet's user data: EC2's servers all answer on 80/8000/8001; these
    /// machines share this host's network, so each gets its own ports in the file the user data reads.
    /// </summary>
    public static void WritePorts(LocalAppServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        var ports = Path.Combine(server.Layout.MachineRootfs, "etc", "tableorder", "server-ports.env");
        Directory.CreateDirectory(Path.GetDirectoryName(ports)!);
        File.WriteAllText(ports, string.Create(CultureInfo.InvariantCulture, $"# Written by the rehearsal (build/Rehearsal/RehearsalAutoScaling.cs): this machine's own ports.\nHTTP_PORT={server.Layout.Ports.Http}\nBLUE_PORT={server.Layout.Ports.Api}\nGREEN_PORT={server.Layout.Ports.ApiGreen}\n"));
    }

    /// <summary>The stand-in's side of the group, for any target of the run (Activate and Rollback move HAProxy through it too).</summary>
    public void Wire()
    {
        var arn = TargetGroupArn;
        standIn.State.AddTargetGroup(arn);
        standIn.State.AddBucket(fleet.ReleaseBucketName);
        if (fleet.LaunchHookName is { } hook)
        {
            standIn.LaunchHooks[fleet.AutoScalingGroupName] = hook;
        }

        standIn.TargetGroupListener = new RehearsalTargetGroup(stack.Fleet.LoadBalancer, ServerOf, TimeSpan.FromSeconds(fleet.DeregistrationDelaySeconds), log);
        stack.Fleet.TakesTraffic = s => LaunchedId(s) is { } id && standIn.State.TargetGroups[arn].ContainsKey(id);
        foreach (var server in stack.Fleet.Servers)
        {
            if (LaunchedId(server) is { } id)
            {
                standIn.AddInstance(new RehearsalInstance(server.Layout, server.Machine, id));
            }
        }
    }

    /// <summary>
    /// What Auto Scaling does for the group's size: each machine 1..<paramref name="count"/> that is not an
    /// instance in service is launched as a new one (a new instance id: cloud-init's first boot runs the
    /// user data again), waiting for the launch hook when the plan has one; a launch a previous run left
    /// waiting or abandoned is replaced, as the hook's timeout would; machines beyond the count leave the group.
    /// </summary>
    public IReadOnlyList<LocalAppServer> Launch(int count)
    {
        Wire();
        var group = fleet.AutoScalingGroupName;
        var launched = new List<LocalAppServer>();
        for (var index = 1; index <= Math.Max(count, stack.Fleet.Count); index++)
        {
            var server = stack.Fleet.Server(index);
            var id = LaunchedId(server);
            if (index > count)
            {
                if (id is not null)
                {
                    standIn.State.Terminate(group, id);
                    File.Delete(InstanceIdFile(server));
                    log.Information("Auto Scaling group {0}: {1} ({2}) terminated (the group has {3} now).", group, id, server.Layout.MachineName, count);
                }

                continue;
            }

            var launch = id is null ? null : standIn.State.Launching.GetValueOrDefault(id);
            if (id is not null && launch is null && standIn.State.AutoScalingGroups.GetValueOrDefault(group)?.Contains(id) == true)
            {
                continue;
            }

            if (id is not null)
            {
                standIn.State.Terminate(group, id);
                log.Warning(
                    "Auto Scaling group {0}: {1} ({2}) {3}; it is replaced by a new instance (a fresh first boot), as Auto Scaling does.",
                    group,
                    id,
                    server.Layout.MachineName,
                    launch == AwsStandInState.Abandoned ? "abandoned its launch (its user data failed)" : launch == AwsStandInState.PendingWait ? "never completed its launch (the run that launched it ended first)" : "is not in the group");
            }

            // a new instance boots from the AMI: a fresh copy of the machine image, not the old disk
            server.Machine.Stop();
            server.Machine.DeleteWorkingCopy();
            var newId = "i-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(9))[..17];
            Directory.CreateDirectory(server.Layout.StateDirectory);
            File.WriteAllText(InstanceIdFile(server) + ".tmp", newId + "\n");
            File.Move(InstanceIdFile(server) + ".tmp", InstanceIdFile(server), overwrite: true);
            standIn.AddInstance(new RehearsalInstance(server.Layout, server.Machine, newId));
            standIn.Launch(group, newId);
            log.Information("Auto Scaling group {0}: launching {1} on {2}{3}.", group, newId, server.Layout.MachineName, fleet.LaunchHookName is { } hook ? $" (its launch hook {hook} holds it out of the target group until its user data completes it)" : string.Empty);
            launched.Add(server);
        }

        return launched;
    }

    /// <summary>
    /// Waits as terraform does for the group's capacity: each launched instance in service (its user data
    /// completed the launch hook), and, once the release bucket names a current release, called healthy by
    /// the target group (the new servers serve it).
    /// </summary>
    public async Task WaitForLaunchesAsync(IReadOnlyList<LocalAppServer> launched, RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(launched);
        ArgumentNullException.ThrowIfNull(summary);
        if (launched.Count == 0)
        {
            return;
        }

        using var step = log.Step($"Auto Scaling: waiting for {string.Join(", ", launched.Select(LaunchedId))} (first boot through cloud-init: packages, and with a release the bootstrap and the release from S3)");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var note = TimeSpan.FromSeconds(30);
        var waiting = launched.ToList();
        while (true)
        {
            foreach (var server in waiting.ToList())
            {
                var id = LaunchedId(server)!;
                switch (standIn.State.Launching.GetValueOrDefault(id))
                {
                    case null:
                        log.Information("{0} ({1}): in service ({2:0}s)", id, server.Layout.MachineName, clock.Elapsed.TotalSeconds);
                        waiting.Remove(server);
                        break;
                    case AwsStandInState.Abandoned:
                        throw new LocalEnvironmentException(
                            $"Rehearsal: {id} ({server.Layout.MachineName}) abandoned its launch: its user data failed. The end of its /var/log/cloud-init-output.log:\n{BootLogTail(server)}\nThe next Provision replaces it with a new instance, as Auto Scaling does.");
                    default:
                        if (server.Machine.RunningPid is null)
                        {
                            throw new LocalEnvironmentException($"Rehearsal: {id} ({server.Layout.MachineName}) stopped during its first boot; the next Provision replaces it.");
                        }

                        break;
                }
            }

            if (waiting.Count == 0)
            {
                break;
            }

            if (clock.Elapsed > LaunchTimeout)
            {
                throw new LocalEnvironmentException(
                    $"Rehearsal: {string.Join(", ", waiting.Select(LaunchedId))} did not complete the launch within {LaunchTimeout.TotalMinutes:0} minutes; the next Provision replaces it. The end of {waiting[0].Layout.MachineName}'s /var/log/cloud-init-output.log:\n{BootLogTail(waiting[0])}");
            }

            if (clock.Elapsed > note)
            {
                log.Information("Auto Scaling: {0} still Pending:Wait ({1:0}s; its user data is running)", string.Join(", ", waiting.Select(LaunchedId)), clock.Elapsed.TotalSeconds);
                note += TimeSpan.FromSeconds(30);
            }

            await Task.Delay(TimeSpan.FromSeconds(1), Signals.Interruption.Process.Token);
        }

        if (standIn.State.Buckets.TryGetValue(fleet.ReleaseBucketName, out var objects) && objects.ContainsKey("releases/current"))
        {
            foreach (var server in launched)
            {
                var id = LaunchedId(server)!;
                Waiting.Until(() => standIn.TargetGroupListener.Health(TargetGroupArn, id) == "healthy", TimeSpan.FromMinutes(2), $"Rehearsal: the target group did not call {id} healthy within 2 minutes; see --target=Status.");
                log.Information("{0}: healthy in target group {1}, serving the bucket's current release", id, fleet.TargetGroupName);
            }
        }

        summary.Record("launched", launched.Select(s => new { server = LaunchedId(s), machine = s.Layout.MachineName }).ToList());
        step.Done();
    }

    /// <summary>The last lines of a machine's first-boot output (cloud-init's log in its copy).</summary>
    private static string BootLogTail(LocalAppServer server)
    {
        var output = Path.Combine(server.Layout.MachineRootfs, "var", "log", "cloud-init-output.log");
        return File.Exists(output) ? string.Join("\n", File.ReadLines(output).TakeLast(25)) : "(no cloud-init output yet)";
    }
}
