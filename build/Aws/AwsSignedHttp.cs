using System.Net;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace TableOrder.Build.Aws;

/// <summary>
/// POSTs to one AWS endpoint signed with SigV4, for the APIs the build calls without an SDK package
/// (<see cref="AwsQueryApi"/>: ELBv2, Auto Scaling, ElastiCache; <see cref="AwsJsonApi"/>: Secrets
/// Manager). Endpoint, region and credentials follow the SDK clients of <see cref="AwsClients"/>.
/// </summary>
public sealed class AwsSignedHttp : IDisposable
{
    private readonly HttpClient _http;
    private readonly AWSCredentials? _credentials;

    /// <param name="service">The endpoint prefix and signing name.</param>
    /// <param name="serviceUrl">Another endpoint (the rehearsal's moto); null for AWS's regional one.</param>
    /// <param name="credentials">Null: the SDK's default chain.</param>
    public AwsSignedHttp(string service, string region, AWSCredentials? credentials = null, string? serviceUrl = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        if (string.IsNullOrWhiteSpace(region))
        {
            throw new AwsException("No AWS region: the terraform outputs name it (output 'region'), e.g. ap-northeast-2.");
        }

        Service = service;
        Region = region;
        Endpoint = new Uri(serviceUrl is null ? $"https://{service}.{region}.amazonaws.com/" : serviceUrl.TrimEnd('/') + "/");
        _credentials = credentials;
        _http = new HttpClient { Timeout = AwsClients.RequestTimeout };
    }

    public string Service { get; }

    public string Region { get; }

    public Uri Endpoint { get; }

    /// <summary>One signed POST of <paramref name="body"/>; a connection that failed answers 503, as the SDKs treat it (worth another try).</summary>
    public async Task<(int Status, string Body)> PostAsync(byte[] body, string contentType, IReadOnlyDictionary<string, string> headers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var credentials = _credentials ?? await Task.Run(() => new DefaultAWSCredentialsIdentityResolver().ResolveIdentity(null, cancellationToken), cancellationToken);
        var keys = await credentials.GetCredentialsAsync();
        var signed = new Dictionary<string, string>(headers) { ["host"] = Endpoint.Authority, ["content-type"] = contentType };
        var added = SigV4Signer.Sign("POST", Endpoint, signed, body, new SigningKeys(keys.AccessKey, keys.SecretKey, keys.UseToken ? keys.Token : null), Region, Service, DateTimeOffset.UtcNow);
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        foreach (var (name, value) in headers.Concat(added))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        try
        {
            using var response = await _http.SendAsync(request, cancellationToken);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
        }
        catch (HttpRequestException ex)
        {
            return ((int)HttpStatusCode.ServiceUnavailable, ex.Message);
        }
    }

    public void Dispose() => _http.Dispose();
}
