using System.Globalization;
using System.Text.Json;
using TableOrder.Build.Terraform;

namespace TableOrder.Build.Environments;

/// <summary>
/// Destroy in two steps, because the database has deletion protection on by default and
/// `terraform destroy -var db_deletion_protection=false` does not update the attribute before it
/// deletes (AWS refuses). Step 1 plans and applies <c>db_deletion_protection=false</c>, targeted at
/// the database instance, and says what is kept; step 2 is `terraform destroy`.
/// </summary>
public static class ProductionDestroy
{
    public const string DatabaseAddress = "module.database.aws_db_instance.postgres";
    public const string ProtectionVariable = "db_deletion_protection";

    /// <summary>What survives a Destroy: read from the unprotect plan (the database as it will be deleted).</summary>
    public sealed record DataKept(string? FinalSnapshot, int? BackupRetentionDays, bool? SkipFinalSnapshot)
    {
        public override string ToString()
        {
            var snapshot = SkipFinalSnapshot == true
                ? "NO final snapshot (skip_final_snapshot is true)"
                : $"final snapshot {FinalSnapshot ?? "(named by terraform)"} kept";
            var backups = BackupRetentionDays is { } days
                ? string.Create(CultureInfo.InvariantCulture, $"automated backups kept {days} days")
                : "automated backups kept as retained";
            return $"deletion protection off, {snapshot}, {backups}";
        }
    }

    /// <summary>Step 1's plan: deletion protection off, for the database instance only.</summary>
    public static TerraformPlanSettings UnprotectPlan(string planFile, string? varFile)
    {
        var settings = new TerraformPlanSettings { OutFile = planFile };
        if (varFile is not null)
        {
            settings.VarFiles.Add(varFile);
        }

        settings.Variables.Add(new TerraformVariable(ProtectionVariable, "false"));
        settings.Targets.Add(DatabaseAddress);
        return settings;
    }

    /// <summary>Step 2: the destroy itself (deletion protection is off by then).</summary>
    public static TerraformDestroySettings DestroyAll(string? varFile)
    {
        var settings = new TerraformDestroySettings { AutoApprove = true };
        if (varFile is not null)
        {
            settings.VarFiles.Add(varFile);
        }

        settings.Variables.Add(new TerraformVariable(ProtectionVariable, "false"));
        return settings;
    }

    /// <summary>
    /// Step 1 may only update resources in place (deletion protection): a plan that would create,
    /// replace or delete anything is refused before it is applied.
    /// </summary>
    public static void RequireOnlyInPlaceChanges(PlanSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var unexpected = summary.Add.Concat(summary.Replace).Concat(summary.Destroy).ToList();
        if (unexpected.Count > 0)
        {
            throw new TerraformException(
                $"Turning deletion protection off would also create, replace or delete: {string.Join(", ", unexpected)}. Nothing was applied. Run --target=Plan --environment=production and resolve that first.");
        }
    }

    /// <summary>Reads the database's final snapshot name and backup retention from `terraform show -json` of the unprotect plan.</summary>
    public static DataKept ReadDataKept(string showJson)
    {
        using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(showJson) ? "{}" : showJson);
        if (document.RootElement.TryGetProperty("resource_changes", out var changes))
        {
            foreach (var resource in changes.EnumerateArray())
            {
                if (resource.TryGetProperty("address", out var address) && address.GetString() == DatabaseAddress
                    && resource.TryGetProperty("change", out var change) && change.TryGetProperty("after", out var after) && after.ValueKind == JsonValueKind.Object)
                {
                    return new DataKept(
                        after.TryGetProperty("final_snapshot_identifier", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null,
                        after.TryGetProperty("backup_retention_period", out var days) && days.ValueKind == JsonValueKind.Number ? days.GetInt32() : null,
                        after.TryGetProperty("skip_final_snapshot", out var skip) && skip.ValueKind is (JsonValueKind.True or JsonValueKind.False) ? skip.GetBoolean() : null);
                }
            }
        }

        return new DataKept(null, null, null);
    }
}
