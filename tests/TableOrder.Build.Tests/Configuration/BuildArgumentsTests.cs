using TableOrder.Build.Configuration;
using TableOrder.Build.Environments;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Configuration;

[Trait("Category", "Unit")]
public sealed class BuildArgumentsTests : IDisposable
{
    private readonly TempDirectory _root = new("build-arguments");

    public BuildArgumentsTests()
    {
        _root.WriteFile("TableOrder.Build.sln");
        _root.WriteFile("terraform/main.tf", "# root module\n");

        // The default app (--app-dir) is the reference app; a repository has it.
        _root.WriteFile("app-deploy/reference-app/app/main.py", "app = None\n");
        _root.WriteFile("app-deploy/reference-app/alembic.ini", "[alembic]\n");
    }

    public void Dispose() => _root.Dispose();

    private BuildOptions Parse(Dictionary<string, string?>? arguments = null, string[]? targets = null, Dictionary<string, string>? environment = null, string? workingDirectory = null) =>
        CakeTasks.Parse(
            new Dictionary<string, string?>(arguments ?? [], StringComparer.OrdinalIgnoreCase),
            targets ?? [],
            workingDirectory ?? _root.Path,
            name => environment?.GetValueOrDefault(name));

    private BuildArgumentException Fails(Dictionary<string, string?>? arguments = null, string[]? targets = null, Dictionary<string, string>? environment = null) =>
        Assert.Throws<BuildArgumentException>(() => Parse(arguments, targets, environment));

