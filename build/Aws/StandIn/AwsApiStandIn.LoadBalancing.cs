using System.Collections.Concurrent;
using System.Collections.Specialized;
using System.Globalization;
using System.Security;
using System.Text;

namespace TableOrder.Build.Aws.StandIn;

/// <summary>
/// What stands behind the stand-in's target groups: told of every registration and deregistration (the
/// rehearsal moves HAProxy with them), and asked how a target is doing, as the ALB's own health checks
/// and connection draining would say.
/// </summary>
public interface ITargetGroupListener
{
    void Registered(string targetGroupArn, string instanceId);

    void Deregistered(string targetGroupArn, string instanceId);

    /// <summary>A registered target's health: initial, healthy or unhealthy.</summary>
    string Health(string targetGroupArn, string instanceId);

    /// <summary>Whether a deregistered target still has open requests to finish (then it is draining, else unused).</summary>
    bool Draining(string targetGroupArn, string instanceId, TimeSpan sinceDeregistered);
}

/// <summary>The stand-in's own answer with no one behind it: healthy once registered, drained after <see cref="DeregistrationDelay"/>.</summary>
public sealed class StandInTargetGroupDefaults : ITargetGroupListener
{
    public TimeSpan DeregistrationDelay { get; init; } = TimeSpan.FromSeconds(1);

    public void Registered(string targetGroupArn, string instanceId)
    {
    }

    public void Deregistered(string targetGroupArn, string instanceId)
    {
    }

    public string Health(string targetGroupArn, string instanceId) => "healthy";

    public bool Draining(string targetGroupArn, string instanceId, TimeSpan sinceDeregistered) => sinceDeregistered < DeregistrationDelay;
}

/// <content>ELBv2's target groups and Auto Scaling's groups.</content>
public sealed partial class AwsApiStandIn
{
    private const string ElbNamespace = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";
    private const string AutoScalingNamespace = "http://autoscaling.amazonaws.com/doc/2011-01-01/";

    /// <summary>When each target was deregistered (it drains until the listener says it is done).</summary>
    private readonly ConcurrentDictionary<(string Group, string Instance), DateTimeOffset> _deregistered = new();

    /// <summary>Told of target changes and asked for target health (the rehearsal's HAProxy; by default the stand-in's own answers).</summary>
    public ITargetGroupListener TargetGroupListener { get; set; } = new StandInTargetGroupDefaults();

    private StandInReply LoadBalancing(string action, NameValueCollection form)
    {
        var arn = form["TargetGroupArn"] ?? string.Empty;
        if (!State.TargetGroups.ContainsKey(arn))
        {
            return ElbError("TargetGroupNotFound", $"Target groups '{arn}' not found");
        }

        var targets = Indexed(form, "Targets.member", ".Id");
        switch (action)
        {
            case "RegisterTargets":
                if (targets.FirstOrDefault(t => !_instances.TryGetValue(t, out var i) || i.State != "running") is { } notRunning)
                {
                    return ElbError("InvalidTarget", $"The following targets are not in a running state and cannot be registered: '{notRunning}'");
                }

                foreach (var id in targets)
                {
                    _deregistered.TryRemove((arn, id), out _);
                    if (State.SetRegistered(arn, id, registered: true))
                    {
                        TargetGroupListener.Registered(arn, id);
                    }
                }

                return ElbResult(action, string.Empty);
            case "DeregisterTargets":
                foreach (var id in targets)
                {
                    if (State.SetRegistered(arn, id, registered: false))
                    {
                        _deregistered[(arn, id)] = DateTimeOffset.UtcNow;
                        TargetGroupListener.Deregistered(arn, id);
                    }
                    else if (!State.TargetGroups[arn].ContainsKey(id) && !_deregistered.ContainsKey((arn, id)) && !_instances.ContainsKey(id))
                    {
                        return ElbError("InvalidTarget", $"The target '{id}' is not registered and is not a valid instance");
                    }
                }

                return ElbResult(action, string.Empty);
            case "DescribeTargetHealth":
                return DescribeTargetHealth(arn, targets);
            default:
                return ElbError("InvalidAction", $"The stand-in does not serve elasticloadbalancing:{action}.");
        }
    }

