using System.Formats.Tar;
using System.IO.Compression;
using TableOrder.Build.Local;
using TableOrder.Build.Release;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Local;

/// <summary>The local stand-in of the release bucket: the S3 layout (releases/&lt;id&gt;.tar.gz, releases/current) in the state folder.</summary>
[Trait("Category", "Unit")]
public sealed class LocalReleaseBucketTests : IDisposable
{
    private readonly TempDirectory _app = new("bucket-app");
    private readonly TempDirectory _state = new("bucket-state");

    public LocalReleaseBucketTests()
    {
        _app.WriteFile("app/main.py", "app = None\n");
        _app.WriteFile("requirements.txt", "fastapi\n");
        _app.WriteFile("alembic.ini", "[alembic]\n");
        _app.WriteFile("migrations/env.py", "# env\n");
    }

    public void Dispose()
    {
        _app.Dispose();
        _state.Dispose();
    }

    [Fact]
    public async Task A_kept_archive_is_the_release_as_uploaded_and_current_names_it_in_the_bucket_layout()
    {
        var bucket = new LocalReleaseBucket(_state.Path);
        var archive = ReleaseArchive.FromDirectory(_app.Path);
        Assert.Null(bucket.Current);

        Assert.Null(await bucket.ArchiveAsync(archive.Id));
        await bucket.KeepAsync(archive);
        Assert.Null(bucket.Current);
        Assert.Equal(await File.ReadAllBytesAsync(bucket.ArchiveFile(archive.Id)), await bucket.ArchiveAsync(archive.Id));
        Assert.True(await bucket.SetCurrentAsync(archive.Id));

        Assert.Equal(archive.Id, bucket.Current);
        Assert.Equal(archive.Id + "\n", File.ReadAllText(Path.Combine(_state.Path, "release-bucket", "releases", "current")));
        using var stored = new GZipStream(File.OpenRead(Path.Combine(_state.Path, "release-bucket", "releases", archive.Id + ".tar.gz")), CompressionMode.Decompress);
        using var tar = new TarReader(stored);
        var names = new List<string>();
        while (tar.GetNextEntry() is { } entry)
        {
            names.Add(entry.Name);
        }

        Assert.Contains("app/main.py", names);
        Assert.Contains("requirements.txt", names);
    }

    [Fact]
    public async Task Current_is_never_left_naming_a_release_whose_archive_was_not_kept()
    {
        var bucket = new LocalReleaseBucket(_state.Path);
        var archive = ReleaseArchive.FromDirectory(_app.Path);
        await bucket.KeepAsync(archive);
        await bucket.SetCurrentAsync(archive.Id);

        Assert.False(await bucket.SetCurrentAsync("abc123notkept"));

        Assert.Null(bucket.Current);
        Assert.False(File.Exists(bucket.CurrentFile));
    }
}
