using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using TableOrder.Build.Release;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Release;

/// <summary>What a release holds: an allow-list (git's tracked files, else the include list), no secrets, no links, modes kept.</summary>
[Trait("Category", "Unit")]
public sealed class ReleaseArchiveTests : IDisposable
{
    private readonly TempDirectory _app = new("release-archive");

    public ReleaseArchiveTests()
    {
        _app.WriteFile("app/main.py", "app = None\n");
        _app.WriteFile("app/__init__.py");
        _app.WriteFile("alembic.ini", "[alembic]\n");
        _app.WriteFile("requirements.txt", "fastapi\n");
        _app.WriteFile("migrations/env.py", "# env\n");
        _app.WriteFile("ui/admin/index.html", "<meta>\n");
    }

    public void Dispose() => _app.Dispose();

    [Fact]
    public void Outside_git_only_the_include_list_is_packed_and_dotfiles_never()
    {
        _app.WriteFile("notes.txt", "not the app\n");
        _app.WriteFile("scratch/x.py", "x = 1\n");
        _app.WriteFile("app/.hidden", "dot\n");
        _app.WriteFile(".env", "DATABASE_URL=postgresql://u:secret@h/db\n");

        var archive = ReleaseArchive.FromDirectory(_app.Path);

        Assert.Equal(ReleaseSource.IncludeList, archive.Source);
        Assert.Equal(["alembic.ini", "app/__init__.py", "app/main.py", "migrations/env.py", "requirements.txt", "ui/admin/index.html"], archive.Files);
    }

    [Fact]
    public void An_env_file_that_would_be_packed_is_refused_with_the_fix()
    {
        _app.WriteFile("app/.env", "STAFF_TOKEN=x\n");

        var error = Assert.Throws<ReleaseException>(() => ReleaseArchive.FromDirectory(_app.Path));

        Assert.Contains("'app/.env'", error.Message, StringComparison.Ordinal);
        Assert.Contains("never packed", error.Message, StringComparison.Ordinal);
        Assert.Contains("env file", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(".env", true)]
    [InlineData(".env.production", true)]
    [InlineData("prod.env", true)]
    [InlineData("server.pem", true)]
    [InlineData("tls.key", true)]
    [InlineData("environment.py", false)]
    [InlineData("alembic.ini", false)]
    public void Secret_names_are_recognised(string name, bool secret) => Assert.Equal(secret, ReleaseArchive.IsSecretName(name));

    [Fact]
    public void A_symlink_is_refused_naming_the_file_and_the_fix()
    {
        var outside = _app.WriteFile("elsewhere.txt", "x\n");
        File.CreateSymbolicLink(_app.Combine("app", "linked.py"), outside);

        var error = Assert.Throws<ReleaseException>(() => ReleaseArchive.FromDirectory(_app.Path));

        Assert.Contains("'app/linked.py'", error.Message, StringComparison.Ordinal);
        Assert.Contains("symbolic link", error.Message, StringComparison.Ordinal);
        Assert.Contains("Replace it with a copy", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_symlinked_folder_is_refused_too()
    {
        var outside = _app.CreateDirectory("outside");
        File.WriteAllText(Path.Combine(outside, "x.py"), "x\n");
        Directory.CreateSymbolicLink(_app.Combine("ui", "more"), outside);

        var error = Assert.Throws<ReleaseException>(() => ReleaseArchive.FromDirectory(_app.Path));

        Assert.Contains("ui/more", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Executable_bits_travel_into_the_archive_and_into_the_id()
    {
        var script = _app.WriteFile("app/tool.sh", "#!/bin/sh\n");
        var before = ReleaseArchive.FromDirectory(_app.Path);
        File.SetUnixFileMode(script, File.GetUnixFileMode(script) | UnixFileMode.UserExecute);

        var after = ReleaseArchive.FromDirectory(_app.Path);

        Assert.NotEqual(before.Id, after.Id);
        var modes = TarModes(after);
        Assert.Equal(Convert.ToInt32("755", 8), (int)modes["app/tool.sh"]);
        Assert.Equal(Convert.ToInt32("644", 8), (int)modes["app/main.py"]);
        Assert.Equal(after.Id, ReleaseArchive.FromDirectory(_app.Path).Id);
    }

    [Fact]
    public void In_a_git_work_tree_only_tracked_files_are_packed()
    {
        Git("init", "-q");
        _app.WriteFile("untracked.py", "x\n");
        _app.WriteFile(".gitignore", "*.log\n");
        _app.WriteFile("extra/tracked.txt", "kept\n");
        Git("add", "app", "alembic.ini", "requirements.txt", "migrations", "ui", ".gitignore", "extra");

        var archive = ReleaseArchive.FromDirectory(_app.Path);

        Assert.Equal(ReleaseSource.GitTracked, archive.Source);
        Assert.Contains("extra/tracked.txt", archive.Files);
        Assert.DoesNotContain("untracked.py", archive.Files);
        Assert.DoesNotContain(".gitignore", archive.Files);
    }

    [Fact]
    public void A_tracked_env_file_is_refused_with_git_rm_as_the_fix()
    {
        Git("init", "-q");
        _app.WriteFile(".env", "SECRET=1\n");
        Git("add", "-A");

        var error = Assert.Throws<ReleaseException>(() => ReleaseArchive.FromDirectory(_app.Path));

        Assert.Contains("git rm --cached '.env'", error.Message, StringComparison.Ordinal);
    }

    private static Dictionary<string, UnixFileMode> TarModes(ReleaseArchive archive)
    {
        using var packed = archive.Pack();
        using var gzip = new GZipStream(packed, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        var modes = new Dictionary<string, UnixFileMode>(StringComparer.Ordinal);
        while (tar.GetNextEntry() is { } entry)
        {
            modes[entry.Name] = entry.Mode;
        }

        return modes;
    }

    private void Git(params string[] arguments)
    {
        var info = new ProcessStartInfo("git") { WorkingDirectory = _app.Path, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        process.StandardOutput.ReadToEnd();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', arguments)}: {errors}");
    }
}
