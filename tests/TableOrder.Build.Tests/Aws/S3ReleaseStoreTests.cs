using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using TableOrder.Build.Aws;
using TableOrder.Build.Release;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Aws;

/// <summary>The release bucket's contract (terraform/README.md), written with the real S3 client to the AWS stand-in.</summary>
[Trait("Category", "Unit")]
public sealed class S3ReleaseStoreTests : IDisposable
{
    private readonly StandInFleet _fleet = new(servers: 1);
    private readonly AmazonS3Client _s3;
    private readonly TempDirectory _app = new("s3-release-store");
    private readonly TempDirectory _sums = new("s3-release-sums");
    private readonly RecordingLog _log = new();

    public S3ReleaseStoreTests() => _s3 = AwsClients.S3(StandInClients.Region, StandInClients.Credentials, _fleet.StandIn.Url);

    public void Dispose()
    {
        _s3.Dispose();
        _fleet.Dispose();
        _app.Dispose();
        _sums.Dispose();
    }

    private S3ReleaseStore Store(Func<byte[]>? deployScripts = null) => new(_s3, StandInFleet.Bucket, _log, deployScripts);

    private IReadOnlyDictionary<string, TableOrder.Build.Aws.StandIn.StandInObject> Objects => _fleet.StandIn.State.Buckets[StandInFleet.Bucket];

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

