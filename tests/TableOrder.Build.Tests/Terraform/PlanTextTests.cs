using TableOrder.Build.Diagnostics;
using TableOrder.Build.Terraform;
using Xunit;

namespace TableOrder.Build.Tests.Terraform;

/// <summary>The plan's text summary: shared only when it shows no sensitive value, applied only when it reads as the reviewed one.</summary>
[Trait("Category", "Unit")]
public sealed class PlanTextTests
{
    private const string Token = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZab";

    /// <summary>A plan as `terraform show -json` gives it: a secret version whose secret_string is sensitive, a sensitive output and variable.</summary>
    private static readonly string ShowJson = $$"""
        {
          "variables": { "db_password": { "value": "variable-secret-value" }, "region": { "value": "ap-northeast-2" } },
          "configuration": { "root_module": { "variables": { "db_password": { "sensitive": true }, "region": {} } } },
          "resource_changes": [
            {
              "address": "module.cache.aws_secretsmanager_secret_version.auth_token",
              "change": {
                "actions": ["create"],
                "before": null,
                "after": { "secret_string": "{{Token}}", "version_stages": ["AWSCURRENT"], "secret_id": "arn:aws:secretsmanager:x" },
                "before_sensitive": false,
                "after_sensitive": { "secret_string": true, "version_stages": [false] }
              }
            }
          ],
          "planned_values": {
            "outputs": { "admin_password": { "sensitive": true, "value": "output-secret-value" }, "region": { "sensitive": false, "value": "ap-northeast-2" } },
            "root_module": {
              "child_modules": [
                {
                  "address": "module.db",
                  "resources": [
                    { "address": "module.db.aws_db_instance.main", "values": { "password": "nested-secret-value", "port": 5432 }, "sensitive_values": { "password": true } }
                  ]
                }
              ]
            }
          }
        }
        """;

    [Fact]
    public void Every_value_the_plan_marks_sensitive_is_found_with_where_it_is()
    {
        var values = PlanText.SensitiveValues(ShowJson).ToList();

        Assert.Contains(("module.cache.aws_secretsmanager_secret_version.auth_token.secret_string", Token), values);
        Assert.Contains(("var.db_password", "variable-secret-value"), values);
        Assert.Contains(("output.admin_password", "output-secret-value"), values);
        Assert.Contains(("module.db.aws_db_instance.main.password", "nested-secret-value"), values);
        Assert.DoesNotContain(values, v => v.Value is "ap-northeast-2" or "AWSCURRENT" or "arn:aws:secretsmanager:x");
    }

    [Fact]
    public void A_text_that_shows_no_sensitive_value_has_no_leak()
    {
        var text = "  # module.cache.aws_secretsmanager_secret_version.auth_token will be created\n      + secret_string = (sensitive value)\n      + region = \"ap-northeast-2\"\n";

        Assert.Empty(PlanText.Leaks(text, ShowJson, new SecretMasker()));
    }

    [Fact]
    public void A_text_that_shows_a_sensitive_value_or_a_known_secret_is_refused_by_name_never_by_value()
    {
        var masker = new SecretMasker();
        masker.Add("a-secret-the-build-made");
        var text = $"  + secret_string = \"{Token}\"\n  + password = \"nested-secret-value\"\n  + note = \"a-secret-the-build-made\"\n";

        var leaks = PlanText.Leaks(text, ShowJson, masker);

        Assert.Equal(["module.cache.aws_secretsmanager_secret_version.auth_token.secret_string", "module.db.aws_db_instance.main.password", "a secret of this build"], leaks);
        Assert.All(leaks, l => Assert.DoesNotContain("secret-value", l, StringComparison.Ordinal));
    }

    [Fact]
    public void A_plan_that_reads_as_the_reviewed_one_passes_line_endings_and_trailing_blanks_aside()
    {
        PlanText.RequireSame("Plan: 1 to add\n  + a = 1  \n\n", "Plan: 1 to add\r\n  + a = 1\r\n", "reviewed.txt");
    }

    [Theory]
    [InlineData("Plan: 1 to add\n  + a = 2\n", "line 2 reads \"+ a = 2\" where the reviewed plan has \"+ a = 1\"")]
    [InlineData("Plan: 1 to add\n", "line 2 reads \"(the end)\" where the reviewed plan has \"+ a = 1\"")]
    [InlineData("Plan: 1 to add\n  + a = 1\n  + b = 1\n", "line 3 reads \"+ b = 1\" where the reviewed plan has \"(the end)\"")]
    public void Another_plan_is_refused_naming_the_first_line_that_differs(string plan, string expected)
    {
        var refused = Assert.Throws<TerraformException>(() => PlanText.RequireSame(plan, "Plan: 1 to add\n  + a = 1\n", "artifacts/reviewed/production.tfplan.txt"));

        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was applied", refused.Message, StringComparison.Ordinal);
        Assert.Contains("artifacts/reviewed/production.tfplan.txt", refused.Message, StringComparison.Ordinal);
    }
}
