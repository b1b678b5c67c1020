using System.Net;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Cake.Core.Diagnostics;
using TableOrder.Build.Release;

namespace TableOrder.Build.Aws;

/// <summary>
/// The release bucket of a scaled-out stack, exactly as terraform/README.md ("Release bucket") lays it
/// out for the user data of a server that Auto Scaling adds: releases/&lt;id&gt;.tar.gz written once and
/// never replaced (S3's own If-None-Match: * refuses a second write), releases/deploy-scripts.tar.gz
/// written before current moves, and releases/current (one line, the id) written only after a
/// completed roll-out and only when that release's archive is there.
/// </summary>
/// <param name="deployScripts">Makes the deploy scripts bundle (with app-env.sh); null when the environment has none to publish.</param>
public sealed class S3ReleaseStore(IAmazonS3 s3, string bucket, ICakeLog log, Func<byte[]>? deployScripts = null) : IReleaseStore
{
    public const string CurrentKey = "releases/current";
    public const string DeployScriptsKey = "releases/deploy-scripts.tar.gz";

    public string Bucket => bucket;

    public static string ArchiveKey(string id) =>
        ReleaseBucket.IsReleaseId(id) ? $"releases/{id}.tar.gz" : throw new ReleaseException($"'{id}' is not a release id (^[a-z0-9]{{1,64}}$): the release bucket keeps only those.");

    public async Task KeepAsync(ReleaseArchive archive, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(archive);
        var key = ArchiveKey(archive.Id);
        if (await ExistsAsync(key, cancellationToken))
        {
            log.Verbose("Release {0} is already in s3://{1}/{2}: kept as it is.", archive.Id, bucket, key);
            return;
        }

        using var packed = archive.Pack();
        try
        {
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = packed, ContentType = "application/gzip", IfNoneMatch = "*" }, cancellationToken);
            log.Information("Release {0} kept in s3://{1}/{2} for servers that join later.", archive.Id, bucket, key);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            // written meanwhile (another run, same id = same content): never replaced
            log.Verbose("Release {0} was written to s3://{1}/{2} meanwhile: kept as it is.", archive.Id, bucket, key);
        }
    }

    public async Task<bool> SetCurrentAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!await ExistsAsync(ArchiveKey(id), cancellationToken))
        {
            // never a current without its archive: a server added later serves the placeholder until the next Deploy
            await s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = CurrentKey }, cancellationToken);
            return false;
        }

        if (deployScripts is not null)
        {
            using var bundle = new MemoryStream(deployScripts());
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = DeployScriptsKey, InputStream = bundle, ContentType = "application/gzip" }, cancellationToken);
        }

        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = CurrentKey, ContentBody = id + "\n", ContentType = "text/plain" }, cancellationToken);
        log.Information("s3://{0}/{1} now names release {2}.", bucket, CurrentKey, id);
        return true;
    }

    /// <summary>The release new servers install; null before the first roll-out (or when current names no kept archive).</summary>
    public async Task<string?> CurrentAsync(CancellationToken cancellationToken = default)
    {
        string id;
        try
        {
            using var response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = CurrentKey }, cancellationToken);
            using var reader = new StreamReader(response.ResponseStream, Encoding.UTF8);
            id = (await reader.ReadLineAsync(cancellationToken))?.Trim() ?? string.Empty;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        return ReleaseBucket.IsReleaseId(id) && await ExistsAsync(ArchiveKey(id), cancellationToken) ? id : null;
    }

    public async Task<byte[]?> ArchiveAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!ReleaseBucket.IsReleaseId(id))
        {
            return null;
        }

        try
        {
            using var response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = ArchiveKey(id) }, cancellationToken);
            using var data = new MemoryStream();
            await response.ResponseStream.CopyToAsync(data, cancellationToken);
            return data.ToArray();
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode != "NoSuchBucket")
        {
            return null;
        }
    }

    private async Task<bool> ExistsAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            await s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = key }, cancellationToken);
            return true;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode != "NoSuchBucket")
        {
            return false;
        }
    }
}
