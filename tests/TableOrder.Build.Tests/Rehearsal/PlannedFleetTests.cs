using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TableOrder.Build.Rehearsal;
using TableOrder.Build.Terraform;
using Xunit;

namespace TableOrder.Build.Tests.Rehearsal;

/// <summary>What the rehearsal reads from the plan of a scaled-out stack, and the launch template's user data check.</summary>
[Trait("Category", "Unit")]
public sealed class PlannedFleetTests
{
    private const string FleetUserData = "#!/bin/bash\nset -euo pipefail\necho fleet\n";

    [Fact]
    public void The_group_its_launch_hook_the_target_group_its_delay_and_the_release_bucket_come_from_the_plan()
    {
        var plan = Plan(Convert.ToBase64String(Encoding.UTF8.GetBytes(FleetUserData)));

        var fleet = PlannedFleet.FromPlan(plan, Outputs(plan));

        Assert.Equal(new PlannedFleet("table-order-app-servers", "table-order-app-server-launching", "table-order-app", 30, "table-order-releases-123456789012"), fleet);
    }

    [Fact]
    public void A_plan_of_the_single_server_has_no_fleet()
    {
        var plan = JsonSerializer.Serialize(new { planned_values = new { outputs = new { }, root_module = new { resources = Array.Empty<object>() } } });

        Assert.Null(PlannedFleet.FromPlan(plan, Outputs(plan)));
    }

    [Fact]
    public void Scaled_out_the_user_data_output_is_checked_against_the_launch_template()
    {
        var plan = Plan(Convert.ToBase64String(Encoding.UTF8.GetBytes(FleetUserData)));
        Assert.Equal(FleetUserData, RehearsalSite.PlannedUserData(plan, Outputs(plan)));

        var other = Plan(Convert.ToBase64String(Encoding.UTF8.GetBytes("#!/bin/bash\necho other\n")));
        var ex = Assert.Throws<TerraformException>(() => RehearsalSite.PlannedUserData(other, Outputs(other)));
        Assert.Contains(PlannedFleet.LaunchTemplateAddress, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void It_is_kept_for_the_runs_after_the_plan_and_a_single_server_plan_removes_it()
    {
        var folder = Path.Combine(Path.GetTempPath(), "planned-fleet-" + Guid.NewGuid().ToString("N"));
        try
        {
            var fleet = new PlannedFleet("g", "h", "t", 30, "b");
            PlannedFleet.Save(folder, fleet);
            Assert.Equal(fleet, PlannedFleet.Load(folder));

            PlannedFleet.Save(folder, null);
            Assert.Null(PlannedFleet.Load(folder));
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static string Plan(string launchTemplateUserData) => new JsonObject
    {
        ["planned_values"] = new JsonObject
        {
            ["outputs"] = new JsonObject
            {
                ["user_data"] = new JsonObject { ["value"] = FleetUserData },
                ["release_bucket_name"] = new JsonObject { ["value"] = "table-order-releases-123456789012" },
            },
            ["root_module"] = new JsonObject
            {
                ["child_modules"] = new JsonArray(
                    new JsonObject
                    {
                        ["address"] = "module.compute",
                        ["resources"] = new JsonArray(
                            new JsonObject
                            {
                                ["address"] = PlannedFleet.AutoScalingGroupAddress,
                                ["values"] = new JsonObject
                                {
                                    ["name"] = "table-order-app-servers",
                                    ["initial_lifecycle_hook"] = new JsonArray(new JsonObject { ["name"] = "table-order-app-server-launching", ["lifecycle_transition"] = "autoscaling:EC2_INSTANCE_LAUNCHING" }),
                                },
                            },
                            new JsonObject { ["address"] = PlannedFleet.LaunchTemplateAddress, ["values"] = new JsonObject { ["user_data"] = launchTemplateUserData } }),
                    },
                    new JsonObject
                    {
                        ["address"] = "module.load_balancer[0]",
                        ["resources"] = new JsonArray(new JsonObject { ["address"] = PlannedFleet.TargetGroupAddress, ["values"] = new JsonObject { ["name"] = "table-order-app", ["deregistration_delay"] = "30" } }),
                    }),
            },
        },
    }.ToJsonString();

    private static Dictionary<string, JsonElement> Outputs(string plan) => RehearsalUserDataTests.Outputs(plan);
}
