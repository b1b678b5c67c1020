using System.Diagnostics;
using TableOrder.Build.Configuration;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Configuration;

/// <summary>The one catalog: per-target checks, key files, and the README's table kept equal to it.</summary>
[Trait("Category", "Unit")]
public sealed class ArgumentCatalogTests : IDisposable
{
    private readonly TempDirectory _root = new("argument-catalog");

    public ArgumentCatalogTests()
    {
        _root.WriteFile("TableOrder.Build.sln");
        _root.WriteFile("terraform/main.tf", "# root module\n");
        _root.WriteFile("app-deploy/reference-app/app/main.py", "app = None\n");
        _root.WriteFile("app-deploy/reference-app/alembic.ini", "[alembic]\n");
    }

    public void Dispose() => _root.Dispose();

    [Fact]
    public void Readme_arguments_table_is_the_catalog()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "README.md")).ReplaceLineEndings("\n");
        var section = readme[readme.IndexOf("## Arguments\n", StringComparison.Ordinal)..];
        var table = string.Concat(section.Split('\n').SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|')).Select(l => l + "\n"));

        Assert.True(table == ArgumentCatalog.MarkdownTable(), $"README.md's \"## Arguments\" table differs from the catalog; it should be:\n{ArgumentCatalog.MarkdownTable()}");
    }

    [Fact]
    public void Every_argument_a_task_declares_is_in_the_catalog_and_every_task_argument_is_declared()
    {
        var declared = TaskDeclarations.All.SelectMany(t => t.Arguments).ToHashSet(StringComparer.Ordinal);

        Assert.All(declared, name => Assert.True(ArgumentCatalog.Find(name) is { AppliesToEveryTarget: false }, $"--{name} is declared by a task but is no task argument of the catalog"));
        Assert.All(ArgumentCatalog.Arguments.Where(a => !a.AppliesToEveryTarget), a => Assert.True(declared.Contains(a.Name), $"--{a.Name} is used by no task"));
        Assert.All(ArgumentCatalog.Requirements, r => Assert.True(declared.Contains(r.Argument), $"--{r.Argument} is required but no task uses it"));
    }

    [Fact]
    public void The_tasks_that_act_on_the_aws_stack_are_plan_outputs_and_destroy()
    {
        Assert.Equal(["Destroy", "Outputs", "Plan"], TaskDeclarations.All.Where(t => t.ActsOnAwsStack).Select(t => t.Name));
    }

    [Fact]
    public void Deploy_reaches_every_stage_and_Rebuild_its_teardown()
    {
        var deploy = CakeTasks.ToExecute(["Deploy"]);
        var rebuild = CakeTasks.ToExecute(["Rebuild"]);

        Assert.Superset(new HashSet<string>(["Plan", "Provision", "WaitForServer", "Bootstrap", "Release", "Migrate", "Activate", "Smoke"]), deploy.ToHashSet());
        Assert.Contains("RebuildTeardown", rebuild);
        Assert.Contains("Deploy", rebuild);
    }

    [Theory]
    [InlineData("purge", null, "Deploy")]
    [InlineData("purge-image", null, "Deploy")]
    [InlineData("release", "0123456789ab", "Status")]
    [InlineData("release", "0123456789ab", "Deploy")]
    [InlineData("unlock", null, "Status")]
    [InlineData("follow", null, "Deploy")]
    [InlineData("auto-approve", null, "Validate")]
    [InlineData("confirm-rebuild", "local", "Deploy")]
    public void Argument_outside_its_targets_is_named(string name, string? value, string target)
    {
        var ex = Fails(new() { [name] = value }, [target]);

        Assert.StartsWith($"--{name} does not apply to --target={target}", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"Leave --{name} out", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("purge", null, "LocalDown")]
    [InlineData("purge-image", null, "Rebuild")]
    [InlineData("release", "0123456789ab", "Rollback")]
    [InlineData("unlock", null, "Lock")]
    [InlineData("lock-wait", "5", "Deploy")]
    [InlineData("app-dir", null, "Rebuild")]
    [InlineData("health-timeout", "30", "Rollback")]
    public void Argument_of_a_target_or_a_task_it_runs_is_accepted(string name, string? value, string target)
    {
        if (name == "app-dir")
        {
            value = _root.Combine("app-deploy", "reference-app");
        }

        Parse(new() { [name] = value }, [target]);
    }

    [Theory]
    [InlineData("environment", "--environment=local or --environment=rehearsal or --environment=production")]
    [InlineData("release", "--release=<id>")]
    [InlineData("lines", "--lines=100")]
    public void Empty_value_names_the_argument_and_what_to_type(string name, string expected)
    {
        var ex = Fails(new() { [name] = string.Empty }, [name == "lines" ? "Logs" : "Rollback"]);

        Assert.StartsWith($"--{name} needs a value", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Placeholder_is_not_a_release()
    {
        var ex = Fails(new() { ["release"] = "placeholder" }, ["Rollback"]);

        Assert.StartsWith("--release=placeholder is not a release", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Host_key_locally_is_refused_as_not_applicable()
    {
        var ex = Fails(new() { ["ssh-host-key"] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" }, ["Status"]);

        Assert.StartsWith("--ssh-host-key does not apply to --environment=local", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Production_ssh_needs_a_key_unless_ssm()
    {
        var ex = Fails(new() { ["environment"] = "production" }, ["Deploy"]);
        Assert.StartsWith("--ssh-key is required for --target=Deploy with --environment=production", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--transport=ssm", ex.Message, StringComparison.Ordinal);

        Parse(new() { ["environment"] = "production", ["transport"] = "ssm" }, ["Deploy"]);
        Parse(new() { ["environment"] = "production" }, ["Plan"]);

        // the rehearsal reaches the local machine with the local stack's own login key
        Parse(new() { ["environment"] = "rehearsal" }, ["Deploy"]);
    }

    [Fact]
    public void Production_rebuild_needs_its_confirmation()
    {
        var key = NewKey("id_plain", passphrase: string.Empty);

        var ex = Fails(new() { ["environment"] = "production", ["ssh-key"] = key }, ["Rebuild"]);
        Assert.Contains("--confirm-rebuild=production", ex.Message, StringComparison.Ordinal);

        var mismatch = Fails(new() { ["environment"] = "production", ["ssh-key"] = key, ["confirm-rebuild"] = "local" }, ["Rebuild"]);
        Assert.StartsWith("--confirm-rebuild=local does not match --environment=production", mismatch.Message, StringComparison.Ordinal);

        var options = Parse(new() { ["environment"] = "production", ["ssh-key"] = key, ["confirm-rebuild"] = "production" }, ["Rebuild"]);
        Assert.True(options.Rebuild);
        Assert.Equal(key, options.SshKeyPath);
    }

    [Fact]
    public void Local_rebuild_needs_no_confirmation()
    {
        var options = Parse(new() { ["purge-image"] = null }, ["Rebuild"]);

        Assert.True(options.Rebuild);
        Assert.True(options.PurgeImage);
    }

    [Fact]
    public void Public_key_as_ssh_key_says_so()
    {
        var key = NewKey("id_pub", passphrase: string.Empty);

        var ex = Fails(new() { ["ssh-key"] = key + ".pub" }, ["Status"]);

        Assert.StartsWith("--ssh-key:", ex.Message, StringComparison.Ordinal);
        Assert.Contains("is a public key", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"'{key}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encrypted_key_says_how_to_make_an_unencrypted_copy()
    {
        var key = NewKey("id_encrypted", passphrase: "secret-passphrase");

        var ex = Fails(new() { ["ssh-key"] = key }, ["Status"]);

        Assert.StartsWith("--ssh-key:", ex.Message, StringComparison.Ordinal);
        Assert.Contains("encrypted with a passphrase", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ssh-keygen -p", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encrypted_pem_key_is_recognised()
    {
        var key = _root.WriteFile("id_rsa_pem", "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n");

        Assert.Contains("encrypted with a passphrase", Fails(new() { ["ssh-key"] = key }, ["Status"]).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a key at all\n", "is not a private key (no")]
    [InlineData("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n", "is not a private key SSH can read")]
    [InlineData("PuTTY-User-Key-File-3: ssh-ed25519\n", "is a PuTTY key")]
    public void Wrong_format_key_says_what_it_is(string content, string expected)
    {
        var key = _root.WriteFile("id_wrong", content);

        var ex = Fails(new() { ["ssh-key"] = key }, ["Status"]);

        Assert.StartsWith("--ssh-key:", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unencrypted_private_key_is_accepted()
    {
        var key = NewKey("id_ok", passphrase: string.Empty);

        Assert.Equal(key, Parse(new() { ["ssh-key"] = key }, ["Status"]).SshKeyPath);
    }

    [Fact]
    public void Help_lists_the_arguments_by_target()
    {
        var help = BuildHelp.Text();

        Assert.Contains("LocalDown:", help, StringComparison.Ordinal);
        Assert.Contains("--purge-image", help, StringComparison.Ordinal);
        Assert.Contains("Rebuild:", help, StringComparison.Ordinal);
        Assert.Contains("Required: production over SSH", help, StringComparison.Ordinal);
        Assert.All(ArgumentCatalog.Arguments, a => Assert.Contains("--" + a.Name, help, StringComparison.Ordinal));
    }

    private string NewKey(string name, string passphrase)
    {
        var path = _root.Combine(name);
        using var keygen = Process.Start("ssh-keygen", ["-q", "-t", "ed25519", "-N", passphrase, "-f", path])!;
        keygen.WaitForExit();
        Assert.Equal(0, keygen.ExitCode);
        return path;
    }

    private BuildOptions Parse(Dictionary<string, string?> arguments, string[] targets) =>
        CakeTasks.Parse(new Dictionary<string, string?>(arguments, StringComparer.OrdinalIgnoreCase), targets, _root.Path);

    private BuildArgumentException Fails(Dictionary<string, string?> arguments, string[] targets) =>
        Assert.Throws<BuildArgumentException>(() => Parse(arguments, targets));
}
