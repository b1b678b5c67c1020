using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TableOrder.Build.Aws;

/// <summary>The keys one request is signed with (a session token only for temporary credentials).</summary>
public sealed record SigningKeys(string AccessKey, string SecretKey, string? SessionToken = null);

/// <summary>
/// AWS Signature Version 4 for the few requests the build makes without an SDK client (ELBv2 and
/// Auto Scaling: no SDK package is served here). Pure: the same request, keys and time always give
/// the same headers, so it is checked against AWS's published test vectors.
/// </summary>
public static class SigV4Signer
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>
    /// The headers to add to the request (x-amz-date, x-amz-content-sha256, the session token, Authorization).
    /// <paramref name="headers"/> are the request's other headers that must be signed (at least host).
    /// </summary>
    public static IReadOnlyDictionary<string, string> Sign(
        string method,
        Uri uri,
        IReadOnlyDictionary<string, string> headers,
        ReadOnlySpan<byte> payload,
        SigningKeys keys,
        string region,
        string service,
        DateTimeOffset now,
        bool addContentHash = false)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(keys);
        var amzDate = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var date = amzDate[..8];
        var payloadHash = Hex(SHA256.HashData(payload));
        var added = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["x-amz-date"] = amzDate };
        if (addContentHash)
        {
            added["x-amz-content-sha256"] = payloadHash;
        }

        if (!string.IsNullOrEmpty(keys.SessionToken))
        {
            added["x-amz-security-token"] = keys.SessionToken;
        }

        var signed = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in headers.Concat(added))
        {
            signed[name.ToLowerInvariant()] = string.Join(' ', value.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }

        var signedNames = string.Join(';', signed.Keys);
        var canonical = string.Join(
            '\n',
            method.ToUpperInvariant(),
            CanonicalPath(uri),
            CanonicalQuery(uri),
            string.Concat(signed.Select(h => $"{h.Key}:{h.Value}\n")),
            signedNames,
            payloadHash);
        var scope = $"{date}/{region}/{service}/aws4_request";
        var toSign = string.Join('\n', Algorithm, amzDate, scope, Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))));
        var key = Hmac(Hmac(Hmac(Hmac(Encoding.UTF8.GetBytes("AWS4" + keys.SecretKey), date), region), service), "aws4_request");
        var signature = Hex(Hmac(key, toSign));
        added["Authorization"] = $"{Algorithm} Credential={keys.AccessKey}/{scope}, SignedHeaders={signedNames}, Signature={signature}";
        return added;
    }

    /// <summary>The path with each segment URI-encoded once (S3 is signed the same way for the keys the build writes).</summary>
    private static string CanonicalPath(Uri uri)
    {
        var path = uri.AbsolutePath;
        return path.Length == 0 ? "/" : string.Join('/', path.Split('/').Select(s => Encode(Uri.UnescapeDataString(s))));
    }

    private static string CanonicalQuery(Uri uri)
    {
        var query = uri.Query.TrimStart('?');
        if (query.Length == 0)
        {
            return string.Empty;
        }

        return string.Join('&', query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2) is [var k, var v] ? (Key: Encode(Uri.UnescapeDataString(k)), Value: Encode(Uri.UnescapeDataString(v))) : (Key: Encode(Uri.UnescapeDataString(p)), Value: string.Empty))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Key}={p.Value}"));
    }

    /// <summary>RFC 3986: unreserved characters stay, everything else is %XX of its UTF-8 bytes.</summary>
    public static string Encode(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~')
            {
                text.Append(c);
            }
            else
            {
                text.Append(CultureInfo.InvariantCulture, $"%{b:X2}");
            }
        }

        return text.ToString();
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
