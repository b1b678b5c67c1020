using TableOrder.Build.Terraform;
using Xunit;

namespace TableOrder.Build.Tests.Terraform;

[Trait("Category", "Unit")]
public sealed class TerraformVersionTests
{
    [Fact]
    public void Parses_version_json()
    {
        const string json = """
            {
              "terraform_version": "1.11.4",
              "platform": "linux_amd64",
              "provider_selections": {},
              "terraform_outdated": false
            }
            """;

        var version = TerraformVersion.Parse(json);

        Assert.Equal(new Version(1, 11, 4), version.Version);
        Assert.True(version.IsSupported);
    }

    [Theory]
    [InlineData("1.6.6", false)]
    [InlineData("1.7.0", true)]
    [InlineData("1.11.4", true)]
    [InlineData("1.12.0-alpha20250101", true)]
    [InlineData("1.6.0-rc1", false)]
    public void IsSupported_from_1_7(string reported, bool supported)
    {
        var version = TerraformVersion.Parse($$"""{"terraform_version":"{{reported}}"}""");

        Assert.Equal(supported, version.IsSupported);
    }

    [Fact]
    public void Unreadable_version_throws_terraform_exception()
    {
        var ex = Assert.Throws<TerraformException>(() => TerraformVersion.Parse("""{"terraform_version":"banana"}"""));
        Assert.Contains("banana", ex.Message, StringComparison.Ordinal);
    }
}

[Trait("Category", "Unit")]
public sealed class PlanExitCodeTests
{
    [Fact]
    public void Zero_means_no_changes() => Assert.False(TerraformCli.InterpretPlanExitCode(0));

    [Fact]
    public void Two_means_changes() => Assert.True(TerraformCli.InterpretPlanExitCode(2));

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(-1)]
    public void Anything_else_is_a_failure(int exitCode)
    {
        var ex = Assert.Throws<TerraformException>(() => TerraformCli.InterpretPlanExitCode(exitCode));
        Assert.Contains($"exit code {exitCode}", ex.Message, StringComparison.Ordinal);
    }
}

[Trait("Category", "Unit")]
public sealed class ValidationReportTests
{
    [Fact]
    public void Valid_configuration()
    {
        // Verbatim from terraform 1.11 `validate -json` on a valid module.
        const string json = """
            {
              "format_version": "1.0",
              "valid": true,
              "error_count": 0,
              "warning_count": 0,
              "diagnostics": []
            }
            """;

        var report = ValidationReport.Parse(json);

        Assert.True(report.Valid);
        Assert.Equal(0, report.ErrorCount);
        Assert.Equal(0, report.WarningCount);
        Assert.Empty(report.Diagnostics);
    }

    [Fact]
    public void Error_with_range()
    {
        // Verbatim from terraform 1.11 `validate -json` on `output "o" { value = var.y }`.
        const string json = """
            {
              "format_version": "1.0",
              "valid": false,
              "error_count": 1,
              "warning_count": 0,
              "diagnostics": [
                {
                  "severity": "error",
                  "summary": "Reference to undeclared input variable",
                  "detail": "An input variable with the name \"y\" has not been declared. Did you mean \"x\"?",
                  "range": {
                    "filename": "main.tf",
                    "start": { "line": 2, "column": 22, "byte": 52 },
                    "end": { "line": 2, "column": 27, "byte": 57 }
                  },
                  "snippet": {
                    "context": "output \"o\"",
                    "code": "output \"o\" { value = var.y }",
                    "start_line": 2,
                    "highlight_start_offset": 21,
                    "highlight_end_offset": 26,
                    "values": []
                  }
                }
              ]
            }
            """;

        var report = ValidationReport.Parse(json);

        Assert.False(report.Valid);
        Assert.Equal(1, report.ErrorCount);
        var diagnostic = Assert.Single(report.Diagnostics);
        Assert.Equal("error", diagnostic.Severity);
        Assert.Equal("Reference to undeclared input variable", diagnostic.Summary);
        Assert.Equal("main.tf", diagnostic.File);
        Assert.Equal(2, diagnostic.Line);
        Assert.Contains("\"y\" has not been declared", diagnostic.Detail, StringComparison.Ordinal);
        Assert.Equal(
            "error: Reference to undeclared input variable (main.tf:2) - An input variable with the name \"y\" has not been declared. Did you mean \"x\"?",
            diagnostic.ToString());
    }

