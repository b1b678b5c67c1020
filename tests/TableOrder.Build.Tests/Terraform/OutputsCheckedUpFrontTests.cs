using System.Text.RegularExpressions;
using TableOrder.Build.Terraform;
using TableOrder.Build.Testing;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Terraform;

/// <summary>
/// Missing terraform outputs and a missing --ssh-key are one error before the first task body runs:
/// the real orchestrator, run as a person runs it; the run summary says no task ran.
/// </summary>
[Trait("Category", "Unit")]
public sealed class OutputsCheckedUpFrontTests
{
    private static string RepositoryOutputs => File.ReadAllText(Path.Combine(RepositoryRoot.Path, "terraform", "outputs.tf"));

    [Fact]
    public void The_repository_root_module_declares_every_required_output()
    {
        var declared = RootModuleOutputs.Declared(Path.Combine(RepositoryRoot.Path, "terraform"));

        Assert.Empty(StackOutputs.MissingFrom(declared));
        Assert.Contains("user_data", declared);
    }

    [Fact]
    public void The_required_list_is_what_the_record_checks()
    {
        var ex = Assert.Throws<TerraformException>(() => StackOutputs.From(new TerraformOutputs()));

        foreach (var names in StackOutputs.Required)
        {
            Assert.Contains(names[0], ex.Message, StringComparison.Ordinal);
        }

        Assert.Equal(StackOutputs.Required.Count, StackOutputs.MissingFrom(new HashSet<string>()).Count);
    }

    [Fact]
    public void Commented_or_nested_output_words_are_not_declarations()
    {
        using var module = new TempDirectory("declared-outputs");
        module.WriteFile("outputs.tf", "# output \"region\" {\noutput \"ssh_user\" {\n  value = \"admin\"\n}\n  output   \"ssh_port\"   {\n  value = 22\n}\n");
        module.WriteFile("modules/x/outputs.tf", "output \"bucket_name\" {\n  value = 1\n}\n");

        Assert.Equal(["ssh_port", "ssh_user"], RootModuleOutputs.Declared(module.Path).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("production")]
    [InlineData("rehearsal")]
    public async Task A_deploy_whose_root_module_lacks_required_outputs_fails_before_any_task(string environment)
    {
        using var state = new TempDirectory("outputs-state");
        using var module = new TempDirectory("outputs-module");
        module.WriteFile("main.tf", "terraform {}\n");
        module.WriteFile("outputs.tf", WithoutOutputs(RepositoryOutputs, "redis_tls", "bucket_name"));

        var run = await Orchestrator.RunAsync(
            "--target=Deploy", $"--environment={environment}", "--transport=ssm", $"--state-dir={state.Path}", $"--terraform-dir={module.Path}");

        var last = RefusedBeforeAnyTask(run, state, environment);
        Assert.Contains("declares no output redis_tls, bucket_name", last.Error, StringComparison.Ordinal);

        // Nothing was planned: terraform never ran in the module.
        Assert.False(Directory.Exists(Path.Combine(module.Path, ".terraform")));
    }

    [Fact]
    public async Task A_server_target_with_saved_outputs_missing_some_fails_before_any_task()
    {
        using var state = new TempDirectory("outputs-state");
        state.WriteFile(Path.Combine("production", "terraform-outputs.json"), """{ "InstanceId": "i-0123456789abcdef0", "PublicIp": "203.0.113.10", "Region": "ap-northeast-2" }""");

        var run = await Orchestrator.RunAsync("--target=Status", "--environment=production", "--transport=ssm", $"--state-dir={state.Path}");

        var last = RefusedBeforeAnyTask(run, state, "production");
        Assert.Contains("The terraform outputs lack ssh_port, ssh_user, db_endpoint", last.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_target_of_a_scaled_out_stack_missing_its_outputs_fails_before_any_task()
    {
        using var state = new TempDirectory("outputs-state");
        state.WriteFile(Path.Combine("production", "terraform-outputs.json"), """
            { "ScaledOut": true, "AppServerCount": 3, "SshUser": "admin", "SshPort": 22, "Region": "ap-northeast-2",
              "DbEndpoint": "db.example", "DbPort": 5432, "DbName": "tableorder", "DbSecretArn": "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:rds!db-x",
              "RedisEndpoint": "redis.example", "RedisPort": 6379, "RedisTls": true, "RedisAuthSecretArn": "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:redis-auth-AbCdEf",
              "BucketName": "bucket" }
            """);

        var run = await Orchestrator.RunAsync("--target=Status", "--environment=production", "--transport=ssm", $"--state-dir={state.Path}");

        var last = RefusedBeforeAnyTask(run, state, "production");
        Assert.Contains("The terraform outputs of the scaled-out stack lack target_group_arn, autoscaling_group_name, release_bucket_name, site_url (or load_balancer_dns_name)", last.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("instance_id", last.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_target_with_no_saved_outputs_says_to_provision_before_any_task()
    {
        using var state = new TempDirectory("outputs-state");

        var run = await Orchestrator.RunAsync("--target=Logs", "--environment=production", "--transport=ssm", $"--state-dir={state.Path}");

        var last = RefusedBeforeAnyTask(run, state, "production");
        Assert.Contains("--target=Provision --environment=production", last.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_production_deploy_without_ssh_key_fails_before_any_task()
    {
        using var state = new TempDirectory("outputs-state");

        var run = await Orchestrator.RunAsync("--target=Deploy", "--environment=production", $"--state-dir={state.Path}");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("--ssh-key is required for --target=Deploy", run.Output, StringComparison.Ordinal);

        // The arguments are checked before the build starts: no run summary, no task, nothing in the state folder.
        Assert.Null(LastRun.Read(Path.Combine(state.Path, "production")));
        Assert.Empty(Directory.GetFileSystemEntries(state.Path));
    }

    /// <summary>The run failed (exit 1) with a run summary that names no task: refused before any task body ran.</summary>
    private static LastRun RefusedBeforeAnyTask(OrchestratorRun run, TempDirectory state, string environment)
    {
        Assert.True(run.ExitCode == 1, run.ToString());
        var last = LastRun.Read(Path.Combine(state.Path, environment))!;
        Assert.NotNull(last);
        Assert.False(last.Succeeded);
        Assert.Empty(last.TaskNames);
        return last;
    }

    /// <summary>outputs.tf without the named output blocks (each block ends at the first line that is "}").</summary>
    private static string WithoutOutputs(string outputs, params string[] names)
    {
        foreach (var name in names)
        {
            var block = new Regex($"^output \"{Regex.Escape(name)}\" \\{{.*?^\\}}\\n", RegexOptions.Multiline | RegexOptions.Singleline);
            Assert.Matches(block, outputs);
            outputs = block.Replace(outputs, string.Empty);
        }

        return outputs;
    }
}
