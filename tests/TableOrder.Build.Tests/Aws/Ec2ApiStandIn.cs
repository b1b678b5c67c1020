using System.Collections.Concurrent;
using System.Security;
using System.Web;
using WireMock;

namespace TableOrder.Build.Tests.Aws;

/// <summary>One answer of DescribeInstanceStatus for an instance.</summary>
internal sealed record Ec2Status(string State, string InstanceStatus, string SystemStatus);

/// <summary>
/// A stand-in of the EC2 query API (form-encoded POST, Action=..., XML answers in the 2016-11-15
/// namespace, errors as &lt;Response&gt;&lt;Errors&gt;): DescribeInstanceStatus and GetConsoleOutput.
/// Each instance plays a script of answers; the last one repeats.
/// </summary>
internal sealed class Ec2ApiStandIn : AwsApiStandIn
{
    private const string Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/";
    private readonly ConcurrentDictionary<string, Queue<Ec2Status>> _statuses = new();
    private readonly ConcurrentDictionary<string, Queue<string?>> _consoles = new();

    /// <summary>The form parameters of every request, in order.</summary>
    public ConcurrentQueue<IReadOnlyDictionary<string, string>> Requests { get; } = new();

    public void Statuses(string instanceId, params Ec2Status[] answers) => _statuses[instanceId] = new Queue<Ec2Status>(answers);

    /// <summary>Console texts to answer with, in order (null: EC2 has no console output yet).</summary>
    public void Consoles(string instanceId, params string?[] texts) => _consoles[instanceId] = new Queue<string?>(texts);

    protected override IResponseMessage Handle(IRequestMessage request)
    {
        var form = HttpUtility.ParseQueryString(request.Body ?? string.Empty);
        var parameters = form.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => form[k]!);
        Requests.Enqueue(parameters);
        var action = parameters.GetValueOrDefault("Action") ?? "(none)";
        Calls.Enqueue(action);
        return action switch
        {
            "DescribeInstanceStatus" => DescribeInstanceStatus(parameters),
            "GetConsoleOutput" => GetConsoleOutput(parameters),
            _ => Error(400, "InvalidAction", $"The action {action} is not valid for this web service."),
        };
    }

    private ResponseMessage DescribeInstanceStatus(IReadOnlyDictionary<string, string> parameters)
    {
        var id = parameters.GetValueOrDefault("InstanceId.1") ?? string.Empty;
        if (!_statuses.TryGetValue(id, out var script))
        {
            return Error(400, "InvalidInstanceID.NotFound", $"The instance ID '{id}' does not exist");
        }

        var status = Next(script);
        return Ok($"""
            <DescribeInstanceStatusResponse xmlns="{Namespace}">
                <requestId>3be1508e-c444-4fef-89cc-0b1223c4f02f</requestId>
                <instanceStatusSet>
                    <item>
                        <instanceId>{id}</instanceId>
                        <availabilityZone>ap-northeast-2a</availabilityZone>
                        <instanceState>
                            <code>{(status.State == "running" ? 16 : 0)}</code>
                            <name>{status.State}</name>
                        </instanceState>
                        <systemStatus>
                            <status>{status.SystemStatus}</status>
                            <details><item><name>reachability</name><status>{Detail(status.SystemStatus)}</status></item></details>
                        </systemStatus>
                        <instanceStatus>
                            <status>{status.InstanceStatus}</status>
                            <details><item><name>reachability</name><status>{Detail(status.InstanceStatus)}</status></item></details>
                        </instanceStatus>
                    </item>
                </instanceStatusSet>
            </DescribeInstanceStatusResponse>
            """);
    }

    private ResponseMessage GetConsoleOutput(IReadOnlyDictionary<string, string> parameters)
    {
        var id = parameters.GetValueOrDefault("InstanceId") ?? string.Empty;
        if (!_consoles.TryGetValue(id, out var script))
        {
            return Error(400, "InvalidInstanceID.NotFound", $"The instance ID '{id}' does not exist");
        }

        var text = Next(script);
        var output = text is null ? string.Empty : $"<output>{Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text))}</output>";
        return Ok($"""
            <GetConsoleOutputResponse xmlns="{Namespace}">
                <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>
                <instanceId>{id}</instanceId>
                <timestamp>2026-11-27T10:15:41.000Z</timestamp>
                {output}
            </GetConsoleOutputResponse>
            """);
    }

    private static T Next<T>(Queue<T> script)
    {
        lock (script)
        {
            return script.Count > 1 ? script.Dequeue() : script.Peek();
        }
    }

    private static string Detail(string status) => status switch
    {
        "ok" => "passed",
        "impaired" => "failed",
        "initializing" => "initializing",
        _ => "insufficient-data",
    };

    private static ResponseMessage Ok(string xml) => Reply(200, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + xml, "text/xml;charset=UTF-8");

    private static ResponseMessage Error(int status, string code, string message) => Reply(
        status,
        $"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code><Message>{SecurityElement.Escape(message)}</Message></Error></Errors><RequestID>ea966190-f9aa-478e-9ede-example</RequestID></Response>",
        "text/xml;charset=UTF-8");
}
