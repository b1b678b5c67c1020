using TableOrder.Build.IntegrationTests.Support;
using TableOrder.Build.Terraform;
using Xunit;
using Xunit.Abstractions;

namespace TableOrder.Build.IntegrationTests.Terraform;

/// <summary>The real terraform through the build's TerraformCli, offline, on fixture modules copied to a temp folder.</summary>
[Trait("Category", "Integration")]
public sealed class TerraformCliTests : IDisposable
{
    private const string Secret = "Sup3r-Secret-Db-Passw0rd";

    private readonly TempDirectory _temp = new("terraform-cli");
    private readonly TerraformHarness _harness;

    public TerraformCliTests(ITestOutputHelper output)
    {
        _harness = new TerraformHarness(output);
    }

    public void Dispose() => _temp.Dispose();

    private string StateRoot => _temp.Combine("state");

    private (TerraformCli Terraform, string Module) Fixture(string name)
    {
        var module = _temp.CopyIn(Fixtures.PathOf(name), "module");
        return (_harness.CreateWithMirror(module, StateRoot), module);
    }

    private string BackendConfig() =>
        _temp.WriteFile("backend.hcl", $"path = \"{_temp.Combine("state", "small.tfstate")}\"\n");

    [Fact]
    public void EnsureSupportedVersion_reports_a_supported_terraform()
    {
        var (terraform, _) = Fixture(Fixtures.Small);

        var version = terraform.EnsureSupportedVersion();

        Assert.True(version.IsSupported, $"terraform {version.Version}");
        Assert.True(version.Version >= TerraformVersion.Minimum);
    }

    [Fact]
    public void Init_without_backend_installs_the_provider_from_the_mirror()
    {
        var (terraform, module) = Fixture(Fixtures.Small);

        terraform.Init(new TerraformInitSettings { Backend = false });

        Assert.True(Directory.Exists(Path.Combine(module, ".terraform", "providers", "registry.terraform.io", "hashicorp", "aws")), _harness.Log.Text);
        Assert.True(File.Exists(Path.Combine(module, ".terraform.lock.hcl")));
        Assert.False(File.Exists(Path.Combine(module, ".terraform", "terraform.tfstate")), "-backend=false must not configure a backend");
    }

    [Fact]
    public void Init_with_a_local_backend_config()
    {
        var (terraform, module) = Fixture(Fixtures.Small);

        terraform.Init(new TerraformInitSettings { BackendConfigFile = BackendConfig() });

        var backend = File.ReadAllText(Path.Combine(module, ".terraform", "terraform.tfstate"));
        Assert.Contains("\"type\": \"local\"", backend, StringComparison.Ordinal);
        Assert.Contains("small.tfstate", backend, StringComparison.Ordinal);
    }

    [Fact]
    public void Init_is_idempotent()
    {
        var (terraform, _) = Fixture(Fixtures.Small);

        terraform.Init(new TerraformInitSettings { Backend = false });
        terraform.Init(new TerraformInitSettings { Backend = false });
    }

    [Theory]
    [InlineData("network_mirror")]
    [InlineData("filesystem_mirror")]
    public void Init_without_a_reachable_registry_says_to_pass_a_mirror(string kind)
    {
        var module = _temp.CopyIn(Fixtures.PathOf(Fixtures.Small), "module");
        var mirror = kind == "network_mirror"
            ? "network_mirror {\n    url = \"https://127.0.0.1:9/\"\n  }"
            : $"filesystem_mirror {{\n    path = \"{_temp.Combine("no-such-mirror")}\"\n  }}";
        var cliConfig = _temp.WriteFile("unreachable.tfrc", $"provider_installation {{\n  {mirror}\n}}\n");
        var terraform = _harness.Create(module, cliConfig);

        var ex = Assert.Throws<TerraformException>(() => terraform.Init(new TerraformInitSettings { Backend = false }));

        Assert.Contains("--terraform-mirror", ex.Message, StringComparison.Ordinal);
        Assert.Contains("TABLEORDER_TERRAFORM_MIRROR", ex.Message, StringComparison.Ordinal);
    }

    private static void WriteUnformattedFiles(string module)
    {
        File.WriteAllText(Path.Combine(module, "ugly.tf"), "variable \"x\" {\ntype=string\n      default    = \"a\"\n}\n");
        Directory.CreateDirectory(Path.Combine(module, "nested"));
        File.WriteAllText(Path.Combine(module, "nested", "also-ugly.tf"), "locals {\n a=1\n}\n");
    }

    [Fact]
    public void FormatCheck_passes_on_the_fixture_and_finds_unformatted_files()
    {
        var (terraform, module) = Fixture(Fixtures.Small);

        Assert.Empty(terraform.FormatCheck(new TerraformFmtSettings()));

        WriteUnformattedFiles(module);
        var unformatted = terraform.FormatCheck(new TerraformFmtSettings());

        Assert.Contains("ugly.tf", unformatted);
        Assert.Contains(Path.Combine("nested", "also-ugly.tf"), unformatted);
    }