    /// <summary>The named targets (any state, unused when not registered), else every registered or draining one.</summary>
    private StandInReply DescribeTargetHealth(string arn, IReadOnlyList<string> asked)
    {
        var registered = State.TargetGroups[arn];
        var ids = asked.Count > 0
            ? asked
            : [.. registered.Keys.Concat(_deregistered.Keys.Where(k => k.Group == arn).Select(k => k.Instance)).Distinct().Order(StringComparer.Ordinal)];
        var members = new StringBuilder();
        foreach (var id in ids)
        {
            if (!registered.ContainsKey(id) && !_deregistered.ContainsKey((arn, id)) && !_instances.ContainsKey(id))
            {
                return ElbError("InvalidTarget", $"The target '{id}' is not a valid instance");
            }

            var (state, reason, description) = TargetState(arn, id, registered.ContainsKey(id));
            if (asked.Count == 0 && state == "unused")
            {
                continue;
            }

            var why = reason is null ? string.Empty : $"<Reason>{reason}</Reason><Description>{SecurityElement.Escape(description)}</Description>";
            members.Append(CultureInfo.InvariantCulture, $"<member><HealthCheckPort>80</HealthCheckPort><Target><Id>{id}</Id><Port>80</Port></Target><TargetHealth><State>{state}</State>{why}</TargetHealth></member>");
        }

        return ElbResult("DescribeTargetHealth", $"<TargetHealthDescriptions>{members}</TargetHealthDescriptions>");
    }

    private (string State, string? Reason, string? Description) TargetState(string arn, string id, bool registered)
    {
        if (registered)
        {
            return TargetGroupListener.Health(arn, id) switch
            {
                "healthy" => ("healthy", null, null),
                "initial" => ("initial", "Elb.RegistrationInProgress", "Target registration is in progress"),
                var other => (other, "Target.FailedHealthChecks", "Health checks failed"),
            };
        }

        if (_deregistered.TryGetValue((arn, id), out var since))
        {
            if (TargetGroupListener.Draining(arn, id, DateTimeOffset.UtcNow - since))
            {
                return ("draining", "Target.DeregistrationInProgress", "Target deregistration is in progress");
            }

            _deregistered.TryRemove((arn, id), out _);
        }

        return ("unused", "Target.NotRegistered", "Target is not registered to the target group");
    }

    private static StandInReply ElbResult(string action, string result) => Xml(
        $"<{action}Response xmlns=\"{ElbNamespace}\"><{action}Result>{result}</{action}Result><ResponseMetadata><RequestId>{Guid.NewGuid()}</RequestId></ResponseMetadata></{action}Response>");

    private static StandInReply ElbError(string code, string message) => QueryError(ElbNamespace, code, message);

    private static StandInReply QueryError(string ns, string code, string message) => new(
        400,
        $"<ErrorResponse xmlns=\"{ns}\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{SecurityElement.Escape(message)}</Message></Error><RequestId>{Guid.NewGuid()}</RequestId></ErrorResponse>",
        "text/xml");

    // ---- Auto Scaling -------------------------------------------------------------------------------

