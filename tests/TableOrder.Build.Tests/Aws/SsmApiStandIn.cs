using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using WireMock;

namespace TableOrder.Build.Tests.Aws;

/// <summary>A command as SendCommand received it.</summary>
internal sealed record SentCommand(string CommandId, string InstanceId, string Document, string Script, string ExecutionTimeout, string? Comment, string? OutputS3BucketName);

/// <summary>
/// How the stand-in plays one command: first <see cref="InvisiblePolls"/> GetCommandInvocation calls say
/// InvocationDoesNotExist (eventual consistency), then <see cref="InProgressPolls"/> say InProgress, then
/// the outcome: run the script here with bash (<see cref="Execute"/>, what the agent would do) or a fixed
/// answer. <see cref="NeverFinishes"/> stays InProgress.
/// </summary>
internal sealed record SsmPlan
{
    public int InvisiblePolls { get; init; }

    public int InProgressPolls { get; init; }

    public bool Execute { get; init; } = true;

    public bool NeverFinishes { get; init; }

    public string Status { get; init; } = "Success";

    public string? StatusDetails { get; init; }

    public int ResponseCode { get; init; }

    public string Stdout { get; init; } = string.Empty;

    public string Stderr { get; init; } = string.Empty;
}

/// <summary>
/// A stand-in of the SSM JSON 1.1 API (X-Amz-Target: AmazonSSM.*): SendCommand, GetCommandInvocation,
/// CancelCommand, GetParametersByPath (pages of 10, like SSM's default), PutParameter. By default a
/// command's script really runs here under bash, and its output comes back cut like SSM cuts it
/// (24,000 characters of stdout, 8,000 of stderr).
/// </summary>
internal sealed class SsmApiStandIn : AwsApiStandIn
{
    private readonly ConcurrentDictionary<string, CommandRun> _runs = new();

    public Func<SentCommand, SsmPlan> Plan { get; set; } = _ => new SsmPlan();

    /// <summary>Instances whose agent is not registered: SendCommand answers InvalidInstanceId.</summary>
    public HashSet<string> Unmanaged { get; } = [];

    public ConcurrentQueue<SentCommand> Sent { get; } = new();

    public ConcurrentQueue<string> Cancelled { get; } = new();

    public ConcurrentDictionary<string, string> Store { get; } = new(StringComparer.Ordinal);

    public ConcurrentQueue<string> Puts { get; } = new();

    protected override IResponseMessage Handle(IRequestMessage request)
    {
        var target = request.Headers?.TryGetValue("X-Amz-Target", out var values) == true ? values.FirstOrDefault() ?? string.Empty : string.Empty;
        var action = target.StartsWith("AmazonSSM.", StringComparison.Ordinal) ? target["AmazonSSM.".Length..] : "(none)";
        Calls.Enqueue(action);
        var body = JsonNode.Parse(string.IsNullOrEmpty(request.Body) ? "{}" : request.Body)!.AsObject();
        return action switch
        {
            "SendCommand" => SendCommand(body),
            "GetCommandInvocation" => GetCommandInvocation(body),
            "CancelCommand" => CancelCommand(body),
            "GetParametersByPath" => GetParametersByPath(body),
            "PutParameter" => PutParameter(body),
            "GetParameter" => GetParameter(body),
            _ => Error("UnknownOperationException", $"Unknown operation {target}"),
        };
    }

