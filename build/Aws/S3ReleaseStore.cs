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
/// completed roll-out and only when that release's archive and its sum are there. Each archive and the
/// deploy scripts have their SHA-256 beside them (<see cref="ReleaseBucket.SumKey"/>, written after the
/// object): a new server runs or unpacks nothing that does not match it, and this store reads no
/// archive back that does not either.
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
            await EnsureSumAsync(key, cancellationToken);
            return;
        }

        using var packed = archive.Pack();
        var bytes = packed.ToArray();
        try
        {
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = new MemoryStream(bytes), ContentType = "application/gzip", IfNoneMatch = "*" }, cancellationToken);
            log.Information("Release {0} kept in s3://{1}/{2} for servers that join later.", archive.Id, bucket, key);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            // written meanwhile (another run, same id = same content): never replaced, and its sum is of what is there
            log.Verbose("Release {0} was written to s3://{1}/{2} meanwhile: kept as it is.", archive.Id, bucket, key);
            await EnsureSumAsync(key, cancellationToken);
            return;
        }

        await PutSumAsync(key, bytes, cancellationToken);
    }

    public async Task<bool> SetCurrentAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!await ExistsAsync(ArchiveKey(id), cancellationToken))
        {
            // never a current without its archive: a server added later serves the placeholder until the next Deploy
            await s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = CurrentKey }, cancellationToken);
            return false;
        }

        // nor without its sum (a rollback to a release kept before the sums were written)
        await EnsureSumAsync(ArchiveKey(id), cancellationToken);
        if (deployScripts is not null)
        {
            var bundle = deployScripts();
            if (await ReadTextAsync(ReleaseBucket.SumKey(DeployScriptsKey), cancellationToken) == ReleaseBucket.SumLine(Name(DeployScriptsKey), bundle) && await ExistsAsync(DeployScriptsKey, cancellationToken))
            {
                log.Verbose("s3://{0}/{1} is as this build makes it: kept as it is.", bucket, DeployScriptsKey);
            }
            else
            {
                await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = DeployScriptsKey, InputStream = new MemoryStream(bundle), ContentType = "application/gzip" }, cancellationToken);
                await PutSumAsync(DeployScriptsKey, bundle, cancellationToken);
            }
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

        var key = ArchiveKey(id);
        if (await ReadAsync(key, cancellationToken) is not { } archive)
        {
            return null;
        }

        switch (await ReadTextAsync(ReleaseBucket.SumKey(key), cancellationToken))
        {
            case null:
                // kept by a build from before the sums: the next Deploy or Rollback to it writes one
                log.Warning("s3://{0}/{1} has no SHA-256 beside it ({2}); a server that joins refuses it until a Deploy or Rollback to it writes one.", bucket, key, ReleaseBucket.SumKey(key));
                return archive;
            case { } sum when ReleaseBucket.SumOf(sum, Name(key)) == ReleaseBucket.Sha256(archive):
                return archive;
            default:
                throw new ReleaseException(
                    $"s3://{bucket}/{key} does not match its SHA-256 in {ReleaseBucket.SumKey(key)}: it is not installed anywhere. " +
                    $"Only deploy_principal_arns may write the bucket, and it is versioned: see what changed with aws s3api list-object-versions --bucket {bucket} --prefix {key}.");
        }
    }

    /// <summary>The sum of what is at <paramref name="key"/>, written when it is missing (an object kept before the sums, or by a run that stopped in between).</summary>
    private async Task EnsureSumAsync(string key, CancellationToken cancellationToken)
    {
        if (await ExistsAsync(ReleaseBucket.SumKey(key), cancellationToken))
        {
            return;
        }

        var stored = await ReadAsync(key, cancellationToken) ?? throw new ReleaseException($"s3://{bucket}/{key} disappeared while its SHA-256 was being written.");
        await PutSumAsync(key, stored, cancellationToken);
    }

    /// <summary>The sum object of <paramref name="key"/>, written after the object itself (a server reads the object, then the sum).</summary>
    private async Task PutSumAsync(string key, byte[] data, CancellationToken cancellationToken)
    {
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = ReleaseBucket.SumKey(key), ContentBody = ReleaseBucket.SumLine(Name(key), data), ContentType = "text/plain" }, cancellationToken);
        log.Verbose("s3://{0}/{1}: SHA-256 {2}.", bucket, ReleaseBucket.SumKey(key), ReleaseBucket.Sha256(data));
    }

    /// <summary>An object's name below releases/, as its sum names it.</summary>
    private static string Name(string key) => key["releases/".Length..];

    private async Task<string?> ReadTextAsync(string key, CancellationToken cancellationToken) =>
        await ReadAsync(key, cancellationToken) is { } data ? Encoding.UTF8.GetString(data) : null;

    /// <summary>The object's bytes; null when it does not exist (a missing bucket stays an error).</summary>
    private async Task<byte[]?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key }, cancellationToken);
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
