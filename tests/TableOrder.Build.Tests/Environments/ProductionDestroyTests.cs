using TableOrder.Build.Environments;
using TableOrder.Build.Terraform;
using Xunit;

namespace TableOrder.Build.Tests.Environments;

[Trait("Category", "Unit")]
public sealed class ProductionDestroyTests
{
    [Fact]
    public void StepOneTurnsDeletionProtectionOffForTheDatabaseOnly()
    {
        var settings = ProductionDestroy.UnprotectPlan("/state/unprotect.tfplan", "/tf/production.tfvars");

        Assert.Equal(
            "plan -input=false -no-color -detailed-exitcode -var-file=\"/tf/production.tfvars\" -var \"db_deletion_protection=false\" -target=\"module.database.aws_db_instance.postgres\" -out=\"/state/unprotect.tfplan\"",
            TerraformArguments.Plan(settings).Render());
    }

    [Fact]
    public void StepTwoDestroysWithTheSameVariable()
    {
        Assert.Equal(
            "destroy -input=false -no-color -var \"db_deletion_protection=false\" -auto-approve",
            TerraformArguments.Destroy(ProductionDestroy.DestroyAll(null)).Render());
    }

    [Fact]
    public void StepOneRefusesAPlanThatWouldDoMoreThanUpdateInPlace()
    {
        ProductionDestroy.RequireOnlyInPlaceChanges(new PlanSummary([], [ProductionDestroy.DatabaseAddress], [], []));

        var error = Assert.Throws<TerraformException>(() => ProductionDestroy.RequireOnlyInPlaceChanges(new PlanSummary([], [], [ProductionDestroy.DatabaseAddress], [])));

        Assert.Contains("Nothing was applied", error.Message, StringComparison.Ordinal);
        Assert.Contains(ProductionDestroy.DatabaseAddress, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SaysWhatDataIsKeptFromThePlan()
    {
        const string show = """
            {
              "resource_changes": [
                { "address": "module.network.aws_vpc.main", "change": { "actions": ["no-op"], "after": { "cidr_block": "10.0.0.0/16" } } },
                { "address": "module.database.aws_db_instance.postgres", "change": { "actions": ["update"],
                  "after": { "deletion_protection": false, "final_snapshot_identifier": "table-order-db-final-20261128204100", "backup_retention_period": 7, "skip_final_snapshot": false } } }
              ]
            }
            """;

        var kept = ProductionDestroy.ReadDataKept(show);

        Assert.Equal("table-order-db-final-20261128204100", kept.FinalSnapshot);
        Assert.Equal(7, kept.BackupRetentionDays);
        Assert.Equal("deletion protection off, final snapshot table-order-db-final-20261128204100 kept, automated backups kept 7 days", kept.ToString());
        Assert.Equal(new ProductionDestroy.DataKept(null, null, null), ProductionDestroy.ReadDataKept("{}"));
        Assert.Contains("NO final snapshot", new ProductionDestroy.DataKept(null, 7, true).ToString(), StringComparison.Ordinal);
    }
}
