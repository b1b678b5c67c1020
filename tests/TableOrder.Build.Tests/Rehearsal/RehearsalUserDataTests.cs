using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TableOrder.Build.Environments;
using TableOrder.Build.Rehearsal;
using TableOrder.Build.Terraform;
using Xunit;

namespace TableOrder.Build.Tests.Rehearsal;

[Trait("Category", "Unit")]
public sealed class RehearsalUserDataTests
{
    private const string UserData = "#!/bin/bash\nset -euo pipefail\napt-get update\n";

    [Fact]
    public void The_user_data_output_is_what_the_plan_gives_the_instance()
    {
        var plan = Plan(UserData, Sha1(UserData));

        Assert.Equal(UserData, RehearsalSite.PlannedUserData(plan, Outputs(plan)));
    }

    [Fact]
    public void A_user_data_output_other_than_the_instance_s_is_refused()
    {
        var plan = Plan(UserData, Sha1("#!/bin/bash\necho other\n"));

        var ex = Assert.Throws<TerraformException>(() => RehearsalSite.PlannedUserData(plan, Outputs(plan)));
        Assert.Contains(ProductionDeployment.AppServerAddress, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plan_without_the_user_data_output_is_one_clear_error()
    {
        var ex = Assert.Throws<TerraformException>(() => RehearsalSite.PlannedUserData("{}", new Dictionary<string, JsonElement>()));
        Assert.Contains("no user_data output", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_seed_names_the_instance_and_its_key_pair_as_ec2_gives_them()
    {
        Assert.Equal(
            "instance-id: i-00000abc\nlocal-hostname: tableorder-app\npublic-keys:\n  - \"ssh-ed25519 AAAA k\"\n",
            RehearsalMachine.MetaData("i-00000abc", "ssh-ed25519 AAAA k"));
        Assert.Contains("datasource_list: [ NoCloud ]", RehearsalMachine.CloudConfig, StringComparison.Ordinal);
        Assert.Contains("network: {config: disabled}", RehearsalMachine.CloudConfig, StringComparison.Ordinal);
    }

    private static string Sha1(string text) =>
#pragma warning disable CA5350 // the provider's own digest of user_data
        Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(text)));
#pragma warning restore CA5350

    private static string Plan(string userData, string instanceHash) => JsonSerializer.Serialize(new
    {
        planned_values = new
        {
            outputs = new { user_data = new { sensitive = false, value = userData } },
            root_module = new
            {
                child_modules = new[]
                {
                    new
                    {
                        address = "module.compute",
                        resources = new[] { new { address = ProductionDeployment.AppServerAddress, values = new { user_data = instanceHash } } },
                    },
                },
            },
        },
    });

    /// <summary>The plan's planned output values by name, as the rehearsal reads them.</summary>
    internal static Dictionary<string, JsonElement> Outputs(string plan)
    {
        using var document = JsonDocument.Parse(plan);
        return document.RootElement.GetProperty("planned_values").GetProperty("outputs").EnumerateObject()
            .ToDictionary(o => o.Name, o => o.Value.GetProperty("value").Clone());
    }
}