        Assert.Equal(Objects[S3ReleaseStore.ArchiveKey(kept.Id)].Data, await Store().ArchiveAsync(kept.Id));
        Assert.Null(await Store().ArchiveAsync("0123456789ab"));
        Assert.Null(await Store().ArchiveAsync("not/an/id"));
    }

    [Fact]
    public async Task The_archive_is_kept_under_its_id_once_and_never_replaced()
    {
        var first = App("1");
        await Store().KeepAsync(first);
        var kept = Objects[S3ReleaseStore.ArchiveKey(first.Id)];
        Assert.Contains("VERSION = '1'", Unpacked(kept.Data), StringComparison.Ordinal);

        _fleet.StandIn.State.PutObject(StandInFleet.Bucket, S3ReleaseStore.ArchiveKey(first.Id), [1, 2, 3], onlyIfAbsent: false);
        await Store().KeepAsync(first);

        Assert.Equal([1, 2, 3], Objects[S3ReleaseStore.ArchiveKey(first.Id)].Data);
        Assert.Equal(2, _fleet.StandIn.Journal.Count("s3", "PutObject")); // the archive and its sum, once
    }

    [Fact]
    public async Task Each_kept_archive_has_its_sha256_beside_it_in_sha256sums_format()
    {
        var release = App("sum");
        await Store().KeepAsync(release);

        var key = S3ReleaseStore.ArchiveKey(release.Id);
        var stored = Objects[key].Data;
        var sum = Encoding.UTF8.GetString(Objects[key + ".sha256"].Data);
        Assert.Equal($"{Convert.ToHexStringLower(SHA256.HashData(stored))}  {release.Id}.tar.gz\n", sum);
        Assert.Equal(await Sha256SumAsync(stored, release.Id + ".tar.gz"), sum);
    }

    [Fact]
    public async Task An_archive_kept_before_the_sums_gets_the_sum_of_what_is_stored_not_of_a_new_pack()
    {
        var release = App("old");
        var key = S3ReleaseStore.ArchiveKey(release.Id);
        byte[] stored = [0x1f, 0x8b, 7, 7, 7];
        _fleet.StandIn.State.PutObject(StandInFleet.Bucket, key, stored, onlyIfAbsent: false);

        await Store().KeepAsync(release);

        Assert.Equal(stored, Objects[key].Data);
        Assert.Equal(ReleaseBucket.SumLine(release.Id + ".tar.gz", stored), Encoding.UTF8.GetString(Objects[key + ".sha256"].Data));
    }

    [Fact]
    public async Task Current_never_names_an_archive_without_its_sum()
    {
        // a rollback to a release kept by a build from before the sums
        var release = App("rollback");
        var key = S3ReleaseStore.ArchiveKey(release.Id);
        _fleet.StandIn.State.PutObject(StandInFleet.Bucket, key, [9, 9], onlyIfAbsent: false);

        Assert.True(await Store().SetCurrentAsync(release.Id));

        Assert.Equal(ReleaseBucket.SumLine(release.Id + ".tar.gz", [9, 9]), Encoding.UTF8.GetString(Objects[key + ".sha256"].Data));
    }

    [Fact]
    public async Task The_deploy_scripts_get_their_sum_and_an_unchanged_bundle_is_not_written_again()
    {
        var release = App("scripts");
        byte[] bundle = [0x1f, 0x8b, 1, 2, 3];
        var store = Store(() => bundle);
        await store.KeepAsync(release);
        Assert.True(await store.SetCurrentAsync(release.Id));
        var puts = _fleet.StandIn.Journal.Count("s3", "PutObject");

        Assert.True(await store.SetCurrentAsync(release.Id));

        Assert.Equal(ReleaseBucket.SumLine("deploy-scripts.tar.gz", bundle), Encoding.UTF8.GetString(Objects[S3ReleaseStore.DeployScriptsKey + ".sha256"].Data));
        Assert.Equal(await Sha256SumAsync(bundle, "deploy-scripts.tar.gz"), Encoding.UTF8.GetString(Objects["releases/deploy-scripts.tar.gz.sha256"].Data));
        Assert.Equal(puts + 1, _fleet.StandIn.Journal.Count("s3", "PutObject")); // current only

        bundle = [0x1f, 0x8b, 4, 5, 6];
        Assert.True(await store.SetCurrentAsync(release.Id));
        Assert.Equal(bundle, Objects[S3ReleaseStore.DeployScriptsKey].Data);
        Assert.Equal(ReleaseBucket.SumLine("deploy-scripts.tar.gz", bundle), Encoding.UTF8.GetString(Objects[S3ReleaseStore.DeployScriptsKey + ".sha256"].Data));
    }

    [Fact]
    public async Task A_kept_archive_that_no_longer_matches_its_sum_is_refused_and_a_matching_one_read()
    {
        var release = App("tampered");
        await Store().KeepAsync(release);
        var key = S3ReleaseStore.ArchiveKey(release.Id);
        Assert.Equal(Objects[key].Data, await Store().ArchiveAsync(release.Id));

        _fleet.StandIn.State.PutObject(StandInFleet.Bucket, key, [6, 6, 6], onlyIfAbsent: false);

        var refused = await Assert.ThrowsAsync<ReleaseException>(() => Store().ArchiveAsync(release.Id));
        Assert.Contains("does not match its SHA-256", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_archive_without_a_sum_is_read_with_a_warning()
    {
        var release = App("unsummed");
        _fleet.StandIn.State.PutObject(StandInFleet.Bucket, S3ReleaseStore.ArchiveKey(release.Id), [4, 2], onlyIfAbsent: false);

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
        var request = new PutObjectRequest { BucketName = StandInFleet.Bucket, Key = "releases/abc.tar.gz", ContentBody = "x", IfNoneMatch = "*" };
        await _s3.PutObjectAsync(request);

        var again = await Assert.ThrowsAsync<AmazonS3Exception>(() => _s3.PutObjectAsync(new PutObjectRequest { BucketName = StandInFleet.Bucket, Key = "releases/abc.tar.gz", ContentBody = "y", IfNoneMatch = "*" }));

        Assert.Equal("PreconditionFailed", again.ErrorCode);
        Assert.Equal("x", Encoding.UTF8.GetString(Objects["releases/abc.tar.gz"].Data));
    }

    [Fact]
    public async Task Current_moves_after_the_deploy_scripts_and_only_to_a_kept_archive()
    {
        var release = App("2");
        var store = Store(() =>
        {
            Assert.False(Objects.ContainsKey(S3ReleaseStore.CurrentKey), "current is written after the deploy scripts");
            return [0x1f, 0x8b, 42];
        });
        await store.KeepAsync(release);

        Assert.True(await store.SetCurrentAsync(release.Id));

        Assert.Equal(release.Id + "\n", Encoding.UTF8.GetString(Objects[S3ReleaseStore.CurrentKey].Data));
        Assert.Equal([0x1f, 0x8b, 42], Objects[S3ReleaseStore.DeployScriptsKey].Data);
        Assert.True(Objects.ContainsKey(S3ReleaseStore.DeployScriptsKey + ".sha256"));
        Assert.Equal(release.Id, await store.CurrentAsync());
    }

    [Fact]
    public async Task A_release_never_kept_removes_current_instead_of_naming_it()
    {
        var kept = App("3");
        var store = Store(() => throw new InvalidOperationException("no deploy scripts for a release that is not kept"));
        await store.KeepAsync(kept);
        _fleet.StandIn.State.PutObject(StandInFleet.Bucket, S3ReleaseStore.CurrentKey, Encoding.UTF8.GetBytes(kept.Id + "\n"), onlyIfAbsent: false);

        Assert.False(await store.SetCurrentAsync("0123456789ab"));

        Assert.False(Objects.ContainsKey(S3ReleaseStore.CurrentKey));
        Assert.Null(await store.CurrentAsync());
        Assert.Equal(1, _fleet.StandIn.Journal.Count("s3", "DeleteObject"));
    }

    [Fact]
    public async Task A_current_naming_a_missing_archive_reads_as_none()
    {
        _fleet.StandIn.State.PutObject(StandInFleet.Bucket, S3ReleaseStore.CurrentKey, "feedface\n"u8.ToArray(), onlyIfAbsent: false);

        Assert.Null(await Store().CurrentAsync());
        Assert.True(_fleet.StandIn.Journal.Count("s3", "HeadObject") >= 1);
    }

    [Fact]
    public async Task The_stand_in_stores_an_aws_chunked_upload_without_its_framing()
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Put, $"{_fleet.StandIn.Url}/{StandInFleet.Bucket}/releases/chunked")
        {
            Content = new ByteArrayContent(Encoding.ASCII.GetBytes("5;chunk-signature=ab\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n")),
        };
        request.Headers.TryAddWithoutValidation("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER");
        request.Headers.TryAddWithoutValidation("x-amz-decoded-content-length", "11");

        using var response = await http.SendAsync(request);

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("hello world", Encoding.ASCII.GetString(Objects["releases/chunked"].Data));
        using var read = await _s3.GetObjectAsync(StandInFleet.Bucket, "releases/chunked");
        Assert.Equal("hello world", await new StreamReader(read.ResponseStream).ReadToEndAsync());
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