    [Fact]
    public void Warnings_with_and_without_range()
    {
        const string json = """
            {
              "format_version": "1.0",
              "valid": true,
              "error_count": 0,
              "warning_count": 2,
              "diagnostics": [
                {
                  "severity": "warning",
                  "summary": "Argument is deprecated",
                  "detail": "acl is deprecated. Use the aws_s3_bucket_acl resource instead.",
                  "range": {
                    "filename": "modules/storage/main.tf",
                    "start": { "line": 7, "column": 3, "byte": 120 },
                    "end": { "line": 7, "column": 20, "byte": 137 }
                  }
                },
                {
                  "severity": "warning",
                  "summary": "Provider development overrides are in effect",
                  "detail": ""
                }
              ]
            }
            """;

        var report = ValidationReport.Parse(json);

        Assert.True(report.Valid);
        Assert.Equal(2, report.WarningCount);
        Assert.All(report.Diagnostics, d => Assert.Equal("warning", d.Severity));
        Assert.Equal("modules/storage/main.tf", report.Diagnostics[0].File);
        Assert.Equal(7, report.Diagnostics[0].Line);
        Assert.Null(report.Diagnostics[1].File);
        Assert.Null(report.Diagnostics[1].Line);
        Assert.Equal("warning: Provider development overrides are in effect", report.Diagnostics[1].ToString());
    }
}

[Trait("Category", "Unit")]
public sealed class PlanSummaryTests
{
    private static string Change(string address, params string[] actions) =>
        "{\"address\":\"" + address + "\",\"mode\":\"managed\",\"change\":{\"actions\":[" +
        string.Join(",", actions.Select(a => "\"" + a + "\"")) + "]}}";

    [Fact]
    public void Sorts_every_action_into_its_list()
    {
        var json = $$"""
            {
              "format_version": "1.2",
              "terraform_version": "1.11.4",
              "resource_changes": [
                {{Change("aws_vpc.main", "create")}},
                {{Change("aws_security_group.app", "update")}},
                {{Change("aws_instance.old", "delete")}},
                {{Change("aws_instance.app", "delete", "create")}},
                {{Change("aws_db_instance.main", "create", "delete")}},
                {{Change("aws_s3_bucket.assets", "no-op")}},
                {{Change("data.aws_ami.ubuntu", "read")}}
              ]
            }
            """;

        var summary = PlanSummary.Parse(json);

        Assert.Equal(["aws_vpc.main"], summary.Add);
        Assert.Equal(["aws_security_group.app"], summary.Change);
        Assert.Equal(["aws_instance.old"], summary.Destroy);
        Assert.Equal(["aws_instance.app", "aws_db_instance.main"], summary.Replace);
        Assert.True(summary.HasChanges);
        Assert.Equal("Plan: 1 to add, 1 to change, 2 to replace, 1 to destroy.", summary.ToString());
    }

    [Fact]
    public void Only_no_op_and_read_is_no_change()
    {
        var json = $$"""{"resource_changes":[{{Change("aws_vpc.main", "no-op")}},{{Change("data.aws_region.current", "read")}}]}""";

        var summary = PlanSummary.Parse(json);

        Assert.False(summary.HasChanges);
        Assert.Equal("Plan: 0 to add, 0 to change, 0 to replace, 0 to destroy.", summary.ToString());
    }

    [Fact]
    public void Plan_without_resource_changes_is_empty()
    {
        var summary = PlanSummary.Parse("""{"format_version":"1.2","planned_values":{"outputs":{}}}""");

        Assert.False(summary.HasChanges);
        Assert.Empty(summary.Add);
    }
}

[Trait("Category", "Unit")]
public sealed class TerraformOutputsTests
{
    [Fact]
    public void Reads_strings_and_numbers()
    {
        const string json = """
            {
              "instance_id": { "sensitive": false, "type": "string", "value": "i-0123456789abcdef0" },
              "public_ip": { "sensitive": false, "type": "string", "value": "203.0.113.10" },
              "db_port": { "sensitive": false, "type": "number", "value": 5432 },
              "redis_port": { "sensitive": false, "type": "string", "value": "6379" },
              "region": { "sensitive": false, "type": "string", "value": "ap-northeast-2" },
              "db_username": { "sensitive": true, "type": "string", "value": "tableorder" }
            }
            """;

        var outputs = TerraformOutputs.Parse(json);

        Assert.Equal("i-0123456789abcdef0", outputs.InstanceId);
        Assert.Equal("203.0.113.10", outputs.PublicIp);
        Assert.Equal(5432, outputs.DbPort);
        Assert.Equal(6379, outputs.RedisPort);
        Assert.Equal("ap-northeast-2", outputs.Region);
        Assert.Equal("tableorder", outputs.DbUsername);
        Assert.False(outputs.IsEmpty);
    }

