using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security;
using System.Text;
using System.Text.Json.Nodes;
using System.Web;

namespace TableOrder.Build.Aws.StandIn;

/// <summary>
/// A stand-in for the AWS APIs the production path calls, for the production rehearsal and tests: one
/// real HTTP server on 127.0.0.1 (never another address) that the real AWS SDK clients, the AWS CLI and
/// terraform's provider reach through their endpoint settings. It answers, with the request and response
/// shapes of botocore's service models and the error shapes the SDKs parse:
/// STS (query/XML: GetCallerIdentity), EC2 (query/XML: DescribeInstanceStatus, DescribeInstances,
/// GetConsoleOutput), SSM (JSON 1.1: Get/Put/Delete parameters, GetParametersByPath, SendCommand,
/// GetCommandInvocation, CancelCommand), Secrets Manager (JSON 1.1: GetSecretValue, PutSecretValue,
/// DescribeSecret), CloudWatch Logs (JSON 1.1: DescribeLogGroups, CreateLogGroup, PutRetentionPolicy),
/// ELBv2 (query/XML: RegisterTargets, DeregisterTargets, DescribeTargetHealth), Auto Scaling
/// (query/XML: DescribeAutoScalingGroups) and S3 (REST/XML, path-style: PutObject, GetObject,
/// HeadObject, DeleteObject). Every call goes into the <see cref="Journal"/>. Parameters, secrets,
/// target groups, Auto Scaling groups and buckets are kept in <see cref="AwsStandInState"/> (a file in
/// the state folder), so a second run sees what the first wrote.
/// </summary>
public sealed partial class AwsApiStandIn : IDisposable
{
    public const string AccountId = "123456789012";
    private const string Ec2Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/";
    private const string StsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/";

    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<string, IStandInInstance> _instances = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CommandRun> _runs = new(StringComparer.Ordinal);
    private readonly Task _loop;