    /// <summary>Each group's launch lifecycle hook (terraform's initial_lifecycle_hook), by group name.</summary>
    public ConcurrentDictionary<string, string> LaunchHooks { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Auto Scaling launched <paramref name="instanceId"/> into <paramref name="group"/>: with a launch
    /// hook it waits (Pending:Wait, in no target group) until CompleteLifecycleAction; without one it is in
    /// service and registered in the target groups at once.
    /// </summary>
    public void Launch(string group, string instanceId)
    {
        var waits = LaunchHooks.ContainsKey(group);
        State.Launch(group, instanceId, waits);
        if (!waits)
        {
            RegisterInService(instanceId);
        }
    }

    private void RegisterInService(string instanceId)
    {
        foreach (var arn in State.TargetGroups.Keys)
        {
            _deregistered.TryRemove((arn, instanceId), out _);
            if (State.SetRegistered(arn, instanceId, registered: true))
            {
                TargetGroupListener.Registered(arn, instanceId);
            }
        }
    }

    private StandInReply AutoScaling(string action, NameValueCollection form) => action switch
    {
        "DescribeAutoScalingGroups" => DescribeAutoScalingGroups(form),
        "CompleteLifecycleAction" => CompleteLifecycleAction(form),
        _ => QueryError(AutoScalingNamespace, "InvalidAction", $"The stand-in does not serve autoscaling:{action}."),
    };

    /// <summary>The instance's launch hook is done: CONTINUE puts it in service (and in the target groups), ABANDON has it terminated.</summary>
    private StandInReply CompleteLifecycleAction(NameValueCollection form)
    {
        var (group, hook, instance, result) = (form["AutoScalingGroupName"] ?? string.Empty, form["LifecycleHookName"] ?? string.Empty, form["InstanceId"] ?? string.Empty, form["LifecycleActionResult"] ?? string.Empty);
        if (result is not ("CONTINUE" or "ABANDON"))
        {
            return QueryError(AutoScalingNamespace, "ValidationError", $"LifecycleActionResult must be CONTINUE or ABANDON, not '{result}'.");
        }

        if (!LaunchHooks.TryGetValue(group, out var known) || known != hook)
        {
            return QueryError(AutoScalingNamespace, "ValidationError", $"No Lifecycle Hook found with name {hook} for group {group}");
        }

        if (!State.AutoScalingGroups.TryGetValue(group, out var members) || !members.Contains(instance) || !State.CompleteLaunch(instance, result == "CONTINUE"))
        {
            return QueryError(AutoScalingNamespace, "ValidationError", $"No active Lifecycle Action found with instance ID {instance}");
        }

        if (result == "CONTINUE")
        {
            RegisterInService(instance);
        }

        return Xml($"<CompleteLifecycleActionResponse xmlns=\"{AutoScalingNamespace}\"><CompleteLifecycleActionResult/><ResponseMetadata><RequestId>{Guid.NewGuid()}</RequestId></ResponseMetadata></CompleteLifecycleActionResponse>");
    }

    /// <summary>DescribeAutoScalingGroups: the named groups that exist (an unknown name is left out, as AWS does).</summary>
    private StandInReply DescribeAutoScalingGroups(NameValueCollection form)
    {
        var names = Indexed(form, "AutoScalingGroupNames.member", string.Empty);
        var groups = new StringBuilder();
        foreach (var (name, instances) in State.AutoScalingGroups.Where(g => names.Count == 0 || names.Contains(g.Key)).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var members = new StringBuilder();
            foreach (var id in instances)
            {
                var state = _instances.TryGetValue(id, out var instance) ? instance.State : "terminated";
                var lifecycle = State.Launching.GetValueOrDefault(id) switch
                {
                    AwsStandInState.PendingWait => AwsStandInState.PendingWait,
                    AwsStandInState.Abandoned => "Terminating",
                    _ => state switch { "running" => "InService", "pending" => "Pending", _ => "Terminating" },
                };
                members.Append(CultureInfo.InvariantCulture, $"<member><InstanceId>{id}</InstanceId><InstanceType>t3.medium</InstanceType><AvailabilityZone>{Region}a</AvailabilityZone><LifecycleState>{lifecycle}</LifecycleState><HealthStatus>{(state == "running" ? "Healthy" : "Unhealthy")}</HealthStatus><ProtectedFromScaleIn>false</ProtectedFromScaleIn></member>");
            }

            var count = instances.Count.ToString(CultureInfo.InvariantCulture);
            var targetGroups = string.Concat(State.TargetGroups.Keys.Order(StringComparer.Ordinal).Select(t => $"<member>{t}</member>"));
            groups.Append(CultureInfo.InvariantCulture, $"""
                <member>
                  <AutoScalingGroupName>{name}</AutoScalingGroupName>
                  <AutoScalingGroupARN>arn:aws:autoscaling:{Region}:{AccountId}:autoScalingGroup:00000000-0000-0000-0000-000000000000:autoScalingGroupName/{name}</AutoScalingGroupARN>
                  <MinSize>{count}</MinSize><MaxSize>{count}</MaxSize><DesiredCapacity>{count}</DesiredCapacity><DefaultCooldown>300</DefaultCooldown>
                  <AvailabilityZones><member>{Region}a</member><member>{Region}c</member></AvailabilityZones>
                  <HealthCheckType>ELB</HealthCheckType><HealthCheckGracePeriod>900</HealthCheckGracePeriod>
                  <CreatedTime>2026-11-01T00:00:00.000Z</CreatedTime>
                  <Instances>{members}</Instances>
                  <TargetGroupARNs>{targetGroups}</TargetGroupARNs>
                </member>
                """);
        }

        return Xml($"<DescribeAutoScalingGroupsResponse xmlns=\"{AutoScalingNamespace}\"><DescribeAutoScalingGroupsResult><AutoScalingGroups>{groups}</AutoScalingGroups></DescribeAutoScalingGroupsResult><ResponseMetadata><RequestId>{Guid.NewGuid()}</RequestId></ResponseMetadata></DescribeAutoScalingGroupsResponse>");
    }

    /// <summary>Query lists: <paramref name="prefix"/>.1<paramref name="suffix"/>, .2, ... until one is missing.</summary>
    private static List<string> Indexed(NameValueCollection form, string prefix, string suffix) =>
        [.. Enumerable.Range(1, 100).Select(i => form[$"{prefix}.{i.ToString(CultureInfo.InvariantCulture)}{suffix}"]).TakeWhile(v => v is not null).Select(v => v!)];
}