    private ResponseMessage SendCommand(JsonObject body)
    {
        var instance = body["InstanceIds"]!.AsArray()[0]!.GetValue<string>();
        if (Unmanaged.Contains(instance))
        {
            return Error("InvalidInstanceId", null);
        }

        var parameters = body["Parameters"]!.AsObject();
        var sent = new SentCommand(
            Guid.NewGuid().ToString(),
            instance,
            body["DocumentName"]!.GetValue<string>(),
            string.Join('\n', parameters["commands"]!.AsArray().Select(c => c!.GetValue<string>())),
            parameters["executionTimeout"]?.AsArray()[0]?.GetValue<string>() ?? "3600",
            body["Comment"]?.GetValue<string>(),
            body["OutputS3BucketName"]?.GetValue<string>());
        Sent.Enqueue(sent);
        var run = new CommandRun(sent, Plan(sent));
        _runs[sent.CommandId] = run;
        if (run.Plan.Execute && !run.Plan.NeverFinishes)
        {
            run.Start();
        }

        return Json(new JsonObject
        {
            ["Command"] = new JsonObject
            {
                ["CommandId"] = sent.CommandId,
                ["DocumentName"] = sent.Document,
                ["InstanceIds"] = new JsonArray(instance),
                ["Status"] = "Pending",
                ["RequestedDateTime"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0,
                ["TimeoutSeconds"] = body["TimeoutSeconds"]?.GetValue<int>() ?? 3600,
            },
        });
    }

    private ResponseMessage GetCommandInvocation(JsonObject body)
    {
        var id = body["CommandId"]!.GetValue<string>();
        if (!_runs.TryGetValue(id, out var run) || run.Polls++ < run.Plan.InvisiblePolls)
        {
            return Error("InvocationDoesNotExist", null);
        }

        var (status, details, code, stdout, stderr) = run.Outcome();
        var url = run.Sent.OutputS3BucketName is { } bucket && status is "Success" or "Failed"
            ? $"https://s3.ap-northeast-2.amazonaws.com/{bucket}/{id}/{run.Sent.InstanceId}/awsrunShellScript/0.awsrunShellScript/stdout"
            : string.Empty;
        return Json(new JsonObject
        {
            ["CommandId"] = id,
            ["InstanceId"] = run.Sent.InstanceId,
            ["Comment"] = run.Sent.Comment ?? string.Empty,
            ["DocumentName"] = "AWS-RunShellScript",
            ["DocumentVersion"] = "$DEFAULT",
            ["PluginName"] = "aws:runShellScript",
            ["ResponseCode"] = code,
            ["ExecutionStartDateTime"] = "2026-11-27T10:15:41.123Z",
            ["ExecutionElapsedTime"] = "PT0.2S",
            ["ExecutionEndDateTime"] = status is "InProgress" or "Pending" ? string.Empty : "2026-11-27T10:15:41.323Z",
            ["Status"] = status,
            ["StatusDetails"] = details,
            ["StandardOutputContent"] = stdout,
            ["StandardOutputUrl"] = url,
            ["StandardErrorContent"] = stderr,
            ["StandardErrorUrl"] = url.Length == 0 ? string.Empty : url[..^"stdout".Length] + "stderr",
            ["CloudWatchOutputConfig"] = new JsonObject { ["CloudWatchLogGroupName"] = string.Empty, ["CloudWatchOutputEnabled"] = false },
        });
    }

    private ResponseMessage CancelCommand(JsonObject body)
    {
        Cancelled.Enqueue(body["CommandId"]!.GetValue<string>());
        return Json([]);
    }

    private ResponseMessage GetParametersByPath(JsonObject body)
    {
        var path = body["Path"]!.GetValue<string>().TrimEnd('/') + "/";
        var recursive = body["Recursive"]?.GetValue<bool>() ?? false;
        var matching = Store
            .Where(p => p.Key.StartsWith(path, StringComparison.Ordinal) && (recursive || !p.Key[path.Length..].Contains('/', StringComparison.Ordinal)))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ToList();
        var start = int.TryParse(body["NextToken"]?.GetValue<string>(), out var token) ? token : 0;
        var page = matching.Skip(start).Take(10).ToList();
        var result = new JsonObject
        {
            ["Parameters"] = new JsonArray([.. page.Select(p => (JsonNode)new JsonObject
            {
                ["Name"] = p.Key,
                ["Type"] = "String",
                ["Value"] = p.Value,
                ["Version"] = 1,
                ["LastModifiedDate"] = 1.7645e9,
                ["ARN"] = $"arn:aws:ssm:ap-northeast-2:123456789012:parameter{p.Key}",
                ["DataType"] = "text",
            })]),
        };
        if (start + page.Count < matching.Count)
        {
            result["NextToken"] = (start + page.Count).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return Json(result);
    }

    private ResponseMessage GetParameter(JsonObject body)
    {
        var name = body["Name"]!.GetValue<string>();
        return Store.TryGetValue(name, out var value)
            ? Json(new JsonObject { ["Parameter"] = new JsonObject { ["Name"] = name, ["Type"] = "String", ["Value"] = value, ["Version"] = 1 } })
            : Error("ParameterNotFound", null);
    }

    private ResponseMessage PutParameter(JsonObject body)
    {
        var name = body["Name"]!.GetValue<string>();
        if (Store.ContainsKey(name) && body["Overwrite"]?.GetValue<bool>() != true)
        {
            return Error("ParameterAlreadyExists", "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.");
        }

        if (body["Type"]?.GetValue<string>() != "String")
        {
            return Error("ValidationException", "this stand-in only stores String parameters");
        }

        Store[name] = body["Value"]!.GetValue<string>();
        Puts.Enqueue(name);
        return Json(new JsonObject { ["Version"] = 2, ["Tier"] = "Standard" });
    }

    private static ResponseMessage Json(JsonObject body) => Reply(200, body.ToJsonString(), "application/x-amz-json-1.1");

    private static ResponseMessage Error(string type, string? message) =>
        Reply(400, JsonSerializer.Serialize(new Dictionary<string, string?> { ["__type"] = type, ["message"] = message }), "application/x-amz-json-1.1");

    private sealed class CommandRun(SentCommand sent, SsmPlan plan)
    {
        private Task<(int Code, string Stdout, string Stderr)>? _execution;

        public SentCommand Sent { get; } = sent;

        public SsmPlan Plan { get; } = plan;

        public int Polls { get; set; }

        private int _inProgress;

        public void Start() => _execution = Task.Run(async () =>
        {
            var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(Sent.Script);
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, await stdout, await stderr);
        });

        public (string Status, string Details, int Code, string Stdout, string Stderr) Outcome()
        {
            if (Plan.NeverFinishes || _inProgress++ < Plan.InProgressPolls || _execution is { IsCompleted: false })
            {
                return ("InProgress", "InProgress", -1, string.Empty, string.Empty);
            }

            if (_execution is { } done)
            {
                var (code, stdout, stderr) = done.Result;
                return (code == 0 ? "Success" : "Failed", code == 0 ? "Success" : "Failed", code, Cut(stdout, 24_000), Cut(stderr, 8_000));
            }

            return (Plan.Status, Plan.StatusDetails ?? Plan.Status, Plan.ResponseCode, Plan.Stdout, Plan.Stderr);
        }

        private static string Cut(string text, int limit) => text.Length <= limit ? text : text[..limit];
    }
}
