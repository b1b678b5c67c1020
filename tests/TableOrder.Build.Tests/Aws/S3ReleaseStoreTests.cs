using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using TableOrder.Build.Aws;
using TableOrder.Build.Release;
using TableOrder.Build.Testing;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Aws;

/// <summary>The release bucket's contract (terraform/README.md), written with the real S3 client to the rehearsal's moto.</summary>
[Trait("Category", "Unit")]
[Collection(SharedMoto.Name)]
public sealed class S3ReleaseStoreTests : IDisposable
{
    private const string Bucket = MotoFleet.Bucket;
    private readonly AmazonS3Client _s3;
    private readonly TempDirectory _app = new("s3-release-store");
    private readonly TempDirectory _sums = new("s3-release-sums");
    private readonly RecordingLog _log = new();

    public S3ReleaseStoreTests(MotoAws moto)
    {
        ArgumentNullException.ThrowIfNull(moto);
        moto.Reset();
        _s3 = moto.S3();
        _s3.PutBucketAsync(new PutBucketRequest { BucketName = Bucket, BucketRegionName = MotoAws.Region }).GetAwaiter().GetResult();
        // versions count the writes: the store's "written once" promises become observable
        _s3.PutBucketVersioningAsync(new PutBucketVersioningRequest { BucketName = Bucket, VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled } }).GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        _s3.Dispose();
        _app.Dispose();
        _sums.Dispose();
    }

    private S3ReleaseStore Store(Func<byte[]>? deployScripts = null) => new(_s3, Bucket, _log, deployScripts);

    private async Task<byte[]?> ObjectAsync(string key)
    {
        try
        {
            using var read = await _s3.GetObjectAsync(Bucket, key);
            using var data = new MemoryStream();
            await read.ResponseStream.CopyToAsync(data);
            return data.ToArray();
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private async Task<string> TextAsync(string key) => Encoding.UTF8.GetString((await ObjectAsync(key))!);

    /// <summary>How many times <paramref name="key"/> was written (versions, delete markers left out).</summary>
    private async Task<int> WritesAsync(string key)
    {
        var versions = await _s3.ListVersionsAsync(new ListVersionsRequest { BucketName = Bucket, Prefix = key });
        return versions.Versions.Count(v => v.Key == key && v.IsDeleteMarker != true);
    }

    private Task PutAsync(string key, byte[] data) =>
        _s3.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = key, InputStream = new MemoryStream(data) });

    private ReleaseArchive App(string version)
    {
        _app.WriteFile("app/main.py", $"VERSION = '{version}'\n");
        _app.WriteFile("alembic.ini", "[alembic]\n");
        return ReleaseArchive.FromDirectory(_app.Path);
    }

    private static string Unpacked(byte[] gzip)
    {
        using var tar = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress);
        using var text = new MemoryStream();
        tar.CopyTo(text);
        return Encoding.UTF8.GetString(text.ToArray());
    }

    [Fact]
    public async Task A_kept_archive_is_read_back_for_a_server_that_lacks_it_and_an_unknown_one_is_null()
    {
        var kept = App("1");
        await Store().KeepAsync(kept);

        Assert.Equal((await ObjectAsync(S3ReleaseStore.ArchiveKey(kept.Id)))!, await Store().ArchiveAsync(kept.Id));
        Assert.Null(await Store().ArchiveAsync("0123456789ab"));
        Assert.Null(await Store().ArchiveAsync("not/an/id"));
    }

    [Fact]
    public async Task The_archive_is_kept_under_its_id_once_and_never_replaced()
    {
        var first = App("1");
        await Store().KeepAsync(first);
        Assert.Contains("VERSION = '1'", Unpacked((await ObjectAsync(S3ReleaseStore.ArchiveKey(first.Id)))!), StringComparison.Ordinal);

        await PutAsync(S3ReleaseStore.ArchiveKey(first.Id), [1, 2, 3]);
        await Store().KeepAsync(first);

        Assert.Equal([1, 2, 3], (await ObjectAsync(S3ReleaseStore.ArchiveKey(first.Id)))!);
        Assert.Equal(2, await WritesAsync(S3ReleaseStore.ArchiveKey(first.Id))); // the store's and this test's
        Assert.Equal(1, await WritesAsync(S3ReleaseStore.ArchiveKey(first.Id) + ".sha256"));
    }

    [Fact]
    public async Task Each_kept_archive_has_its_sha256_beside_it_in_sha256sums_format()
    {
        var release = App("sum");
        await Store().KeepAsync(release);

        var key = S3ReleaseStore.ArchiveKey(release.Id);
        var stored = (await ObjectAsync(key))!;
        var sum = await TextAsync(key + ".sha256");
        Assert.Equal($"{Convert.ToHexStringLower(SHA256.HashData(stored))}  {release.Id}.tar.gz\n", sum);
        Assert.Equal(await Sha256SumAsync(stored, release.Id + ".tar.gz"), sum);
    }

    [Fact]
    public async Task An_archive_kept_before_the_sums_gets_the_sum_of_what_is_stored_not_of_a_new_pack()
    {
        var release = App("old");
        var key = S3ReleaseStore.ArchiveKey(release.Id);
        byte[] stored = [0x1f, 0x8b, 7, 7, 7];
        await PutAsync(key, stored);

        await Store().KeepAsync(release);

        Assert.Equal(stored, (await ObjectAsync(key))!);
        Assert.Equal(ReleaseBucket.SumLine(release.Id + ".tar.gz", stored), await TextAsync(key + ".sha256"));
    }

    [Fact]
    public async Task Current_never_names_an_archive_without_its_sum()
    {
        // a rollback to a release kept by a build from before the sums
        var release = App("rollback");
        var key = S3ReleaseStore.ArchiveKey(release.Id);
        await PutAsync(key, [9, 9]);

        Assert.True(await Store().SetCurrentAsync(release.Id));

        Assert.Equal(ReleaseBucket.SumLine(release.Id + ".tar.gz", [9, 9]), await TextAsync(key + ".sha256"));
    }

    [Fact]
    public async Task The_deploy_scripts_get_their_sum_and_an_unchanged_bundle_is_not_written_again()
    {
        var release = App("scripts");
        byte[] bundle = [0x1f, 0x8b, 1, 2, 3];
        var store = Store(() => bundle);
        await store.KeepAsync(release);
        Assert.True(await store.SetCurrentAsync(release.Id));

        Assert.True(await store.SetCurrentAsync(release.Id));

        Assert.Equal(ReleaseBucket.SumLine("deploy-scripts.tar.gz", bundle), await TextAsync(S3ReleaseStore.DeployScriptsKey + ".sha256"));
        Assert.Equal(await Sha256SumAsync(bundle, "deploy-scripts.tar.gz"), await TextAsync("releases/deploy-scripts.tar.gz.sha256"));
        Assert.Equal(1, await WritesAsync(S3ReleaseStore.DeployScriptsKey));
        Assert.Equal(1, await WritesAsync(S3ReleaseStore.DeployScriptsKey + ".sha256"));
        Assert.Equal(2, await WritesAsync(S3ReleaseStore.CurrentKey)); // current only

        bundle = [0x1f, 0x8b, 4, 5, 6];
        Assert.True(await store.SetCurrentAsync(release.Id));
        Assert.Equal(bundle, (await ObjectAsync(S3ReleaseStore.DeployScriptsKey))!);
        Assert.Equal(ReleaseBucket.SumLine("deploy-scripts.tar.gz", bundle), await TextAsync(S3ReleaseStore.DeployScriptsKey + ".sha256"));
    }

    [Fact]
    public async Task A_kept_archive_that_no_longer_matches_its_sum_is_refused_and_a_matching_one_read()
    {
        var release = App("tampered");
        await Store().KeepAsync(release);
        var key = S3ReleaseStore.ArchiveKey(release.Id);
        Assert.Equal((await ObjectAsync(key))!, await Store().ArchiveAsync(release.Id));

        await PutAsync(key, [6, 6, 6]);

        var refused = await Assert.ThrowsAsync<ReleaseException>(() => Store().ArchiveAsync(release.Id));
        Assert.Contains("does not match its SHA-256", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_archive_without_a_sum_is_read_with_a_warning()
    {
        var release = App("unsummed");
        await PutAsync(S3ReleaseStore.ArchiveKey(release.Id), [4, 2]);

        Assert.Equal([4, 2], await Store().ArchiveAsync(release.Id));
        Assert.Contains(_log.Lines, l => l.Level == Cake.Core.Diagnostics.LogLevel.Warning && l.Text.Contains("has no SHA-256", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef  deploy-scripts.tar.gz\n", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef  deploy-scripts.tar.gz", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef  deploy-scripts.tar.gz\n", null)]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef deploy-scripts.tar.gz\n", null)]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef  abc.tar.gz\n", null)]
    [InlineData("", null)]
    public void A_sum_names_one_object_in_sha256sums_exact_format(string text, string? expected) =>
        Assert.Equal(expected, ReleaseBucket.SumOf(text, "deploy-scripts.tar.gz"));

    /// <summary>What coreutils' sha256sum prints for <paramref name="data"/> saved as <paramref name="name"/>: the format the servers check.</summary>
    private async Task<string> Sha256SumAsync(byte[] data, string name)
    {
        var file = _sums.WriteFile(name);
        await File.WriteAllBytesAsync(file, data);
        var start = new System.Diagnostics.ProcessStartInfo("sha256sum", name) { WorkingDirectory = Path.GetDirectoryName(file)!, RedirectStandardOutput = true };
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
        return output;
    }

    [Fact]
    public async Task S3_itself_refuses_a_second_write_of_an_archive()
    {
        var request = new PutObjectRequest { BucketName = Bucket, Key = "releases/abc.tar.gz", ContentBody = "x", IfNoneMatch = "*" };
        await _s3.PutObjectAsync(request);

        var again = await Assert.ThrowsAsync<AmazonS3Exception>(() => _s3.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = "releases/abc.tar.gz", ContentBody = "y", IfNoneMatch = "*" }));

        Assert.Equal("PreconditionFailed", again.ErrorCode);
        Assert.Equal("x", await TextAsync("releases/abc.tar.gz"));
    }

    [Fact]
    public async Task Current_moves_after_the_deploy_scripts_and_only_to_a_kept_archive()
    {
        var release = App("2");
        var store = Store(() =>
        {
            Assert.Null(ObjectAsync(S3ReleaseStore.CurrentKey).GetAwaiter().GetResult()); // current is written after the deploy scripts
            return [0x1f, 0x8b, 42];
        });
        await store.KeepAsync(release);

        Assert.True(await store.SetCurrentAsync(release.Id));

        Assert.Equal(release.Id + "\n", await TextAsync(S3ReleaseStore.CurrentKey));
        Assert.Equal([0x1f, 0x8b, 42], (await ObjectAsync(S3ReleaseStore.DeployScriptsKey))!);
        Assert.NotNull(await ObjectAsync(S3ReleaseStore.DeployScriptsKey + ".sha256"));
        Assert.Equal(release.Id, await store.CurrentAsync());
    }

    [Fact]
    public async Task A_release_never_kept_removes_current_instead_of_naming_it()
    {
        var kept = App("3");
        var store = Store(() => throw new InvalidOperationException("no deploy scripts for a release that is not kept"));
        await store.KeepAsync(kept);
        await PutAsync(S3ReleaseStore.CurrentKey, Encoding.UTF8.GetBytes(kept.Id + "\n"));

        Assert.False(await store.SetCurrentAsync("0123456789ab"));

        Assert.Null(await ObjectAsync(S3ReleaseStore.CurrentKey));
        Assert.Null(await store.CurrentAsync());
    }

    [Fact]
    public async Task A_current_naming_a_missing_archive_reads_as_none()
    {
        await PutAsync(S3ReleaseStore.CurrentKey, "feedface\n"u8.ToArray());

        Assert.Null(await Store().CurrentAsync());
    }

    [Fact]
    public async Task A_missing_bucket_is_an_error_not_a_missing_release()
    {
        var store = new S3ReleaseStore(_s3, "no-such-bucket", _log);

        var error = await Assert.ThrowsAsync<AmazonS3Exception>(() => store.SetCurrentAsync("abc"));

        Assert.Equal(System.Net.HttpStatusCode.NotFound, error.StatusCode);
        Assert.Throws<ReleaseException>(() => S3ReleaseStore.ArchiveKey("../etc"));
    }
}
