using System.Text.RegularExpressions;

namespace TableOrder.Build.Configuration;

/// <summary>The arguments whose values say how to reach the server and what to do there: transport, release, recovery, scale, log, domain.</summary>
public static partial class BuildArguments
{
    private static ServerTransport Transport(string? value, DeploymentEnvironment environment) =>
        value?.ToLowerInvariant() switch
        {
            null => environment.DefaultTransport,
            "ssh" => ServerTransport.Ssh,
            "ssm" when environment.HasAwsStack => ServerTransport.Ssm,
            "ssm" => throw new BuildArgumentException("--transport=ssm reaches EC2 through AWS Systems Manager: it needs --environment=production (or --environment=rehearsal). The local machine is reached over SSH; leave --transport out."),
            _ => throw new BuildArgumentException($"--transport={value} is not a transport. Use --transport=ssh (default) or --transport=ssm (production)."),
        };

    private static string? ReleaseId(string? value) =>
        value == Server.ServerMap.Placeholder
            ? throw new BuildArgumentException($"--release={value} is not a release: it is what the server serves before the first deploy. Name a release id from --target=Status (12 hex characters), or leave --release out to go back to the previous one.")
            : value is null || System.Text.RegularExpressions.Regex.IsMatch(value, "^[0-9a-f]{12}$")
            ? value
            : throw new BuildArgumentException($"--release={value} is not a release id: ids are 12 hex characters, as --target=Status lists them.");

    /// <summary>--to-time or --snapshot (not both), --server-image outside local, --reboot for Snapshot only with an image.</summary>
    private static RecoveryOptions Recovery(IReadOnlyDictionary<string, string?> arguments, DeploymentEnvironment environment, IReadOnlyList<string> targets)
    {
        var toTime = Value(arguments, "to-time");
        var snapshot = Value(arguments, "snapshot");
        if (toTime is not null && snapshot is not null)
        {
            throw new BuildArgumentException("--to-time and --snapshot both name what to restore: give one of them (--snapshot=<name> for a snapshot, --to-time=<UTC time> for a point in time), or neither for the latest restorable time.");
        }

        DateTimeOffset? time = null;
        if (toTime is not null)
        {
            time = Build.Recovery.RestoreTarget.ParseTime(toTime)
                ?? throw new BuildArgumentException($"--to-time={toTime} is not a UTC time in ISO 8601. Write it like --to-time=2026-12-01T10:15:30Z (UTC, ending in Z; fractions of a second allowed).");
            if (time > DateTimeOffset.UtcNow)
            {
                throw new BuildArgumentException($"--to-time={toTime} is in the future (now is {Build.Recovery.RestoreTarget.Format(DateTimeOffset.UtcNow)}). Leave --to-time out for the latest restorable time.");
            }
        }

        if (snapshot is not null && !Build.Recovery.RestoreTarget.IsSnapshotName(snapshot))
        {
            throw new BuildArgumentException($"--snapshot={snapshot} is not a snapshot name: a letter first, then letters, digits and single hyphens, as --target=Status lists them (e.g. --snapshot=tableorder-manual-20261201t101530z-1a2b3c4d5e6f).");
        }

        var serverImage = Flag(arguments, "server-image");
        if (serverImage && !environment.HasAwsStack)
        {
            throw new BuildArgumentException("--server-image makes an EC2 image of the app server: it needs --environment=production. The local machine is made again from its cached image (--target=Rebuild); leave --server-image out.");
        }

        var reboot = Flag(arguments, "reboot");
        if (reboot && !serverImage && !targets.Contains("Patch", StringComparer.OrdinalIgnoreCase))
        {
            throw new BuildArgumentException("--reboot with --target=Snapshot reboots the server for its image: add --server-image, or leave --reboot out (Patch takes --reboot to reboot after the updates).");
        }

        return new RecoveryOptions
        {
            Restore = new Build.Recovery.RestoreTarget(time, snapshot),
            ServerImage = serverImage,
            Reboot = reboot,
        };
    }

    private static string LogName(string? value) =>
        value?.ToLowerInvariant() switch
        {
            null or "api" => "api",
            "nginx" => "nginx",
            _ => throw new BuildArgumentException($"--log={value} is not a log of the server. Use --log=api or --log=nginx."),
        };

    /// <summary>--servers is the local stack's and the rehearsal's (its plan's app_server_count); production's count is terraform's app_server_count.</summary>
    private static ScaleOptions Scale(IReadOnlyDictionary<string, string?> arguments, DeploymentEnvironment environment)
    {
        if (arguments.ContainsKey("servers") && !environment.TakesServerCount)
        {
            throw new BuildArgumentException(
                "--servers is for the local stack and the rehearsal (it boots that many machines behind HAProxy). Leave --servers out; in AWS the count is terraform's app_server_count (see README, Scaling out).");
        }

        return new ScaleOptions
        {
            Servers = arguments.ContainsKey("servers") ? Number(arguments, "servers", 1, 1, 8) : null,
            BatchSize = Number(arguments, "batch-size", 1, 1, 8),
            DrainTimeout = TimeSpan.FromSeconds(Number(arguments, "drain-timeout", 10, 0, 600)),
        };
    }

    /// <summary>A lower-case DNS name with at least one dot (a certificate is issued for it).</summary>
    private static string? Domain(string? value, bool given)
    {
        if (value is null)
        {
            return given ? throw new BuildArgumentException("--domain needs a name: --domain=shop.example.com (its DNS A record must point at the server; locally any name works, e.g. --domain=tableorder.test).") : null;
        }

        return DomainName().IsMatch(value)
            ? value
            : throw new BuildArgumentException($"--domain: '{value}' is not a lower-case DNS name. Write it like --domain=shop.example.com (no scheme, port or path).");
    }

    /// <summary>--http-only turns HTTPS off; with --domain the two ask for opposite things.</summary>
    private static bool HttpOnly(IReadOnlyDictionary<string, string?> arguments) =>
        Flag(arguments, "http-only") && arguments.ContainsKey("domain")
            ? throw new BuildArgumentException("--http-only turns HTTPS off and --domain turns it on: give one of them. Keep --domain=<name> to serve HTTPS, or --http-only alone to go back to plain HTTP.")
            : Flag(arguments, "http-only");

    [System.Text.RegularExpressions.GeneratedRegex(@"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$")]
    private static partial System.Text.RegularExpressions.Regex DomainName();
}
