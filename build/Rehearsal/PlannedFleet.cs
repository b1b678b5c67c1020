using System.Globalization;
using System.Text.Json;
using TableOrder.Build.Terraform;

namespace TableOrder.Build.Rehearsal;

/// <summary>
/// What the rehearsal's plan says of a scaled-out stack (app_server_count above 1): the Auto Scaling
/// group and its launch hook, the target group and its deregistration delay, the release bucket.
/// Kept in the state folder, so runs without a plan (Status, Rollback, ...) find the same names.
/// </summary>
public sealed record PlannedFleet(string AutoScalingGroupName, string? LaunchHookName, string TargetGroupName, int DeregistrationDelaySeconds, string ReleaseBucketName)
{
    public const string FileName = "rehearsal-fleet.json";

    public const string AutoScalingGroupAddress = "module.compute.aws_autoscaling_group.app_servers[0]";

    public const string TargetGroupAddress = "module.load_balancer[0].aws_lb_target_group.app";

    public const string LaunchTemplateAddress = "module.compute.aws_launch_template.app_server[0]";

    /// <summary>The fleet the plan shows; null when it plans the single server.</summary>
    public static PlannedFleet? FromPlan(string planJson, IReadOnlyDictionary<string, JsonElement> outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        if (PlannedResources.Values(planJson, AutoScalingGroupAddress) is not { } group)
        {
            return null;
        }

        var targetGroup = PlannedResources.Values(planJson, TargetGroupAddress)
            ?? throw new TerraformException($"Rehearsal: the plan has an Auto Scaling group but no {TargetGroupAddress}.");
        var hook = group.TryGetProperty("initial_lifecycle_hook", out var hooks) && hooks.ValueKind == JsonValueKind.Array
            ? hooks.EnumerateArray().Where(h => h.TryGetProperty("lifecycle_transition", out var t) && t.GetString() == "autoscaling:EC2_INSTANCE_LAUNCHING").Select(h => h.GetProperty("name").GetString()).FirstOrDefault()
            : null;
        var delay = targetGroup.TryGetProperty("deregistration_delay", out var d) && int.TryParse(d.ToString(), CultureInfo.InvariantCulture, out var seconds) ? seconds : 300;
        var bucket = outputs.TryGetValue("release_bucket_name", out var b) && b.ValueKind == JsonValueKind.String
            ? b.GetString()!
            : throw new TerraformException("Rehearsal: the plan of a scaled-out stack does not know the output release_bucket_name.");
        return new PlannedFleet(group.GetProperty("name").GetString()!, hook, targetGroup.GetProperty("name").GetString()!, delay, bucket);
    }

    public static PlannedFleet? Load(string stateDirectory)
    {
        var file = Path.Combine(stateDirectory, FileName);
        return File.Exists(file) ? JsonSerializer.Deserialize<PlannedFleet>(File.ReadAllText(file)) : null;
    }

    /// <summary>Keeps it (temp name, then rename); a plan of the single server removes it.</summary>
    public static void Save(string stateDirectory, PlannedFleet? fleet)
    {
        var file = Path.Combine(stateDirectory, FileName);
        if (fleet is null)
        {
            File.Delete(file);
            return;
        }

        Directory.CreateDirectory(stateDirectory);
        File.WriteAllText(file + ".tmp", JsonSerializer.Serialize(fleet));
        File.Move(file + ".tmp", file, overwrite: true);
    }
}

/// <summary>Resources in a plan's planned_values, by address, in the root module or any child module.</summary>
public static class PlannedResources
{
    /// <summary>The planned values of the resource at <paramref name="address"/>; null when the plan has none.</summary>
    public static JsonElement? Values(string planJson, string address)
    {
        using var document = JsonDocument.Parse(planJson);
        if (!document.RootElement.TryGetProperty("planned_values", out var planned) || !planned.TryGetProperty("root_module", out var root))
        {
            return null;
        }

        return Find(root, address)?.Clone();
    }

    private static JsonElement? Find(JsonElement module, string address)
    {
        if (module.TryGetProperty("resources", out var resources))
        {
            foreach (var resource in resources.EnumerateArray())
            {
                if (resource.GetProperty("address").GetString() == address && resource.TryGetProperty("values", out var values))
                {
                    return values;
                }
            }
        }

        if (module.TryGetProperty("child_modules", out var children))
        {
            foreach (var child in children.EnumerateArray())
            {
                if (Find(child, address) is { } found)
                {
                    return found;
                }
            }
        }

        return null;
    }
}