    [Theory]
    [InlineData("https://order.example.com")]
    [InlineData("Order.Example.com")]
    [InlineData("order.example.com:443")]
    [InlineData("localhost")]
    public void A_domain_that_is_not_a_dns_name_stops_before_any_task_and_shows_how_to_write_it(string domain)
    {
        var error = Fails(new() { ["domain"] = domain }, ["Deploy"]);
        Assert.Contains("--domain", error.Message, StringComparison.Ordinal);
        Assert.Contains("--domain=shop.example.com", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_domain_is_kept_and_none_means_http_only()
    {
        Assert.Equal("order.example.com", Parse(new() { ["domain"] = "order.example.com" }, ["Deploy"]).Domain);
        Assert.Null(Parse(targets: ["Deploy"]).Domain);
        Assert.Contains("--domain needs a value", Fails(new() { ["domain"] = null }, ["Deploy"]).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Http_only_is_its_own_switch_for_bootstrap_and_never_goes_with_a_domain()
    {
        Assert.True(Parse(new() { ["http-only"] = null }, ["Deploy"]).HttpOnly);
        Assert.False(Parse(targets: ["Deploy"]).HttpOnly);

        var both = Fails(new() { ["http-only"] = null, ["domain"] = "order.example.com" }, ["Deploy"]);
        Assert.Contains("--http-only", both.Message, StringComparison.Ordinal);
        Assert.Contains("--domain", both.Message, StringComparison.Ordinal);

        // a target that does not bootstrap does not take it
        Assert.Contains("--http-only does not apply to --target=Logs", Fails(new() { ["http-only"] = null }, ["Logs"]).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Backend_config_without_a_backend_block_stops_before_any_task_and_names_the_fix()
    {
        _root.WriteFile("terraform/backend.tf.example", "terraform {\n  backend \"s3\" {}\n}\n");
        _root.WriteFile("backend.hcl", "bucket = \"b\"\n");

        var error = Fails(new() { ["environment"] = "production", ["backend-config"] = "backend.hcl" }, ["Plan"]);

        Assert.Contains("--backend-config", error.Message, StringComparison.Ordinal);
        Assert.Contains("terraform/backend.tf.example to terraform/backend.tf", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Backend_config_with_a_backend_block_is_taken()
    {
        _root.WriteFile("terraform/backend.tf", "# state\nterraform {\n  backend \"s3\" {\n    encrypt = true\n  }\n}\n");
        _root.WriteFile("backend.hcl", "bucket = \"b\"\n");

        var options = Parse(new() { ["environment"] = "production", ["backend-config"] = "backend.hcl" }, ["Plan"]);

        Assert.Equal(Path.Combine(_root.Path, "backend.hcl"), options.Terraform.BackendConfigFile);
    }

    [Fact]
    public void A_commented_out_backend_block_is_no_backend()
    {
        _root.WriteFile("terraform/versions.tf", "terraform {\n  # backend \"s3\" {}\n}\n");

        Assert.False(BuildArguments.HasBackendBlock(Path.Combine(_root.Path, "terraform")));
    }

    [Fact]
    public void Defaults_are_local_with_state_under_dot_tableorder()
    {
        var options = Parse();

        Assert.Equal(DeploymentEnvironments.Local, options.Environment);
        Assert.Equal("local", options.EnvironmentName);
        Assert.Equal(_root.Path, options.RootDirectory);
        Assert.Equal(_root.Combine(".tableorder", "local"), options.StateDirectory);
        Assert.Equal(_root.Combine(".tableorder"), options.StateRoot);
        Assert.Equal(_root.Combine("terraform"), options.Terraform.WorkingDirectory);
        Assert.Equal(_root.Combine(".tableorder", "local", "terraform.tfplan"), options.Terraform.PlanFile);
        Assert.Null(options.Terraform.VarFile);
        Assert.Null(options.Terraform.MirrorDirectory);
        Assert.Null(options.Terraform.ConfirmDestroy);
        Assert.False(options.Terraform.AutoApprove);
        Assert.Equal(_root.Combine(".tableorder", "cache", "machine", "login_ed25519"), options.SshKeyPath); // the local stack's login key, decided once
        Assert.Equal(["Default"], options.Targets);
    }

    [Fact]
    public void Parsing_has_no_side_effects()
    {
        Parse(new() { ["environment"] = "production", ["state-dir"] = "elsewhere" }, ["Provision"]);

        Assert.False(Directory.Exists(_root.Combine(".tableorder")));
        Assert.False(Directory.Exists(_root.Combine("elsewhere")));
    }

    [Fact]
    public void Root_is_found_from_a_subfolder()
    {
        var options = Parse(workingDirectory: _root.CreateDirectory("terraform/modules"));

        Assert.Equal(_root.Path, options.RootDirectory);
    }

    [Fact]
    public void Production_is_named_explicitly()
    {
        var options = Parse(new() { ["environment"] = "Production" });

        Assert.Equal(DeploymentEnvironments.Production, options.Environment);
        Assert.Equal(_root.Combine(".tableorder", "production"), options.StateDirectory);
        Assert.Equal(_root.Combine(".tableorder", "production", "terraform.tfplan"), options.Terraform.PlanFile);
    }

    [Fact]
    public void Unknown_environment_names_the_ones_that_exist()
    {
        var ex = Fails(new() { ["environment"] = "staging" });

        Assert.Contains("--environment=staging", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--environment=local", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--environment=production", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_argument_suggests_the_near_one()
    {
        var ex = Fails(new() { ["enviroment"] = "production" });

        Assert.Contains("--enviroment is not an argument", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Did you mean --environment?", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_argument_far_from_any_gets_no_suggestion()
    {
        var ex = Fails(new() { ["frobnicate-everything"] = "1" });

        Assert.DoesNotContain("Did you mean", ex.Message, StringComparison.Ordinal);
        Assert.Contains("README.md", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("target")]
    [InlineData("verbosity")]
    [InlineData("dryrun")]
    [InlineData("tree")]
    [InlineData("exclusive")]
    public void Host_options_are_not_typos(string hostOption)
    {
        Parse(new() { [hostOption] = null });
    }

    [Fact]
    public void Missing_var_file_names_the_argument_and_the_path()
    {
        var ex = Fails(new() { ["var-file"] = "nope.tfvars" }, ["Deploy"]);

        Assert.Contains("--var-file", ex.Message, StringComparison.Ordinal);
        Assert.Contains(_root.Combine("nope.tfvars"), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Var_file_without_a_value_says_what_to_type()
    {
        var ex = Fails(new() { ["var-file"] = null }, ["Deploy"]);

        Assert.Contains("--var-file=<path>", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Existing_var_file_is_made_absolute()
    {
        var file = _root.WriteFile("prod.tfvars", "x = 1\n");

        Assert.Equal(file, Parse(new() { ["var-file"] = "prod.tfvars" }, ["Deploy"]).Terraform.VarFile);
    }

    [Fact]
    public void Conventional_production_var_file_is_picked_up()
    {
        var conventional = _root.WriteFile("terraform/environments/production/terraform.tfvars", "x = 1\n");

        Assert.Equal(conventional, Parse(new() { ["environment"] = "production" }).Terraform.VarFile);
        Assert.Null(Parse().Terraform.VarFile);
    }

    [Fact]
    public void Explicit_var_file_beats_the_conventional_one()
    {
        _root.WriteFile("terraform/environments/production/terraform.tfvars", "x = 1\n");
        var other = _root.WriteFile("other.tfvars", "x = 2\n");

        Assert.Equal(other, Parse(new() { ["environment"] = "production", ["var-file"] = other }, ["Plan"]).Terraform.VarFile);
    }

    [Fact]
    public void Terraform_dir_without_tf_files_is_rejected()
    {
        _root.CreateDirectory("empty");

        var ex = Fails(new() { ["terraform-dir"] = "empty" });

        Assert.Contains("--terraform-dir", ex.Message, StringComparison.Ordinal);
        Assert.Contains("no *.tf files", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Confirm_destroy_must_match_the_environment()
    {
        var ex = Fails(new() { ["environment"] = "production", ["confirm-destroy"] = "local" });

        Assert.Contains("--confirm-destroy=local does not match --environment=production", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--confirm-destroy=production", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Confirm_destroy_is_case_sensitive()
    {
        Fails(new() { ["environment"] = "production", ["confirm-destroy"] = "Production" });
    }

    [Fact]
    public void Bare_confirm_destroy_says_what_to_type()
    {
        var ex = Fails(new() { ["environment"] = "production", ["confirm-destroy"] = null }, ["Destroy"]);

        Assert.Contains("--confirm-destroy=production", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Destroy_without_confirmation_is_refused()
    {
        var ex = Fails(new() { ["environment"] = "production" }, ["Destroy"]);

        Assert.Contains("--target=Destroy", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--confirm-destroy=production", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Destroy_with_matching_confirmation_is_accepted()
    {
        var options = Parse(new() { ["environment"] = "production", ["confirm-destroy"] = "production" }, ["destroy"]);

        Assert.Equal("production", options.Terraform.ConfirmDestroy);
    }

    [Theory]
    [InlineData("Plan")]
    [InlineData("plan")]
    [InlineData("Outputs")]
    [InlineData("Destroy")]
    public void Production_only_targets_are_refused_locally(string target)
    {
        var ex = Fails(targets: [target]);

        Assert.Contains("--environment=production", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_in_production_is_accepted()
    {
        Assert.Equal(["Plan"], Parse(new() { ["environment"] = "production" }, ["Plan"]).Targets);
    }

    [Fact]
    public void Missing_terraform_mirror_folder_names_the_argument()
    {
        var ex = Fails(new() { ["terraform-mirror"] = "no-such-mirror" });

        Assert.Contains("--terraform-mirror", ex.Message, StringComparison.Ordinal);
        Assert.Contains(_root.Combine("no-such-mirror"), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Terraform_mirror_argument_is_used()
    {
        var mirror = _root.CreateDirectory("mirror");

        Assert.Equal(mirror, Parse(new() { ["terraform-mirror"] = "mirror" }).Terraform.MirrorDirectory);
    }

    [Fact]
    public void Mirror_environment_variable_is_used()
    {
        var mirror = _root.CreateDirectory("env-mirror");

        var options = Parse(environment: new() { [BuildArguments.MirrorVariable] = mirror });

        Assert.Equal("TABLEORDER_TERRAFORM_MIRROR", BuildArguments.MirrorVariable);
        Assert.Equal(mirror, options.Terraform.MirrorDirectory);
    }

    [Fact]
    public void Mirror_argument_beats_the_environment_variable()
    {
        var argument = _root.CreateDirectory("arg-mirror");
        var variable = _root.CreateDirectory("env-mirror");

        var options = Parse(new() { ["terraform-mirror"] = argument }, environment: new() { [BuildArguments.MirrorVariable] = variable });

        Assert.Equal(argument, options.Terraform.MirrorDirectory);
    }

    [Fact]
    public void Missing_mirror_from_the_environment_variable_names_the_variable()
    {
        var ex = Fails(environment: new() { [BuildArguments.MirrorVariable] = "/no/such/mirror" });

        Assert.Contains(BuildArguments.MirrorVariable, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("true")]
    [InlineData("yes")]
    [InlineData("1")]
    public void Auto_approve_bare_or_true_is_on(string? value)
    {
        Assert.True(Parse(new() { ["auto-approve"] = value }, ["Provision"]).Terraform.AutoApprove);
    }

    [Theory]
    [InlineData("false")]
    [InlineData("no")]
    [InlineData("0")]
    public void Auto_approve_false_is_off(string value)
    {
        Assert.False(Parse(new() { ["auto-approve"] = value }, ["Provision"]).Terraform.AutoApprove);
    }

    [Fact]
    public void Auto_approve_maybe_is_an_error()
    {
        var ex = Fails(new() { ["auto-approve"] = "maybe" }, ["Provision"]);

        Assert.Contains("--auto-approve=maybe is not true or false", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void State_dir_moves_state_and_plan()
    {
        var options = Parse(new() { ["state-dir"] = "custom-state", ["environment"] = "production" });

        Assert.Equal(_root.Combine("custom-state", "production"), options.StateDirectory);
        Assert.Equal(_root.Combine("custom-state", "production", "terraform.tfplan"), options.Terraform.PlanFile);
    }

    [Fact]
    public void State_dir_that_is_a_file_is_refused()
    {
        _root.WriteFile("a-file");

        var ex = Fails(new() { ["state-dir"] = "a-file" });

        Assert.Contains("is a file", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_file_argument_is_made_absolute()
    {
        Assert.Equal(_root.Combine("plans", "p.tfplan"), Parse(new() { ["plan-file"] = "plans/p.tfplan" }, ["Deploy"]).Terraform.PlanFile);
    }

    [Fact]
    public void Missing_ssh_key_is_refused()
    {
        var ex = Fails(new() { ["ssh-key"] = "id_missing" });

        Assert.Contains("--ssh-key", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_solution_above_the_working_directory_is_explained()
    {
        using var elsewhere = new TempDirectory("no-root");

        var ex = Assert.Throws<BuildArgumentException>(() =>
            BuildArguments.Parse(new Dictionary<string, string?>(), [], _ => null, elsewhere.Path));

        Assert.Contains("TableOrder.Build.sln", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--working", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_known_argument_has_a_description()
    {
        Assert.All(BuildArguments.Known, pair => Assert.False(string.IsNullOrWhiteSpace(pair.Value)));
        Assert.Contains("environment", BuildArguments.Known.Keys);
        Assert.Contains("confirm-destroy", BuildArguments.Known.Keys);
    }

    [Fact]
    public void Production_over_ssh_without_an_ssh_key_fails_before_any_task()
    {
        var ex = Fails(new() { ["environment"] = "production" }, ["Deploy"]);

        Assert.Contains("--ssh-key=", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--transport=ssm", ex.Message, StringComparison.Ordinal);
        Assert.Equal(ServerTransport.Ssm, Parse(new() { ["environment"] = "production", ["transport"] = "ssm" }, ["Deploy"]).Transport);
        Assert.Equal(["Plan"], Parse(new() { ["environment"] = "production" }, ["Plan"]).Targets);
    }

    [Fact]
    public void Rehearsal_is_an_environment_with_ssm_and_terraform_targets()
    {
        var options = Parse(new() { ["environment"] = "rehearsal", ["transport"] = "ssm" }, ["Deploy"]);

        Assert.Equal(DeploymentEnvironments.Rehearsal, options.Environment);
        Assert.Equal(_root.Combine(".tableorder", "rehearsal"), options.StateDirectory);
        Assert.Equal(ServerTransport.Ssm, options.Transport);
        Assert.Equal(["Plan"], Parse(new() { ["environment"] = "rehearsal" }, ["Plan"]).Targets);
    }

    [Fact]
    public void The_debian_mirror_comes_from_the_argument_or_its_variable_and_must_be_a_url()
    {
        Assert.Null(Parse(targets: ["Deploy"]).DebianMirror);
        Assert.Equal(new TableOrder.Build.Local.DebianMirror("http://mirror.lan/debian", "http://mirror.lan/debian-security"), Parse(new() { ["debian-mirror"] = "http://mirror.lan/debian/" }, ["Deploy"]).DebianMirror);
        Assert.Equal("file:///srv/debian", Parse(targets: ["Provision"], environment: new() { [TableOrder.Build.Local.DebianMirror.EnvironmentVariable] = "file:///srv/debian" }).DebianMirror?.Archive);

        Assert.Contains("--debian-mirror=http://deb.debian.org/debian", Fails(new() { ["debian-mirror"] = "mirror.lan/debian" }, ["Deploy"]).Message, StringComparison.Ordinal);
        Assert.Contains(TableOrder.Build.Local.DebianMirror.EnvironmentVariable, Fails(targets: ["Deploy"], environment: new() { [TableOrder.Build.Local.DebianMirror.EnvironmentVariable] = "ftp://x" }).Message, StringComparison.Ordinal);
    }
}
