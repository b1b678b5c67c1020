using System.Collections.Specialized;
using System.Globalization;
using System.Security;
using System.Text;

namespace TableOrder.Build.Aws.StandIn;

/// <content>S3, path-style (/bucket/key): objects of the buckets in <see cref="AwsStandInState.Buckets"/>.</content>
public sealed partial class AwsApiStandIn
{
    private static string S3OperationName(string method) => method switch
    {
        "PUT" => "PutObject",
        "GET" => "GetObject",
        "HEAD" => "HeadObject",
        "DELETE" => "DeleteObject",
        _ => method,
    };

    private StandInReply S3(string method, Uri url, NameValueCollection headers, byte[] body)
    {
        var path = url.AbsolutePath.TrimStart('/');
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        var bucket = Uri.UnescapeDataString(slash < 0 ? path : path[..slash]);
        var key = slash < 0 ? string.Empty : Uri.UnescapeDataString(path[(slash + 1)..]);
        if (!State.Buckets.TryGetValue(bucket, out var objects))
        {
            return S3Error(method, 404, "NoSuchBucket", "The specified bucket does not exist", bucket, null);
        }

        if (key.Length == 0 || url.Query.Length > 1 && method != "GET")
        {
            return S3Error(method, 501, "NotImplemented", $"The stand-in serves objects only ({method} {url.PathAndQuery}).", bucket, key);
        }

        switch (method)
        {
            case "PUT":
                var stored = State.PutObject(bucket, key, Decoded(headers, body), onlyIfAbsent: headers["If-None-Match"]?.Trim() == "*");
                return stored is null
                    ? S3Error(method, 412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold", bucket, key)
                    : new StandInReply(200, string.Empty, "application/xml") { Headers = new Dictionary<string, string> { ["ETag"] = stored.ETag } };
            case "GET" or "HEAD":
                if (!objects.TryGetValue(key, out var found))
                {
                    return S3Error(method, 404, "NoSuchKey", "The specified key does not exist.", bucket, key);
                }

                return new StandInReply(200, string.Empty, "application/octet-stream")
                {
                    Data = found.Data,
                    Headers = new Dictionary<string, string>
                    {
                        ["ETag"] = found.ETag,
                        ["Last-Modified"] = found.Modified.UtcDateTime.ToString("R", CultureInfo.InvariantCulture),
                        ["Accept-Ranges"] = "bytes",
                    },
                };
            case "DELETE":
                State.DeleteObject(bucket, key);
                return new StandInReply(204, string.Empty, "application/xml");
            default:
                return S3Error(method, 405, "MethodNotAllowed", $"The specified method is not allowed against this resource ({method}).", bucket, key);
        }
    }

    /// <summary>
    /// The object's bytes: the SDK may send aws-chunked (each chunk "size-in-hex[;chunk-signature=...]\r\n
    /// data\r\n", a zero chunk, then trailing checksums), which S3 stores without the framing.
    /// </summary>
    private static byte[] Decoded(NameValueCollection headers, byte[] body)
    {
        var chunked = (headers["x-amz-content-sha256"]?.StartsWith("STREAMING-", StringComparison.Ordinal) ?? false)
            || (headers["Content-Encoding"]?.Contains("aws-chunked", StringComparison.Ordinal) ?? false);
        if (!chunked)
        {
            return body;
        }

        using var data = new MemoryStream();
        var at = 0;
        while (at < body.Length)
        {
            var lineEnd = IndexOfCrLf(body, at);
            var header = Encoding.ASCII.GetString(body, at, lineEnd - at);
            var size = int.Parse(header.Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                break;
            }

            data.Write(body, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }

        return data.ToArray();
    }

    private static int IndexOfCrLf(byte[] body, int from)
    {
        for (var i = from; i + 1 < body.Length; i++)
        {
            if (body[i] == '\r' && body[i + 1] == '\n')
            {
                return i;
            }
        }

        throw new FormatException("An aws-chunked body without its chunk framing.");
    }

    /// <summary>S3's error document (HEAD answers carry no body: the SDK reads the status).</summary>
    private static StandInReply S3Error(string method, int status, string code, string message, string bucket, string? key)
    {
        var body = method == "HEAD"
            ? string.Empty
            : $"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{SecurityElement.Escape(message)}</Message>" +
              (key is null ? $"<BucketName>{SecurityElement.Escape(bucket)}</BucketName>" : $"<Key>{SecurityElement.Escape(key)}</Key>") +
              $"<RequestId>{Guid.NewGuid():N}</RequestId><HostId>stand-in</HostId></Error>";
        return new StandInReply(status, body, "application/xml");
    }
}