    public AwsApiStandIn(string region, AwsStandInState state)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        ArgumentNullException.ThrowIfNull(state);
        Region = region;
        State = state;
        var port = FreePort();
        Url = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        _listener.Prefixes.Add(Url + "/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>The endpoint to give every client: http://127.0.0.1:port.</summary>
    public string Url { get; }

    public string Region { get; }

    public AwsStandInState State { get; }

    public AwsStandInJournal Journal { get; } = new();

    /// <summary>Makes an instance known to EC2 and SSM (a managed instance with its agent online).</summary>
    public void AddInstance(IStandInInstance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        _instances[instance.InstanceId] = instance;
    }

    public void Dispose()
    {
        if (_listener.IsListening)
        {
            _listener.Stop();
        }

        _listener.Close();
        foreach (var run in _runs.Values)
        {
            run.Dispose();
        }

        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // the listener was closed under the loop: that is how it ends
        }
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => Serve(context));
        }
    }

    private void Serve(HttpListenerContext context)
    {
        StandInReply reply;
        var request = context.Request;
        try
        {
            using var buffer = new MemoryStream();
            request.InputStream.CopyTo(buffer);

            // S3 is REST (a bucket and key in the path, any method); every other service POSTs to /
            reply = request.HttpMethod != "POST" || request.Url?.AbsolutePath is not ("/" or "")
                ? Journaled("s3", S3OperationName(request.HttpMethod), () => S3(request.HttpMethod, request.Url!, request.Headers, buffer.ToArray()))
                : Dispatch(request.Headers["X-Amz-Target"], request.Headers["Authorization"], Encoding.UTF8.GetString(buffer.ToArray()));
        }
        catch (Exception ex)
        {
            // A bug in the stand-in shows as a 500 with its reason (the SDK retries, then reports it), never as a hang.
            reply = new StandInReply(500, ex.ToString(), "text/plain");
        }

        try
        {
            var bytes = reply.Data ?? Encoding.UTF8.GetBytes(reply.Body);
            context.Response.StatusCode = reply.Status;
            context.Response.ContentType = reply.ContentType;
            context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
            foreach (var (name, value) in reply.Headers ?? new Dictionary<string, string>())
            {
                context.Response.Headers[name] = value;
            }

            context.Response.ContentLength64 = bytes.Length;
            if (request.HttpMethod != "HEAD")
            {
                context.Response.OutputStream.Write(bytes);
            }

            context.Response.Close();
        }
        catch (HttpListenerException)
        {
            // the client went away
        }
    }

    /// <summary>Routes one request: JSON 1.1 services by X-Amz-Target, query services by their signing name and Action.</summary>
    internal StandInReply Dispatch(string? target, string? authorization, string body)
    {
        if (!string.IsNullOrEmpty(target))
        {
            var (prefix, operation) = target.Split('.', 2) is [var p, var o] ? (p, o) : (target, string.Empty);
            var json = JsonNode.Parse(string.IsNullOrWhiteSpace(body) ? "{}" : body)!.AsObject();
            return prefix switch
            {
                "AmazonSSM" => Journaled("ssm", operation, () => Ssm(operation, json)),
                "secretsmanager" => Journaled("secretsmanager", operation, () => SecretsManager(operation, json)),
                "Logs_20140328" => Journaled("logs", operation, () => Logs(operation, json)),
                _ => Journaled(prefix, operation, () => JsonError("UnknownOperationException", $"The stand-in does not serve {target}.")),
            };
        }

        var form = HttpUtility.ParseQueryString(body);
        var action = form["Action"] ?? "(none)";
        var service = SigningName(authorization) ?? (action == "GetCallerIdentity" ? "sts" : "ec2");
        return service switch
        {
            "sts" => Journaled("sts", action, () => Sts(action)),
            "ec2" => Journaled("ec2", action, () => Ec2(action, form)),
            "elasticloadbalancing" => Journaled("elasticloadbalancing", action, () => LoadBalancing(action, form)),
            "autoscaling" => Journaled("autoscaling", action, () => AutoScaling(action, form)),
            _ => Journaled(service, action, () => XmlError(400, "InvalidAction", $"The stand-in does not serve {service}:{action}.")),
        };
    }

    private StandInReply Journaled(string service, string operation, Func<StandInReply> handler)
    {
        var reply = handler();
        Journal.Record(service, operation, reply.Status < 400);
        return reply;
    }

    /// <summary>"AWS4-HMAC-SHA256 Credential=AKID/20261128/ap-northeast-2/ec2/aws4_request, ..." names the service.</summary>
    private static string? SigningName(string? authorization)
    {
        var credential = authorization?.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(p => p.StartsWith("Credential=", StringComparison.Ordinal));
        var parts = credential?.Split('/');
        return parts is { Length: >= 5 } ? parts[3] : null;
    }

    // ---- STS ------------------------------------------------------------------------------------

    private static StandInReply Sts(string action) => action switch
    {
        "GetCallerIdentity" => Xml($"""
            <GetCallerIdentityResponse xmlns="{StsNamespace}">
              <GetCallerIdentityResult>
                <Arn>arn:aws:iam::{AccountId}:user/tableorder-rehearsal</Arn>
                <UserId>AIDASTANDINREHEARSAL</UserId>
                <Account>{AccountId}</Account>
              </GetCallerIdentityResult>
              <ResponseMetadata><RequestId>{Guid.NewGuid()}</RequestId></ResponseMetadata>
            </GetCallerIdentityResponse>
            """),
        _ => new StandInReply(400, $"<ErrorResponse xmlns=\"{StsNamespace}\"><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>The stand-in does not serve sts:{SecurityElement.Escape(action)}.</Message></Error><RequestId>{Guid.NewGuid()}</RequestId></ErrorResponse>", "text/xml"),
    };

    // ---- EC2 ------------------------------------------------------------------------------------

    private StandInReply Ec2(string action, System.Collections.Specialized.NameValueCollection form) => action switch
    {
        "DescribeInstanceStatus" => DescribeInstanceStatus(form),
        "DescribeInstances" => DescribeInstances(form),
        "GetConsoleOutput" => GetConsoleOutput(form),
        "DescribeImages" => DescribeImages(),
        "GetInstanceUefiData" => Xml($"<GetInstanceUefiDataResponse xmlns=\"{Ec2Namespace}\"><requestId>{Guid.NewGuid()}</requestId><instanceId>{form["InstanceId"]}</instanceId><uefiData></uefiData></GetInstanceUefiDataResponse>"),
        _ => XmlError(400, "InvalidAction", $"The action {action} is not valid for this web service (the stand-in does not serve it)."),
    };

    private StandInReply DescribeInstanceStatus(System.Collections.Specialized.NameValueCollection form)
    {
        var ids = Indexed(form, "InstanceId");
        var items = new StringBuilder();
        foreach (var id in ids)
        {
            if (!_instances.TryGetValue(id, out var instance))
            {
                return XmlError(400, "InvalidInstanceID.NotFound", $"The instance ID '{id}' does not exist");
            }

            var state = instance.State;
            var check = instance.StatusCheck;
            var includeAll = string.Equals(form["IncludeAllInstances"], "true", StringComparison.OrdinalIgnoreCase);
            if (state != "running" && !includeAll)
            {
                continue;
            }

            var detail = check switch { "ok" => "passed", "impaired" => "failed", "initializing" => "initializing", _ => "insufficient-data" };
            items.Append(CultureInfo.InvariantCulture, $"""
                <item>
                  <instanceId>{id}</instanceId>
                  <availabilityZone>{Region}a</availabilityZone>
                  <instanceState><code>{StateCode(state)}</code><name>{state}</name></instanceState>
                  <systemStatus><status>{check}</status><details><item><name>reachability</name><status>{detail}</status></item></details></systemStatus>
                  <instanceStatus><status>{check}</status><details><item><name>reachability</name><status>{detail}</status></item></details></instanceStatus>
                </item>
                """);
        }

        return Xml($"""
            <DescribeInstanceStatusResponse xmlns="{Ec2Namespace}">
              <requestId>{Guid.NewGuid()}</requestId>
              <instanceStatusSet>{items}</instanceStatusSet>
            </DescribeInstanceStatusResponse>
            """);
    }

    private StandInReply DescribeInstances(System.Collections.Specialized.NameValueCollection form)
    {
        var ids = Indexed(form, "InstanceId");
        var items = new StringBuilder();
        foreach (var instance in ids.Count == 0 ? _instances.Values : ids.Select(id => _instances.GetValueOrDefault(id)))
        {
            if (instance is null)
            {
                return XmlError(400, "InvalidInstanceID.NotFound", $"The instance IDs '{string.Join(", ", ids)}' do not exist");
            }

            items.Append(CultureInfo.InvariantCulture, $"""
                <item>
                  <instanceId>{instance.InstanceId}</instanceId>
                  <imageId>ami-0standin0debian13</imageId>
                  <instanceState><code>{StateCode(instance.State)}</code><name>{instance.State}</name></instanceState>
                  <instanceType>t3.medium</instanceType>
                  <placement><availabilityZone>{Region}a</availabilityZone></placement>
                  <privateIpAddress>{instance.PublicIp}</privateIpAddress>
                  <ipAddress>{instance.PublicIp}</ipAddress>
                </item>
                """);
        }

        return Xml($"""
            <DescribeInstancesResponse xmlns="{Ec2Namespace}">
              <requestId>{Guid.NewGuid()}</requestId>
              <reservationSet><item><reservationId>r-0standin</reservationId><ownerId>{AccountId}</ownerId><instancesSet>{items}</instancesSet></item></reservationSet>
            </DescribeInstancesResponse>
            """);
    }

    private StandInReply GetConsoleOutput(System.Collections.Specialized.NameValueCollection form)
    {
        var id = form["InstanceId"] ?? string.Empty;
        if (!_instances.TryGetValue(id, out var instance))
        {
            return XmlError(400, "InvalidInstanceID.NotFound", $"The instance ID '{id}' does not exist");
        }

        var text = instance.ConsoleOutput();
        var output = string.IsNullOrEmpty(text) ? string.Empty : $"<output>{Convert.ToBase64String(Encoding.UTF8.GetBytes(text))}</output>";
        return Xml($"""
            <GetConsoleOutputResponse xmlns="{Ec2Namespace}">
              <requestId>{Guid.NewGuid()}</requestId>
              <instanceId>{id}</instanceId>
              <timestamp>{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ}</timestamp>
              {output}
            </GetConsoleOutputResponse>
            """);
    }

    /// <summary>One image: the Debian 13 AMI terraform's data source looks for (owner Debian, debian-13-amd64-*).</summary>
    private static StandInReply DescribeImages() => Xml($"""
        <DescribeImagesResponse xmlns="{Ec2Namespace}">
          <requestId>{Guid.NewGuid()}</requestId>
          <imagesSet>
            <item>
              <imageId>ami-0standin0debian13</imageId>
              <imageLocation>136693071363/debian-13-amd64-20261101-0000</imageLocation>
              <imageState>available</imageState>
              <imageOwnerId>136693071363</imageOwnerId>
              <creationDate>2026-11-01T00:00:00.000Z</creationDate>
              <isPublic>true</isPublic>
              <architecture>x86_64</architecture>
              <imageType>machine</imageType>
              <name>debian-13-amd64-20261101-0000</name>
              <description>Debian 13 (stand-in image of the rehearsal)</description>
              <rootDeviceType>ebs</rootDeviceType>
              <rootDeviceName>/dev/xvda</rootDeviceName>
              <blockDeviceMapping><item><deviceName>/dev/xvda</deviceName><ebs><snapshotId>snap-0standin</snapshotId><volumeSize>8</volumeSize><deleteOnTermination>true</deleteOnTermination><volumeType>gp3</volumeType><encrypted>false</encrypted></ebs></item></blockDeviceMapping>
              <virtualizationType>hvm</virtualizationType>
              <hypervisor>xen</hypervisor>
              <enaSupport>true</enaSupport>
              <bootMode>uefi-preferred</bootMode>
            </item>
          </imagesSet>
        </DescribeImagesResponse>
        """);

    private static int StateCode(string state) => state switch
    {
        "pending" => 0,
        "running" => 16,
        "shutting-down" => 32,
        "terminated" => 48,
        "stopping" => 64,
        _ => 80,
    };

    private static List<string> Indexed(System.Collections.Specialized.NameValueCollection form, string name) =>
        [.. Enumerable.Range(1, 100).Select(i => form[$"{name}.{i.ToString(CultureInfo.InvariantCulture)}"]).TakeWhile(v => v is not null).Select(v => v!)];

    private static StandInReply Xml(string xml) => new(200, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + xml, "text/xml;charset=UTF-8");

    private static StandInReply XmlError(int status, string code, string message) => new(
        status,
        $"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code><Message>{SecurityElement.Escape(message)}</Message></Error></Errors><RequestID>{Guid.NewGuid()}</RequestID></Response>",
        "text/xml;charset=UTF-8");

    // ---- SSM ------------------------------------------------------------------------------------

    private StandInReply Ssm(string operation, JsonObject body) => operation switch
    {
        "GetParameter" => GetParameter(body),
        "GetParameters" => GetParameters(body),
        "GetParametersByPath" => GetParametersByPath(body),
        "PutParameter" => PutParameter(body),
        "DeleteParameter" => DeleteParameter(body),
        "SendCommand" => SendCommand(body),
        "GetCommandInvocation" => GetCommandInvocation(body),
        "CancelCommand" => CancelCommand(body),
        "DescribeInstanceInformation" => DescribeInstanceInformation(),
        _ => JsonError("UnknownOperationException", $"The stand-in does not serve ssm:{operation}."),
    };

    private JsonObject ParameterJson(string name, StandInParameter parameter, bool decrypt) => new()
    {
        ["Name"] = name,
        ["Type"] = parameter.Type,
        ["Value"] = parameter.Type == "SecureString" && !decrypt ? "(encrypted)" : parameter.Value,
        ["Version"] = parameter.Version,
        ["LastModifiedDate"] = parameter.Modified.ToUnixTimeMilliseconds() / 1000.0,
        ["ARN"] = $"arn:aws:ssm:{Region}:{AccountId}:parameter{(name.StartsWith('/') ? name : "/" + name)}",
        ["DataType"] = "text",
    };

    private StandInReply GetParameter(JsonObject body)
    {
        var name = body["Name"]!.GetValue<string>();
        var decrypt = body["WithDecryption"]?.GetValue<bool>() ?? false;
        return State.Parameters.TryGetValue(name, out var parameter)
            ? Json(new JsonObject { ["Parameter"] = ParameterJson(name, parameter, decrypt) })
            : JsonError("ParameterNotFound", null);
    }

    private StandInReply GetParameters(JsonObject body)
    {
        var decrypt = body["WithDecryption"]?.GetValue<bool>() ?? false;
        var names = body["Names"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        return Json(new JsonObject
        {
            ["Parameters"] = new JsonArray([.. names.Where(State.Parameters.ContainsKey).Select(n => (JsonNode)ParameterJson(n, State.Parameters[n], decrypt))]),
            ["InvalidParameters"] = new JsonArray([.. names.Where(n => !State.Parameters.ContainsKey(n)).Select(n => (JsonNode)JsonValue.Create(n))]),
        });
    }

    private StandInReply GetParametersByPath(JsonObject body)
    {
        var path = body["Path"]!.GetValue<string>().TrimEnd('/') + "/";
        var recursive = body["Recursive"]?.GetValue<bool>() ?? false;
        var decrypt = body["WithDecryption"]?.GetValue<bool>() ?? false;
        var matching = State.Parameters
            .Where(p => p.Key.StartsWith(path, StringComparison.Ordinal) && (recursive || !p.Key[path.Length..].Contains('/', StringComparison.Ordinal)))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ToList();
        var start = int.TryParse(body["NextToken"]?.GetValue<string>(), out var token) ? token : 0;
        var size = body["MaxResults"]?.GetValue<int>() ?? 10;
        var page = matching.Skip(start).Take(size).ToList();
        var result = new JsonObject { ["Parameters"] = new JsonArray([.. page.Select(p => (JsonNode)ParameterJson(p.Key, p.Value, decrypt))]) };
        if (start + page.Count < matching.Count)
        {
            result["NextToken"] = (start + page.Count).ToString(CultureInfo.InvariantCulture);
        }

        return Json(result);
    }

    private StandInReply PutParameter(JsonObject body)
    {
        var name = body["Name"]!.GetValue<string>();
        var type = body["Type"]?.GetValue<string>() ?? "String";
        var overwrite = body["Overwrite"]?.GetValue<bool>() ?? false;
        if (type is not ("String" or "StringList" or "SecureString"))
        {
            return JsonError("ValidationException", $"1 validation error detected: Value '{type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]");
        }

        var version = State.PutParameter(name, type, body["Value"]!.GetValue<string>(), overwrite);
        return version is null
            ? JsonError("ParameterAlreadyExists", "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.")
            : Json(new JsonObject { ["Version"] = version.Value, ["Tier"] = "Standard" });
    }

    private StandInReply DeleteParameter(JsonObject body) =>
        State.DeleteParameter(body["Name"]!.GetValue<string>()) ? Json([]) : JsonError("ParameterNotFound", null);

    private StandInReply DescribeInstanceInformation() => Json(new JsonObject
    {
        ["InstanceInformationList"] = new JsonArray([.. _instances.Values.Select(i => (JsonNode)new JsonObject
        {
            ["InstanceId"] = i.InstanceId,
            ["PingStatus"] = i.State == "running" ? "Online" : "ConnectionLost",
            ["PlatformType"] = "Linux",
            ["PlatformName"] = "Debian GNU/Linux",
            ["AgentVersion"] = "3.3.0.0-standin",
        })]),
    });

    private StandInReply SendCommand(JsonObject body)
    {
        var document = body["DocumentName"]?.GetValue<string>();
        if (document != "AWS-RunShellScript")
        {
            return JsonError("InvalidDocument", $"The stand-in runs AWS-RunShellScript only, not {document}.");
        }

        var instanceId = body["InstanceIds"]?.AsArray().FirstOrDefault()?.GetValue<string>() ?? string.Empty;
        if (!_instances.TryGetValue(instanceId, out var instance) || instance.State != "running")
        {
            return JsonError("InvalidInstanceId", null);
        }

        var parameters = body["Parameters"]!.AsObject();
        var script = string.Join('\n', parameters["commands"]!.AsArray().Select(c => c!.GetValue<string>()));
        var timeout = int.TryParse(parameters["executionTimeout"]?.AsArray().FirstOrDefault()?.GetValue<string>(), out var seconds) ? seconds : 3600;
        var id = Guid.NewGuid().ToString();
        var run = new CommandRun(instanceId, body["Comment"]?.GetValue<string>() ?? string.Empty);
        _runs[id] = run;
        run.Start(instance, script, TimeSpan.FromSeconds(timeout));
        return Json(new JsonObject
        {
            ["Command"] = new JsonObject
            {
                ["CommandId"] = id,
                ["DocumentName"] = document,
                ["InstanceIds"] = new JsonArray(instanceId),
                ["Status"] = "Pending",
                ["RequestedDateTime"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0,
                ["TimeoutSeconds"] = body["TimeoutSeconds"]?.GetValue<int>() ?? 3600,
            },
        });
    }

    private StandInReply GetCommandInvocation(JsonObject body)
    {
        var id = body["CommandId"]!.GetValue<string>();
        if (!_runs.TryGetValue(id, out var run))
        {
            return JsonError("InvocationDoesNotExist", null);
        }

        var (status, code, stdout, stderr) = run.Outcome();
        return Json(new JsonObject
        {
            ["CommandId"] = id,
            ["InstanceId"] = run.InstanceId,
            ["Comment"] = run.Comment,
            ["DocumentName"] = "AWS-RunShellScript",
            ["DocumentVersion"] = "$DEFAULT",
            ["PluginName"] = "aws:runShellScript",
            ["ResponseCode"] = code,
            ["Status"] = status,
            ["StatusDetails"] = status,
            ["StandardOutputContent"] = stdout,
            ["StandardOutputUrl"] = string.Empty,
            ["StandardErrorContent"] = stderr,
            ["StandardErrorUrl"] = string.Empty,
        });
    }

    private StandInReply CancelCommand(JsonObject body)
    {
        if (_runs.TryGetValue(body["CommandId"]!.GetValue<string>(), out var run))
        {
            run.Cancel();
        }

        return Json([]);
    }

    // ---- Secrets Manager --------------------------------------------------------------------------

    private StandInReply SecretsManager(string operation, JsonObject body)
    {
        if (operation == "GetRandomPassword")
        {
            var length = body["PasswordLength"]?.GetValue<long>() ?? 32;
            const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
            var random = System.Security.Cryptography.RandomNumberGenerator.GetString(alphabet, (int)length);
            return Json(new JsonObject { ["RandomPassword"] = random });
        }

        var id = body["SecretId"]?.GetValue<string>() ?? string.Empty;
        var secret = State.FindSecret(id);
        return operation switch
        {
            "GetSecretValue" or "DescribeSecret" or "PutSecretValue" when secret is null =>
                JsonError("ResourceNotFoundException", "Secrets Manager can't find the specified secret."),
            "GetSecretValue" => Json(new JsonObject
            {
                ["ARN"] = secret!.Arn,
                ["Name"] = secret.Name,
                ["VersionId"] = secret.VersionId,
                ["SecretString"] = secret.Value,
                ["VersionStages"] = new JsonArray("AWSCURRENT"),
                ["CreatedDate"] = secret.Modified.ToUnixTimeMilliseconds() / 1000.0,
            }),
            "DescribeSecret" => Json(new JsonObject
            {
                ["ARN"] = secret!.Arn,
                ["Name"] = secret.Name,
                ["LastChangedDate"] = secret.Modified.ToUnixTimeMilliseconds() / 1000.0,
            }),
            "PutSecretValue" => PutSecretValue(secret!, body),
            _ => JsonError("UnknownOperationException", $"The stand-in does not serve secretsmanager:{operation}."),
        };
    }

    private StandInReply PutSecretValue(StandInSecret secret, JsonObject body)
    {
        var updated = State.PutSecret(secret.Name, body["SecretString"]!.GetValue<string>());
        return Json(new JsonObject { ["ARN"] = updated.Arn, ["Name"] = updated.Name, ["VersionId"] = updated.VersionId, ["VersionStages"] = new JsonArray("AWSCURRENT") });
    }

    // ---- CloudWatch Logs ----------------------------------------------------------------------------

    private StandInReply Logs(string operation, JsonObject body)
    {
        switch (operation)
        {
            case "DescribeLogGroups":
                var prefix = body["logGroupNamePrefix"]?.GetValue<string>() ?? string.Empty;
                return Json(new JsonObject
                {
                    ["logGroups"] = new JsonArray([.. State.LogGroups.Where(g => g.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).Select(g => (JsonNode)new JsonObject
                    {
                        ["logGroupName"] = g,
                        ["arn"] = $"arn:aws:logs:{Region}:{AccountId}:log-group:{g}:*",
                        ["retentionInDays"] = 30,
                        ["storedBytes"] = 0,
                    })]),
                });
            case "CreateLogGroup":
                var name = body["logGroupName"]!.GetValue<string>();
                return State.AddLogGroup(name) ? Json([]) : JsonError("ResourceAlreadyExistsException", "The specified log group already exists");
            case "PutRetentionPolicy":
            case "CreateLogStream":
            case "PutLogEvents":
                return Json([]);
            default:
                return JsonError("UnknownOperationException", $"The stand-in does not serve logs:{operation}.");
        }
    }

    private static StandInReply Json(JsonObject body) => new(200, body.ToJsonString(), "application/x-amz-json-1.1");

    private static StandInReply JsonError(string type, string? message) =>
        new(400, new JsonObject { ["__type"] = type, ["message"] = message }.ToJsonString(), "application/x-amz-json-1.1");

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>One Run Command invocation: the script runs in the instance; its outcome is read by polls.</summary>
    private sealed class CommandRun(string instanceId, string comment) : IDisposable
    {
        private readonly CancellationTokenSource _cancel = new();
        private Task<StandInCommandResult>? _execution;

        public string InstanceId { get; } = instanceId;

        public string Comment { get; } = comment;

        public void Start(IStandInInstance instance, string script, TimeSpan timeout)
        {
            _cancel.CancelAfter(timeout);
            _execution = Task.Run(() => instance.RunScriptAsync(script, _cancel.Token));
        }

        public void Cancel() => _cancel.Cancel();

        public void Dispose() => _cancel.Dispose();

        public (string Status, int Code, string Stdout, string Stderr) Outcome()
        {
            if (_execution is null || !_execution.IsCompleted)
            {
                return ("InProgress", -1, string.Empty, string.Empty);
            }

            if (_execution.IsCanceled || _execution.IsFaulted)
            {
                return (_cancel.IsCancellationRequested ? "Cancelled" : "Failed", -1, string.Empty, _execution.Exception?.InnerException?.Message ?? string.Empty);
            }

            var result = _execution.Result;
            return (result.ExitCode == 0 ? "Success" : "Failed", result.ExitCode, Cut(result.Stdout, 24_000), Cut(result.Stderr, 8_000));
        }

        private static string Cut(string text, int limit) => text.Length <= limit ? text : text[..limit];
    }
}

/// <summary>One HTTP answer of the stand-in (<see cref="Data"/>: a binary body, such as an S3 object, instead of the text).</summary>
internal sealed record StandInReply(int Status, string Body, string ContentType)
{
    public byte[]? Data { get; init; }

    public IReadOnlyDictionary<string, string>? Headers { get; init; }
}

/// <summary>What a Run Command script printed and how it ended.</summary>
public sealed record StandInCommandResult(int ExitCode, string Stdout, string Stderr);

/// <summary>An EC2 instance as the stand-in serves it: its state, status checks, console, and where Run Command scripts run.</summary>
public interface IStandInInstance
{
    string InstanceId { get; }

    /// <summary>pending, running, stopped, ...</summary>
    string State { get; }

    /// <summary>ok, initializing, impaired: both status checks.</summary>
    string StatusCheck { get; }

    /// <summary>Its public address as DescribeInstances gives it (the rehearsal's machines are all on this host).</summary>
    string PublicIp => "127.0.0.1";

    /// <summary>The console as EC2's GetConsoleOutput returns it (decoded); empty when there is none yet.</summary>
    string ConsoleOutput();

    /// <summary>Runs an AWS-RunShellScript script as root on the instance, as the SSM agent does.</summary>
    Task<StandInCommandResult> RunScriptAsync(string script, CancellationToken cancellationToken);
}
