using TableOrder.Build.Terraform;
using Xunit;

namespace TableOrder.Build.Tests.Terraform;

[Trait("Category", "Unit")]
public sealed class TerraformArgumentsTests
{
    [Fact]
    public void A_restored_database_is_forgotten_then_imported_with_the_runs_variables_before_the_address()
    {
        Assert.Equal("state list -no-color", TerraformArguments.StateList().Render());
        Assert.Equal("state rm -no-color \"module.database.aws_db_instance.postgres\"", TerraformArguments.StateRemove("module.database.aws_db_instance.postgres").Render());
        var import = new TerraformImportSettings { Address = "module.database.aws_db_instance.postgres", Id = "tableorder-db" };
        import.VarFiles.Add("/tf/prod.tfvars");
        import.Variables.Add(new TerraformVariable("secret", "s3cret", Sensitive: true));
        Assert.Equal(
            "import -input=false -no-color -var-file=\"/tf/prod.tfvars\" \"module.database.aws_db_instance.postgres\" \"tableorder-db\"",
            TerraformArguments.Import(import).Render());
    }

    [Fact]
    public void Version_asks_for_json()
    {
        Assert.Equal("version -json", TerraformArguments.Version().Render());
    }

    [Fact]
    public void Init_with_backend_is_non_interactive_and_has_no_backend_switch()
    {
        Assert.Equal("init -input=false -no-color", TerraformArguments.Init(new TerraformInitSettings()).Render());
    }

    [Fact]
    public void Init_against_the_committed_lock_file_never_rewrites_it()
    {
        Assert.Equal("init -input=false -no-color -lockfile=readonly", TerraformArguments.Init(new TerraformInitSettings { LockfileReadonly = true }).Render());
    }

    [Fact]
    public void Init_without_backend_says_backend_false()
    {
        var args = TerraformArguments.Init(new TerraformInitSettings { Backend = false }).Render();

        Assert.Equal("init -input=false -no-color -backend=false", args);
    }

    [Fact]
    public void Init_with_backend_config_file_quotes_it()
    {
        var args = TerraformArguments.Init(new TerraformInitSettings { BackendConfigFile = "/cfg/backend prod.hcl" }).Render();

        Assert.Equal("init -input=false -no-color -backend-config=\"/cfg/backend prod.hcl\"", args);
    }

    [Fact]
    public void Init_without_backend_ignores_backend_config()
    {
        var args = TerraformArguments.Init(new TerraformInitSettings { Backend = false, BackendConfigFile = "/cfg/backend.hcl" }).Render();

        Assert.Equal("init -input=false -no-color -backend=false", args);
    }

    [Fact]
    public void Init_with_plugin_dir_and_upgrade()
    {
        var args = TerraformArguments.Init(new TerraformInitSettings { PluginDirectory = "/opt/plugins", Upgrade = true }).Render();

        Assert.Equal("init -input=false -no-color -plugin-dir=\"/opt/plugins\" -upgrade", args);
    }

    [Fact]
    public void Fmt_checks_with_diff_recursively_by_default()
    {
        Assert.Equal("fmt -no-color -check -diff -recursive", TerraformArguments.Fmt(new TerraformFmtSettings()).Render());
    }

    [Fact]
    public void Fmt_without_check_or_recursion_rewrites_only_the_folder()
    {
        Assert.Equal("fmt -no-color", TerraformArguments.Fmt(new TerraformFmtSettings { Check = false, Recursive = false }).Render());
    }

    [Fact]
    public void Validate_asks_for_json()
    {
        Assert.Equal("validate -json -no-color", TerraformArguments.Validate().Render());
    }

    [Fact]
    public void Plan_uses_detailed_exitcode_and_puts_out_last()
    {
        var settings = new TerraformPlanSettings { OutFile = "/state/terraform.tfplan" };
        settings.VarFiles.Add("/tf/production.tfvars");
        settings.Variables.Add(new TerraformVariable("instance_type", "t3.small"));

        var args = TerraformArguments.Plan(settings).Render();

        Assert.Equal(
            "plan -input=false -no-color -detailed-exitcode -var-file=\"/tf/production.tfvars\" -var \"instance_type=t3.small\" -out=\"/state/terraform.tfplan\"",
            args);
    }

    [Fact]
    public void Plan_destroy_adds_destroy_before_variables()
    {
        var settings = new TerraformPlanSettings { OutFile = "destroy.tfplan", Destroy = true };

        Assert.Equal(
            "plan -input=false -no-color -detailed-exitcode -destroy -out=\"destroy.tfplan\"",
            TerraformArguments.Plan(settings).Render());
    }

    [Fact]
    public void Plan_targets_come_after_variables_and_before_out()
    {
        var settings = new TerraformPlanSettings { OutFile = "unprotect.tfplan" };
        settings.Variables.Add(new TerraformVariable("db_deletion_protection", "false"));
        settings.Targets.Add("module.database.aws_db_instance.postgres");

        Assert.Equal(
            "plan -input=false -no-color -detailed-exitcode -var \"db_deletion_protection=false\" -target=\"module.database.aws_db_instance.postgres\" -out=\"unprotect.tfplan\"",
            TerraformArguments.Plan(settings).Render());
    }

