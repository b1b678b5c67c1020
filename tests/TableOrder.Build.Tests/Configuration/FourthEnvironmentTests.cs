using Cake.Core.Diagnostics;
using TableOrder.Build.Configuration;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Environments;
using TableOrder.Build.Tests.Environments;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Configuration;

/// <summary>
/// Adding an environment is one record (README, "Adding an environment", shows this one): a fake
/// fourth environment, staging in an AWS account like production's, is parsed, listed by --help,
/// checked against the tasks Cake would run, and made into its deployment, with nothing else changed.
/// </summary>
[Trait("Category", "Unit")]
public sealed class FourthEnvironmentTests : IDisposable
{
    // The whole addition. Its site is production's (AwsSite names itself after the record);
    // an environment whose AWS is elsewhere also brings its IProductionSite, as rehearsal/RehearsalSite.cs does.
    private static readonly DeploymentEnvironment Staging = new("staging", "a second AWS account, for release candidates")
    {
        HasAwsStack = true,
        RebuildNeedsConfirmation = true,
        ConventionalVarFile = Path.Combine("environments", "staging", "terraform.tfvars"),
        Create = (cake, options, masker) => new ProductionDeployment(cake, options, masker),
    };

    private static readonly IReadOnlyList<DeploymentEnvironment> WithStaging = [.. DeploymentEnvironments.All, Staging];

    private readonly TempDirectory _root = new("fourth-environment");

    public FourthEnvironmentTests()
    {
        _root.WriteFile("TableOrder.Build.sln");
        _root.WriteFile("terraform/main.tf", "# root module\n");
        _root.WriteFile("terraform/environments/staging/terraform.tfvars", "app_server_count = 1\n");
        _root.WriteFile("app-deploy/reference-app/app/main.py", "app = None\n");
        _root.WriteFile("app-deploy/reference-app/alembic.ini", "[alembic]\n");
    }

    public void Dispose() => _root.Dispose();

    [Fact]
    public void Parsing_yields_the_record_its_state_folder_and_its_defaults()
    {
        var options = Parse(new() { ["transport"] = "ssm" }, "Deploy");

        Assert.Same(Staging, options.Environment);
        Assert.Equal("staging", options.EnvironmentName);
        Assert.Equal(_root.Combine(".tableorder", "staging"), options.StateDirectory);
        Assert.Equal(_root.Combine("terraform", "environments", "staging", "terraform.tfvars"), options.Terraform.VarFile);
        Assert.Null(options.SshKeyPath);
        Assert.Equal(ServerTransport.Ssm, options.Transport);
    }

    [Fact]
    public void An_unknown_environment_lists_the_fourth_and_the_build_without_it_refuses_it()
    {
        var ex = Fails(new() { ["environment"] = "nowhere" }, "Status");
        Assert.Contains("--environment=staging (a second AWS account, for release candidates)", ex.Message, StringComparison.Ordinal);

        var without = Assert.Throws<BuildArgumentException>(() => CakeTasks.Parse(Arguments(new() { ["environment"] = "staging" }), ["Status"], _root.Path));
        Assert.StartsWith("--environment=staging is not an environment of this build", without.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_lists_it_and_its_requirements()
    {
        var help = BuildHelp.Text(WithStaging);

        Assert.Contains("staging: a second AWS account, for release candidates", help, StringComparison.Ordinal);
        Assert.Contains("Required: production, staging over SSH", help, StringComparison.Ordinal);
        Assert.Contains("Required: in rehearsal, production, staging", help, StringComparison.Ordinal);
    }

    [Fact]
    public void The_argument_checks_ask_of_its_capabilities()
    {
        Assert.StartsWith("--ssh-key is required for --target=Deploy with --environment=staging", Fails([], "Deploy").Message, StringComparison.Ordinal);
        Assert.Contains("--confirm-rebuild=staging", Fails(new() { ["transport"] = "ssm" }, "Rebuild").Message, StringComparison.Ordinal);
        Assert.Contains("--confirm-destroy=staging", Fails([], "Destroy").Message, StringComparison.Ordinal);
        Assert.StartsWith("--confirm-destroy=production does not match --environment=staging", Fails(new() { ["confirm-destroy"] = "production" }, "Destroy").Message, StringComparison.Ordinal);
        Assert.StartsWith("--servers is for the local stack", Fails(new() { ["servers"] = "2" }, "Deploy").Message, StringComparison.Ordinal);

        Parse(new() { ["confirm-destroy"] = "staging" }, "Destroy");
        Parse(new() { ["ssh-host-key"] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI", ["transport"] = "ssm", ["server-image"] = null }, "Snapshot");
    }

    [Fact]
    public void Its_deployment_is_made_from_the_record()
    {
        var options = Parse(new() { ["environment"] = "staging", ["transport"] = "ssm" }, "Status");
        using var deployment = options.Environment.Create(ProductionFleetTests.LogOnlyContext.For(new NullLog()), options, new SecretMasker());

        Assert.IsType<ProductionDeployment>(deployment);
        Assert.Equal("staging", deployment.Name);
        Assert.True(deployment.PlansInfrastructure);
    }

    private static Dictionary<string, string?> Arguments(Dictionary<string, string?> arguments) => new(arguments, StringComparer.OrdinalIgnoreCase);

    private BuildOptions Parse(Dictionary<string, string?> arguments, string target)
    {
        arguments.TryAdd("environment", "staging");
        return CakeTasks.Parse(Arguments(arguments), [target], _root.Path, environments: WithStaging);
    }

    private BuildArgumentException Fails(Dictionary<string, string?> arguments, string target) =>
        Assert.Throws<BuildArgumentException>(() => Parse(arguments, target));
}