    [Fact]
    public void Reads_the_redis_tls_flag_and_the_auth_secret_arn()
    {
        const string json = """
            {
              "redis_endpoint": { "sensitive": false, "type": "string", "value": "master.table-order-redis.abc123.apn2.cache.amazonaws.com" },
              "redis_port": { "sensitive": false, "type": "number", "value": 6379 },
              "redis_tls": { "sensitive": false, "type": "bool", "value": true },
              "redis_auth_secret_arn": { "sensitive": false, "type": "string", "value": "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:table-order-redis-auth-token-AbCdEf" }
            }
            """;

        var outputs = TerraformOutputs.Parse(json);

        Assert.True(outputs.RedisTls);
        Assert.Equal("arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:table-order-redis-auth-token-AbCdEf", outputs.RedisAuthSecretArn);
        Assert.Equal("master.table-order-redis.abc123.apn2.cache.amazonaws.com", outputs.RedisEndpoint);
        Assert.False(TerraformOutputs.Parse("""{ "redis_tls": { "type": "bool", "value": false } }""").RedisTls);
        Assert.True(TerraformOutputs.Parse("""{ "redis_tls": { "type": "string", "value": "true" } }""").RedisTls);
        Assert.Null(TerraformOutputs.Parse("""{ "redis_tls": { "type": "string", "value": "yes" } }""").RedisTls);
    }

    [Fact]
    public void Missing_outputs_are_null()
    {
        var outputs = TerraformOutputs.Parse("""{ "region": { "type": "string", "value": "ap-northeast-2" } }""");

        Assert.Null(outputs.InstanceId);
        Assert.Null(outputs.DbPort);
        Assert.Null(outputs.BucketName);
        Assert.Null(outputs.RedisTls);
        Assert.Null(outputs.RedisAuthSecretArn);
        Assert.Equal("ap-northeast-2", outputs.Region);
    }

    [Fact]
    public void Null_values_are_null()
    {
        var outputs = TerraformOutputs.Parse("""{ "instance_id": { "type": "string", "value": null }, "db_port": { "type": "number", "value": null } }""");

        Assert.Null(outputs.InstanceId);
        Assert.Null(outputs.DbPort);
        Assert.True(outputs.IsEmpty);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("  \n")]
    public void Nothing_applied_yet_is_empty(string json)
    {
        Assert.True(TerraformOutputs.Parse(json).IsEmpty);
    }
}

[Trait("Category", "Unit")]
public sealed class TestReportTests
{
    [Fact]
    public void Success_line()
    {
        var report = TestReport.FromSummaryLine("Success! 12 passed, 0 failed.");

        Assert.Equal(new TestReport(12, 0, 0), report);
    }

    [Fact]
    public void Failure_line_with_skipped()
    {
        var report = TestReport.FromSummaryLine("Failure! 3 passed, 1 failed, 2 skipped.");

        Assert.Equal(new TestReport(3, 1, 2), report);
    }

    [Theory]
    [InlineData("tests/network.tftest.hcl... pass")]
    [InlineData("  run \"network_as_designed\"... pass")]
    [InlineData("")]
    public void Other_lines_are_not_summaries(string line)
    {
        Assert.Null(TestReport.FromSummaryLine(line));
    }

    [Fact]
    public void What_an_apply_or_a_destroy_did_is_read_from_terraforms_last_line()
    {
        Assert.Equal(new ApplyResult(46, 0, 0), ApplyResult.FromOutput(["module.x: Creation complete", "", "Apply complete! Resources: 46 added, 0 changed, 0 destroyed."]));
        Assert.Equal(new ApplyResult(1, 0, 1), ApplyResult.FromOutput(["Apply complete! Resources: 1 added, 0 changed, 1 destroyed."]));
        Assert.Equal(new ApplyResult(0, 0, 46), ApplyResult.FromOutput(["Destroy complete! Resources: 46 destroyed."]));
        Assert.Null(ApplyResult.FromOutput(["Error: something"]));
        Assert.Equal(new Dictionary<string, int> { ["add"] = 1, ["change"] = 0, ["replace"] = 2, ["destroy"] = 0 }, new PlanSummary(["a"], [], ["b", "c"], []).Counts());
    }
}