    [Fact]
    public void Plan_replace_names_the_app_server_before_variables()
    {
        var settings = new TerraformPlanSettings { OutFile = "p.tfplan" };
        settings.Replace.Add(TableOrder.Build.Environments.ProductionDeployment.AppServerAddress);
        settings.VarFiles.Add("prod.tfvars");

        Assert.Equal(
            "plan -input=false -no-color -detailed-exitcode -replace=\"module.compute.aws_instance.app_server[0]\" -var-file=\"prod.tfvars\" -out=\"p.tfplan\"",
            TerraformArguments.Plan(settings).Render());
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Plan_without_out_file_throws(string outFile)
    {
        var settings = new TerraformPlanSettings { OutFile = outFile };

        var ex = Assert.Throws<ArgumentException>(() => TerraformArguments.Plan(settings));
        Assert.Contains("file", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_with_sensitive_variable_masks_it_in_the_safe_rendering()
    {
        var settings = new TerraformPlanSettings { OutFile = "p.tfplan" };
        settings.Variables.Add(new TerraformVariable("db_password", "hunter2-S3cret!", Sensitive: true));
        settings.Variables.Add(new TerraformVariable("name_prefix", "table-order"));

        var builder = TerraformArguments.Plan(settings);
        var safe = builder.RenderSafe();

        Assert.DoesNotContain("hunter2-S3cret!", safe, StringComparison.Ordinal);
        Assert.Contains("name_prefix=table-order", safe, StringComparison.Ordinal);
        Assert.EndsWith("-out=\"p.tfplan\"", safe, StringComparison.Ordinal);
    }

    // DESIGN.md: secrets never appear in process arguments (any local user can read /proc/<pid>/cmdline).
    // A sensitive variable belongs in the child's environment (TF_VAR_<name>), not in -var.
    [Fact]
    public void Sensitive_variables_are_not_on_the_command_line()
    {
        var settings = new TerraformPlanSettings { OutFile = "p.tfplan" };
        settings.Variables.Add(new TerraformVariable("db_password", "hunter2-S3cret!", Sensitive: true));
        var destroy = new TerraformDestroySettings();
        destroy.Variables.Add(new TerraformVariable("db_password", "hunter2-S3cret!", Sensitive: true));

        Assert.DoesNotContain("hunter2-S3cret!", TerraformArguments.Plan(settings).Render(), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2-S3cret!", TerraformArguments.Destroy(destroy).Render(), StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_takes_only_the_saved_plan_and_puts_it_last()
    {
        var args = TerraformArguments.Apply(new TerraformApplySettings { PlanFile = "/state/my plan.tfplan" }).Render();

        Assert.Equal("apply -input=false -no-color \"/state/my plan.tfplan\"", args);
        Assert.DoesNotContain("-var", args, StringComparison.Ordinal);
        Assert.DoesNotContain("-auto-approve", args, StringComparison.Ordinal);
        Assert.EndsWith("\"/state/my plan.tfplan\"", args, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void Apply_without_plan_throws(string planFile)
    {
        var ex = Assert.Throws<ArgumentException>(() => TerraformArguments.Apply(new TerraformApplySettings { PlanFile = planFile }));
        Assert.Contains("plan", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Destroy_auto_approve_uses_auto_approve_never_force()
    {
        var settings = new TerraformDestroySettings { AutoApprove = true };
        settings.VarFiles.Add("prod.tfvars");

        var args = TerraformArguments.Destroy(settings).Render();

        Assert.Equal("destroy -input=false -no-color -var-file=\"prod.tfvars\" -auto-approve", args);
        Assert.DoesNotContain("-force", args, StringComparison.Ordinal);
    }

    [Fact]
    public void Destroy_without_auto_approve_has_no_approval_switch()
    {
        var args = TerraformArguments.Destroy(new TerraformDestroySettings()).Render();

        Assert.Equal("destroy -input=false -no-color", args);
    }

    [Fact]
    public void Destroy_masks_sensitive_variables()
    {
        var settings = new TerraformDestroySettings { AutoApprove = true };
        settings.Variables.Add(new TerraformVariable("db_password", "very-secret-pw", Sensitive: true));

        var safe = TerraformArguments.Destroy(settings).RenderSafe();

        Assert.DoesNotContain("very-secret-pw", safe, StringComparison.Ordinal);
        Assert.DoesNotContain("-force", safe, StringComparison.Ordinal);
    }

    [Fact]
    public void Output_asks_for_json()
    {
        Assert.Equal("output -json -no-color", TerraformArguments.Output().Render());
    }

    [Fact]
    public void Show_plan_puts_the_plan_last()
    {
        Assert.Equal("show -json -no-color \"/state/terraform.tfplan\"", TerraformArguments.Show("/state/terraform.tfplan").Render());
    }

    [Fact]
    public void Show_without_plan_shows_the_state()
    {
        Assert.Equal("show -json -no-color", TerraformArguments.Show(null).Render());
    }

    [Fact]
    public void Test_without_filters()
    {
        Assert.Equal("test -no-color", TerraformArguments.Test(new TerraformTestSettings()).Render());
    }

    [Fact]
    public void Test_with_filters_and_json()
    {
        var settings = new TerraformTestSettings { Json = true };
        settings.Filters.Add("tests/network.tftest.hcl");
        settings.Filters.Add("tests/cache.tftest.hcl");

        Assert.Equal(
            "test -no-color -filter=\"tests/network.tftest.hcl\" -filter=\"tests/cache.tftest.hcl\" -json",
            TerraformArguments.Test(settings).Render());
    }

    [Fact]
    public void Null_settings_are_rejected()
    {
        Assert.Throws<ArgumentNullException>(() => TerraformArguments.Init(null!));
        Assert.Throws<ArgumentNullException>(() => TerraformArguments.Plan(null!));
        Assert.Throws<ArgumentNullException>(() => TerraformArguments.Apply(null!));
        Assert.Throws<ArgumentNullException>(() => TerraformArguments.Destroy(null!));
        Assert.Throws<ArgumentNullException>(() => TerraformArguments.Test(null!));
    }
}
