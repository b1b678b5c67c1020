using TableOrder.Build.Terraform;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Terraform;

[Trait("Category", "Unit")]
public sealed class ProviderMirrorTests : IDisposable
{
    private readonly TempDirectory _temp = new("provider-mirror");

    public void Dispose() => _temp.Dispose();

    /// <summary>A mirror the way terraform lays one out: registry.terraform.io/hashicorp/aws/&lt;version&gt;/&lt;platform&gt;/.</summary>
    private string MakeMirror(string relativePath)
    {
        _temp.CreateDirectory(Path.Combine(relativePath, "registry.terraform.io", "hashicorp", "aws", "5.100.0", "linux_amd64"));
        return _temp.Combine(relativePath);
    }

    [Fact]
    public void Implied_folder_wins_over_search_roots()
    {
        var implied = MakeMirror("home/.terraform.d/plugins");
        MakeMirror("opt/tf-plugins");

        var found = ProviderMirror.Discover([_temp.Combine("missing"), implied], [_temp.Combine("opt")]);

        Assert.Equal(implied, found);
    }

    [Fact]
    public void Shallow_search_finds_a_mirror_two_levels_down()
    {
        var mirror = MakeMirror("opt/vendor/tf-plugins");

        var found = ProviderMirror.Discover([], [_temp.Combine("opt")]);

        Assert.Equal(mirror, found);
    }

    [Fact]
    public void Shallow_search_finds_a_mirror_one_level_down()
    {
        var mirror = MakeMirror("opt/tf-plugins");

        Assert.Equal(mirror, ProviderMirror.Discover([], [_temp.Combine("opt")]));
    }

    [Fact]
    public void Mirror_three_levels_down_is_not_found()
    {
        MakeMirror("opt/a/b/tf-plugins");

        Assert.Null(ProviderMirror.Discover([], [_temp.Combine("opt")]));
    }

    [Fact]
    public void Empty_registry_folder_is_not_a_mirror()
    {
        _temp.CreateDirectory("opt/empty/registry.terraform.io");
        _temp.CreateDirectory("opt/namespace-only/registry.terraform.io/hashicorp");

        Assert.False(ProviderMirror.IsMirror(_temp.Combine("opt/empty")));
        Assert.False(ProviderMirror.IsMirror(_temp.Combine("opt/namespace-only")));
        Assert.Null(ProviderMirror.Discover([_temp.Combine("opt/empty")], [_temp.Combine("opt")]));
    }

    [Fact]
    public void Missing_search_roots_are_skipped()
    {
        Assert.Null(ProviderMirror.Discover([_temp.Combine("nope")], [_temp.Combine("nope"), _temp.Combine("also-nope")]));
    }

    [Fact]
    public void Candidate_folders_follow_terraform_implied_mirror_locations()
    {
        var folders = ProviderMirror.CandidateFolders("/home/u", _ => null);

        Assert.Equal(
            ["/home/u/.terraform.d/plugins", "/home/u/.local/share/terraform/plugins", "/usr/local/share/terraform/plugins", "/usr/share/terraform/plugins"],
            folders);
    }

    [Fact]
    public void Candidate_folders_honour_xdg_variables()
    {
        var variables = new Dictionary<string, string> { ["XDG_DATA_HOME"] = "/data", ["XDG_DATA_DIRS"] = "/a:/b" };

        var folders = ProviderMirror.CandidateFolders("/home/u", n => variables.GetValueOrDefault(n));

        Assert.Equal(["/home/u/.terraform.d/plugins", "/data/terraform/plugins", "/a/terraform/plugins", "/b/terraform/plugins"], folders);
    }

    [Fact]
    public void Search_roots_include_opt_and_home()
    {
        var roots = ProviderMirror.SearchRoots("/home/u");

        Assert.Contains("/opt", roots);
        Assert.Contains("/home/u", roots);
    }

    [Fact]
    public void Cli_config_uses_only_the_filesystem_mirror()
    {
        var text = ProviderMirror.CliConfig("/opt/tf-plugins");

        Assert.Contains("provider_installation {", text, StringComparison.Ordinal);
        Assert.Contains("filesystem_mirror {", text, StringComparison.Ordinal);
        Assert.Contains("path    = \"/opt/tf-plugins\"", text, StringComparison.Ordinal);
        Assert.Contains("include = [\"registry.terraform.io/*/*\"]", text, StringComparison.Ordinal);
        Assert.DoesNotContain("direct", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Cli_config_uses_forward_slashes()
    {
        Assert.Contains("path    = \"C:/tf/plugins\"", ProviderMirror.CliConfig(@"C:\tf\plugins"), StringComparison.Ordinal);
    }

    [Fact]
    public void WriteCliConfig_writes_once_and_is_idempotent()
    {
        var mirror = MakeMirror("opt/tf-plugins");
        var stateRoot = _temp.Combine("state");

        var path = ProviderMirror.WriteCliConfig(mirror, stateRoot);
        var firstWrite = File.GetLastWriteTimeUtc(path);
        var text = File.ReadAllText(path);
        File.SetLastWriteTimeUtc(path, firstWrite.AddMinutes(-5));
        var stamped = File.GetLastWriteTimeUtc(path);

        var again = ProviderMirror.WriteCliConfig(mirror, stateRoot);

        Assert.Equal(path, again);
        Assert.Equal(Path.Combine(stateRoot, "terraform-mirror.tfrc"), path);
        Assert.Equal(text, File.ReadAllText(again));
        Assert.Equal(ProviderMirror.CliConfig(mirror), text);
        Assert.Equal(stamped, File.GetLastWriteTimeUtc(again));
    }

    [Fact]
    public void WriteCliConfig_rewrites_a_stale_file()
    {
        var stateRoot = _temp.Combine("state");
        var path = _temp.WriteFile("state/terraform-mirror.tfrc", "stale");

        ProviderMirror.WriteCliConfig("/somewhere/else", stateRoot);

        Assert.Equal(ProviderMirror.CliConfig("/somewhere/else"), File.ReadAllText(path));
    }
}
