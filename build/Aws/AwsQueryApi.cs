using System.Text;
using System.Xml.Linq;
using Amazon.Runtime;

namespace TableOrder.Build.Aws;

/// <summary>
/// An AWS API of the Query protocol (form-encoded POST of Action and Version, XML answers, errors as
/// &lt;ErrorResponse&gt;&lt;Error&gt;&lt;Code&gt;), called over HttpClient with SigV4: ELBv2 and Auto Scaling,
/// for which no SDK package is served here. Endpoint, region and credentials follow the SDK clients
/// of <see cref="AwsClients"/>, so the rehearsal's moto answers them there and in the tests.
/// </summary>
public sealed class AwsQueryApi : IDisposable
{
    private const int Attempts = 3;
    private readonly AwsSignedHttp _http;

    /// <param name="service">The endpoint prefix and signing name: elasticloadbalancing, autoscaling, elasticache.</param>
    /// <param name="version">The API version every request names: 2015-12-01, 2011-01-01, 2015-02-02.</param>
    /// <param name="serviceUrl">Another endpoint (the rehearsal's moto); null for AWS's regional one.</param>
    /// <param name="credentials">Null: the SDK's default chain.</param>
    public AwsQueryApi(string service, string version, string region, AWSCredentials? credentials = null, string? serviceUrl = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        _http = new AwsSignedHttp(service, region, credentials, serviceUrl);
        Version = version;
    }

    public string Service => _http.Service;

    public string Version { get; }

    public string Region => _http.Region;

    public Uri Endpoint => _http.Endpoint;

    /// <summary>
    /// Calls <paramref name="action"/> and returns its result element (&lt;ActionResult&gt;). Throttling and
    /// server errors are retried twice, as the SDKs do; any other error is an <see cref="AwsQueryException"/>.
    /// </summary>
    public async Task<XElement> CallAsync(string action, IEnumerable<KeyValuePair<string, string>> parameters, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(action);
        ArgumentNullException.ThrowIfNull(parameters);
        var form = string.Join('&', new[] { KeyValuePair.Create("Action", action), KeyValuePair.Create("Version", Version) }.Concat(parameters)
            .Select(p => $"{SigV4Signer.Encode(p.Key)}={SigV4Signer.Encode(p.Value)}"));
        var body = Encoding.UTF8.GetBytes(form);
        for (var attempt = 1; ; attempt++)
        {
            var (status, text) = await _http.PostAsync(body, "application/x-www-form-urlencoded; charset=utf-8", new Dictionary<string, string>(), cancellationToken);
            if (status < 400)
            {
                var result = XDocument.Parse(text).Root?.Elements().FirstOrDefault(e => e.Name.LocalName == action + "Result");
                return result ?? new XElement(action + "Result");
            }

            var error = AwsQueryException.From(Service, action, status, text);
            if (attempt >= Attempts || !error.IsRetryable)
            {
                throw error;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken);
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>An error answer of a Query API: its code (e.g. TargetGroupNotFound, Throttling) and message.</summary>
public sealed class AwsQueryException(string service, string action, int status, string code, string message)
    : AwsException($"{service} {action} failed: {code}: {message}")
{
    public string Service { get; } = service;

    public int StatusCode { get; } = status;

    public string ErrorCode { get; } = code;

    public string ErrorMessage { get; } = message;

    public bool IsRetryable => StatusCode >= 500 || ErrorCode is "Throttling" or "ThrottlingException" or "RequestLimitExceeded";

    /// <summary>Reads &lt;ErrorResponse&gt;&lt;Error&gt;&lt;Code/&gt;&lt;Message/&gt; (any namespace); a body that is not that names the HTTP status.</summary>
    public static AwsQueryException From(string service, string action, int status, string body)
    {
        string? code = null;
        string? message = null;
        try
        {
            var error = XDocument.Parse(body).Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
            code = error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value;
            message = error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value;
        }
        catch (System.Xml.XmlException)
        {
            // not XML: the status and the start of the body say what happened
        }

        return new AwsQueryException(service, action, status, code ?? $"HTTP{status}", message ?? (body.Length > 200 ? body[..200] : body));
    }
}

/// <summary>Reading Query-protocol XML without caring for its namespace.</summary>
public static class QueryXml
{
    public static IEnumerable<XElement> Children(this XElement? element, string name) =>
        element?.Elements().Where(e => e.Name.LocalName == name) ?? [];

    public static XElement? Child(this XElement? element, string name) => element.Children(name).FirstOrDefault();

    /// <summary>The items of a list (&lt;Name&gt;&lt;member&gt;...&lt;/member&gt;&lt;/Name&gt;).</summary>
    public static IEnumerable<XElement> Members(this XElement? element, string name) => element.Child(name).Children("member");

    public static string? Text(this XElement? element, string name) => element.Child(name)?.Value;
}