    // `fmt -check -diff` prints the diff on stdout, and its header lines ("--- old/ugly.tf",
    // "+++ new/ugly.tf") end in .tf too: only the file names may be reported.
    [Fact]
    public void FormatCheck_lists_only_the_unformatted_file_names()
    {
        var (terraform, module) = Fixture(Fixtures.Small);
        WriteUnformattedFiles(module);

        var unformatted = terraform.FormatCheck(new TerraformFmtSettings());

        Assert.Equal([Path.Combine("nested", "also-ugly.tf"), "ugly.tf"], unformatted.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Validate_reports_a_valid_module()
    {
        var (terraform, _) = Fixture(Fixtures.Small);
        terraform.Init(new TerraformInitSettings { Backend = false });

        var report = terraform.Validate();

        Assert.True(report.Valid, string.Join('\n', report.Diagnostics));
        Assert.Equal(0, report.ErrorCount);
    }

    [Fact]
    public void Validate_counts_the_errors_of_a_broken_module()
    {
        var (terraform, module) = Fixture(Fixtures.Small);
        File.WriteAllText(Path.Combine(module, "broken.tf"), "output \"broken\" {\n  value = var.does_not_exist\n}\n");
        terraform.Init(new TerraformInitSettings { Backend = false });

        var report = terraform.Validate();

        Assert.False(report.Valid);
        Assert.Equal(1, report.ErrorCount);
        var error = Assert.Single(report.Diagnostics, d => d.Severity == "error");
        Assert.Equal("broken.tf", error.File);
        Assert.Equal(2, error.Line);
        Assert.Contains("undeclared input variable", error.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_with_changes_saves_the_plan_summarises_it_and_never_logs_the_secret()
    {
        var (terraform, _) = Fixture(Fixtures.Small);
        terraform.Init(new TerraformInitSettings { BackendConfigFile = BackendConfig() });
        var planFile = _temp.Combine("state", "small.tfplan");
        var settings = new TerraformPlanSettings { OutFile = planFile };
        settings.Variables.Add(new TerraformVariable("db_password", Secret, Sensitive: true));
        settings.Variables.Add(new TerraformVariable("name_prefix", "tableorder-plan"));

        var plan = terraform.Plan(settings);

        Assert.True(plan.HasChanges);
        Assert.Equal(planFile, plan.PlanFile);
        Assert.True(File.Exists(planFile));
        Assert.Equal(
            ["aws_cloudwatch_log_group.app", "aws_security_group.app", "aws_ssm_parameter.db_password", "aws_vpc.main"],
            plan.Summary.Add.Order(StringComparer.Ordinal));
        Assert.Empty(plan.Summary.Change);
        Assert.Empty(plan.Summary.Replace);
        Assert.Empty(plan.Summary.Destroy);
        Assert.Equal("Plan: 4 to add, 0 to change, 0 to replace, 0 to destroy.", plan.Summary.ToString());

        var log = _harness.Log.Text;
        Assert.Contains("Plan: 4 to add", log, StringComparison.Ordinal);
        Assert.Contains("tableorder-plan", log, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, log, StringComparison.Ordinal);
    }

    [Fact]
    public void The_plans_text_summary_shows_no_sensitive_value_and_binds_the_apply_to_the_reviewed_plan()
    {
        var (terraform, _) = Fixture(Fixtures.Small);
        terraform.Init(new TerraformInitSettings { BackendConfigFile = BackendConfig() });
        var settings = new TerraformPlanSettings { OutFile = _temp.Combine("state", "small.tfplan") };
        settings.Variables.Add(new TerraformVariable("db_password", Secret, Sensitive: true));

        var plan = PlanText.Write(terraform, terraform.Plan(settings), new Diagnostics.SecretMasker(), reviewedFile: null);

        Assert.Equal(settings.OutFile + ".txt", plan.TextFile);
        var text = File.ReadAllText(plan.TextFile!);
        Assert.Contains("aws_ssm_parameter.db_password will be created", text, StringComparison.Ordinal);
        Assert.Contains("(sensitive value)", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        Assert.Contains(PlanText.SensitiveValues(terraform.Show(plan.PlanFile)), v => v.Value == Secret);

        // the same plan again reads as the reviewed one; another plan (another variable) is refused
        var reviewed = _temp.WriteFile("reviewed/small.tfplan.txt", text);
        PlanText.Write(terraform, terraform.Plan(settings), new Diagnostics.SecretMasker(), reviewed);
        settings.Variables.Add(new TerraformVariable("name_prefix", "tableorder-other"));
        var refused = Assert.Throws<TerraformException>(() => PlanText.Write(terraform, terraform.Plan(settings), new Diagnostics.SecretMasker(), reviewed));
        Assert.Contains("is not the reviewed one", refused.Message, StringComparison.Ordinal);
        Assert.Contains("tableorder-other", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plan_whose_text_would_show_a_sensitive_value_gets_no_text_summary()
    {
        var (terraform, module) = Fixture(Fixtures.Small);
        File.WriteAllText(Path.Combine(module, "leak.tf"), "output \"leak\" {\n  value = nonsensitive(var.db_password)\n}\n");
        terraform.Init(new TerraformInitSettings { BackendConfigFile = BackendConfig() });
        var settings = new TerraformPlanSettings { OutFile = _temp.Combine("state", "leak.tfplan") };
        settings.Variables.Add(new TerraformVariable("db_password", Secret, Sensitive: true));
        var plan = terraform.Plan(settings);
        File.WriteAllText(settings.OutFile + ".txt", "an old summary");

        var refused = Assert.Throws<TerraformException>(() => PlanText.Write(terraform, plan, new Diagnostics.SecretMasker(), reviewedFile: null));

        Assert.Contains("var.db_password", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, refused.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(settings.OutFile + ".txt"), "a stale text summary was left beside the plan");
    }

    // A failing plan (exit code 1) is a TerraformException that says so, not Cake's generic error.
    [Fact]
    public void Plan_that_fails_throws_a_terraform_exception_and_logs_the_error()
    {
        var (terraform, module) = Fixture(Fixtures.Local);
        File.WriteAllText(Path.Combine(module, "fails.tf"), "resource \"terraform_data\" \"fails\" {\n  input = file(\"no-such-file.txt\")\n}\n");
        terraform.Init(new TerraformInitSettings());

        var ex = Assert.Throws<TerraformException>(() => terraform.Plan(new TerraformPlanSettings { OutFile = _temp.Combine("state", "fails.tfplan") }));

        Assert.Contains("terraform plan failed (exit code 1)", ex.Message, StringComparison.Ordinal);
        Assert.Contains(_harness.Log.Lines, l => l.StartsWith("[Error]", StringComparison.Ordinal) && l.Contains("no-such-file.txt", StringComparison.Ordinal));
    }

    [Fact]
    public void Apply_saved_plan_then_Output_then_Plan_again_has_no_changes()
    {
        var (terraform, module) = Fixture(Fixtures.Local);
        terraform.Init(new TerraformInitSettings());
        var planFile = _temp.Combine("state", "local.tfplan");
        var settings = new TerraformPlanSettings { OutFile = planFile };
        settings.Variables.Add(new TerraformVariable("db_password", Secret, Sensitive: true));

        var first = terraform.Plan(settings);
        Assert.True(first.HasChanges);
        Assert.Equal(2, first.Summary.Add.Count);

        terraform.Apply(new TerraformApplySettings { PlanFile = first.PlanFile });
        Assert.True(File.Exists(Path.Combine(module, "terraform.tfstate")));

        var outputs = terraform.Output();
        Assert.Equal("ap-northeast-2", outputs.Region);
        Assert.Equal(5432, outputs.DbPort);
        Assert.StartsWith("i-", outputs.InstanceId, StringComparison.Ordinal);
        Assert.Equal(19, outputs.InstanceId!.Length);
        Assert.False(outputs.IsEmpty);
        Assert.Null(outputs.PublicIp);

        var second = terraform.Plan(settings);
        Assert.False(second.HasChanges);
        Assert.False(second.Summary.HasChanges);

        Assert.DoesNotContain(Secret, _harness.Log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Output_before_any_apply_is_empty()
    {
        var (terraform, _) = Fixture(Fixtures.Local);
        terraform.Init(new TerraformInitSettings());

        Assert.True(terraform.Output().IsEmpty);
    }

    [Fact]
    public void Test_runs_the_fixture_suite_with_a_mock_provider()
    {
        var (terraform, _) = Fixture(Fixtures.Small);
        terraform.Init(new TerraformInitSettings { Backend = false });

        var report = terraform.Test(new TerraformTestSettings());

        Assert.Equal(new TestReport(2, 0, 0), report);
    }

    [Fact]
    public void Test_applies_for_real_where_no_provider_is_needed()
    {
        var (terraform, _) = Fixture(Fixtures.Local);
        terraform.Init(new TerraformInitSettings());

        var settings = new TerraformTestSettings();
        settings.Filters.Add("tests/local.tftest.hcl");

        Assert.Equal(new TestReport(1, 0, 0), terraform.Test(settings));
    }

    [Fact]
    public void Failing_test_throws_with_the_counts()
    {
        var (terraform, module) = Fixture(Fixtures.Small);
        File.WriteAllText(
            Path.Combine(module, "tests", "failing.tftest.hcl"),
            """
            mock_provider "aws" {}

            variables {
              db_password = "test-only-password"
            }

            run "wrong_retention" {
              command = plan

              assert {
                condition     = aws_cloudwatch_log_group.app.retention_in_days == 1
                error_message = "Deliberately wrong."
              }
            }

            """);
        terraform.Init(new TerraformInitSettings { Backend = false });
        var settings = new TerraformTestSettings();
        settings.Filters.Add("tests/failing.tftest.hcl");

        var ex = Assert.Throws<TerraformException>(() => terraform.Test(settings));

        Assert.Contains("1 failed, 0 passed", ex.Message, StringComparison.Ordinal);
    }
}
