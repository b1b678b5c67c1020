using System.Globalization;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using Cake.Core.Diagnostics;
using TableOrder.Build.Terraform;

namespace TableOrder.Build.Aws;

/// <summary>
/// The app's non-secret settings in SSM Parameter Store, under /tableorder/production/&lt;name&gt; as
/// plain String parameters, so the server (and people) can read them with the instance role. A value
/// is written only when it changed, so a second run writes nothing. Secrets never go here: the
/// database password stays in the RDS-managed Secrets Manager secret (<see cref="ServerSideSecret"/>).
/// </summary>
public sealed class ParameterStoreSettings(IAmazonSimpleSystemsManagement ssm, ICakeLog log, string prefix = ParameterStoreSettings.ProductionPrefix)
{
    public const string ProductionPrefix = "/tableorder/production";

    private static readonly string[] SecretWords = ["password", "passwd", "secret", "token", "private", "credential"];

    private readonly string _prefix = prefix.TrimEnd('/');

    /// <summary>The settings taken from the terraform outputs; outputs that are missing are left out.</summary>
    public static IReadOnlyDictionary<string, string> FromOutputs(TerraformOutputs outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        var values = new SortedDictionary<string, string?>(StringComparer.Ordinal)
        {
            ["db_host"] = outputs.DbEndpoint is { } endpoint ? HostOnly(endpoint) : null,
            ["db_port"] = outputs.DbPort?.ToString(CultureInfo.InvariantCulture),
            ["db_name"] = outputs.DbName,
            ["db_user"] = outputs.DbUsername,
            ["db_secret_arn"] = outputs.DbSecretArn,
            ["redis_host"] = outputs.RedisEndpoint,
            ["redis_port"] = outputs.RedisPort?.ToString(CultureInfo.InvariantCulture),
            ["redis_tls"] = outputs.RedisTls is { } tls ? (tls ? "true" : "false") : null,
            ["redis_auth_secret_arn"] = outputs.RedisAuthSecretArn,
            ["bucket"] = outputs.BucketName,
            ["region"] = outputs.Region,
            ["log_group_fastapi"] = outputs.LogGroupFastApi,
            ["log_group_nginx"] = outputs.LogGroupNginx,
        };
        return values.Where(v => !string.IsNullOrEmpty(v.Value)).ToDictionary(v => v.Key, v => v.Value!, StringComparer.Ordinal);
    }

    /// <summary>Writes the values that differ from what Parameter Store holds; returns the names written.</summary>
    public async Task<IReadOnlyList<string>> SyncAsync(IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var name in settings.Keys)
        {
            if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || LooksSecret(name))
            {
                throw new ArgumentException($"'{name}' cannot be a Parameter Store setting: names are single words, and secrets never go to Parameter Store.", nameof(settings));
            }
        }

        var current = await ReadAsync(cancellationToken);
        var written = new List<string>();
        foreach (var (name, value) in settings.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var path = $"{_prefix}/{name}";
            if (current.TryGetValue(path, out var existing) && existing == value)
            {
                continue;
            }

            await ssm.PutParameterAsync(
                new PutParameterRequest { Name = path, Value = value, Type = ParameterType.String, Overwrite = true, Tier = ParameterTier.Standard },
                cancellationToken);
            log.Verbose("Parameter Store: {0} {1} = {2}", current.ContainsKey(path) ? "updated" : "created", path, value);
            written.Add(name);
        }

        if (written.Count == 0)
        {
            log.Information("Parameter Store: the {0} settings under {1} are up to date.", settings.Count, _prefix);
        }
        else
        {
            log.Information("Parameter Store: {0} of the {1} settings under {2} written ({3}).", written.Count, settings.Count, _prefix, string.Join(", ", written));
        }

        return written;
    }

    /// <summary>Every parameter directly under the prefix, by full name.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ReadAsync(CancellationToken cancellationToken = default)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        string? next = null;
        do
        {
            var page = await ssm.GetParametersByPathAsync(
                new GetParametersByPathRequest { Path = _prefix, Recursive = false, WithDecryption = false, NextToken = next },
                cancellationToken);
            foreach (var parameter in page.Parameters ?? [])
            {
                values[parameter.Name] = parameter.Value;
            }

            next = page.NextToken;
        }
        while (!string.IsNullOrEmpty(next));

        return values;
    }

    private static bool LooksSecret(string name) =>
        !name.EndsWith("_arn", StringComparison.Ordinal) && SecretWords.Any(w => name.Contains(w, StringComparison.OrdinalIgnoreCase));

    /// <summary>RDS's endpoint output may be "host:port"; the host is what the setting holds.</summary>
    private static string HostOnly(string endpoint) =>
        endpoint.LastIndexOf(':') is var colon and > 0 && int.TryParse(endpoint[(colon + 1)..], out _) ? endpoint[..colon] : endpoint;
}
