using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.Runtime;

namespace TableOrder.Build.Aws;

/// <summary>
/// An AWS API of the JSON 1.1 protocol (POST of a JSON body, the operation in X-Amz-Target, errors as
/// {"__type": ..., "message": ...}), called with SigV4: Secrets Manager, for which no SDK package is
/// served here. Endpoint, region and credentials follow the SDK clients of <see cref="AwsClients"/>.
/// </summary>
public sealed class AwsJsonApi : IDisposable
{
    private const int Attempts = 3;
    private readonly AwsSignedHttp _http;

    /// <param name="service">The endpoint prefix and signing name: secretsmanager.</param>
    /// <param name="targetPrefix">What names the operations in X-Amz-Target: secretsmanager.</param>
    public AwsJsonApi(string service, string targetPrefix, string region, AWSCredentials? credentials = null, string? serviceUrl = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(targetPrefix);
        _http = new AwsSignedHttp(service, region, credentials, serviceUrl);
        TargetPrefix = targetPrefix;
    }

    public string TargetPrefix { get; }

    public string Service => _http.Service;

    /// <summary>
    /// Calls <paramref name="operation"/> with <paramref name="request"/> and returns the answer's JSON.
    /// Throttling and server errors are retried twice, as the SDKs do; any other error is an <see cref="AwsJsonException"/>.
    /// </summary>
    public async Task<JsonObject> CallAsync(string operation, JsonObject request, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(operation);
        ArgumentNullException.ThrowIfNull(request);
        var body = Encoding.UTF8.GetBytes(request.ToJsonString());
        var headers = new Dictionary<string, string> { ["x-amz-target"] = $"{TargetPrefix}.{operation}" };
        for (var attempt = 1; ; attempt++)
        {
            var (status, text) = await _http.PostAsync(body, "application/x-amz-json-1.1", headers, cancellationToken);
            if (status < 400)
            {
                return JsonNode.Parse(string.IsNullOrWhiteSpace(text) ? "{}" : text)?.AsObject() ?? [];
            }

            var error = AwsJsonException.From(Service, operation, status, text);
            if (attempt >= Attempts || !error.IsRetryable)
            {
                throw error;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken);
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>An error answer of a JSON API: its code (the __type's last part, e.g. ResourceNotFoundException) and message.</summary>
public sealed class AwsJsonException(string service, string operation, int status, string code, string message)
    : AwsException($"{service} {operation} failed: {code}: {message}")
{
    public int StatusCode { get; } = status;

    public string ErrorCode { get; } = code;

    public bool IsRetryable => StatusCode >= 500 || ErrorCode is "ThrottlingException" or "Throttling";

    /// <summary>Reads {"__type": "...#Code", "message"|"Message": ...}; a body that is not that names the HTTP status.</summary>
    public static AwsJsonException From(string service, string operation, int status, string body)
    {
        string? code = null;
        string? message = null;
        try
        {
            if (JsonNode.Parse(body) is JsonObject error)
            {
                code = error["__type"]?.GetValue<string>().Split('#').Last();
                message = (error["message"] ?? error["Message"])?.GetValue<string>();
            }
        }
        catch (JsonException)
        {
            // not JSON: the status and the start of the body say what happened
        }

        return new AwsJsonException(service, operation, status, code ?? $"HTTP{status}", message ?? (body.Length > 200 ? body[..200] : body));
    }
}
