using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Amazon.EC2;
using Amazon.EC2.Model;
using Cake.Core.Diagnostics;
using TableOrder.Build.Remote;

namespace TableOrder.Build.Aws;

/// <summary>
/// Reads the server's SSH host keys from its EC2 console output, where cloud-init prints them between
/// "-----BEGIN SSH HOST KEY KEYS-----" and "-----END SSH HOST KEY KEYS-----" on first boot. The console
/// comes over the authenticated, TLS-protected EC2 API, so a key read there is a sound thing to pin:
/// it is the instance's own key, not whatever answers on port 22.
/// </summary>
public sealed partial class ConsoleHostKeys(IAmazonEC2 ec2, ICakeLog log, Polling? polling = null)
{
    public const string BeginMarker = "-----BEGIN SSH HOST KEY KEYS-----";
    public const string EndMarker = "-----END SSH HOST KEY KEYS-----";

    /// <summary>Most preferred first; anything else is ignored.</summary>
    private static readonly string[] Preference = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"];

    private readonly Polling _polling = polling ?? Polling.Ec2Default;

    /// <summary>
    /// The preferred host key ("ssh-ed25519 AAAA...", ready for <see cref="PinnedHostKey.Parse"/>), waiting
    /// while the console has no key block yet (early boot: EC2 updates the console output with a delay).
    /// </summary>
    public async Task<string> WaitForHostKeyAsync(string instanceId, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        var clock = Stopwatch.StartNew();
        var delay = _polling.Initial;
        while (true)
        {
            var console = await ReadConsoleAsync(instanceId, cancellationToken);
            var key = PreferredKey(console);
            if (key is not null)
            {
                log.Information("{0}: host key from the console output: {1} {2}", instanceId, key.Algorithm, PinnedHostKey.Parse(key.ToString()).Fingerprint);
                return key.ToString();
            }

            var what = console.Length == 0 ? "no console output yet" : $"no SSH host keys in the console output yet ({console.Length} characters)";
            if (clock.Elapsed + delay > timeout)
            {
                throw new AwsException(
                    $"Could not read the SSH host key of {instanceId} from its console output within {timeout.TotalSeconds:0}s: {what}. " +
                    "EC2 can take several minutes to publish the console. Look at it (aws ec2 get-console-output --latest --output text " +
                    $"--instance-id {instanceId}), or run 'ssh-keyscan' from a trusted network, then pass the key by hand: " +
                    "--ssh-host-key=\"ssh-ed25519 AAAA...\".");
            }

            log.Information("{0}: waiting for the host keys on the console: {1} ({2:0}s)", instanceId, what, clock.Elapsed.TotalSeconds);
            await Task.Delay(delay, cancellationToken);
            delay = _polling.Next(delay);
        }
    }

    /// <summary>The decoded console text (empty when EC2 has none yet).</summary>
    public async Task<string> ReadConsoleAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        GetConsoleOutputResponse response;
        try
        {
            response = await ec2.GetConsoleOutputAsync(new GetConsoleOutputRequest { InstanceId = instanceId, Latest = true }, cancellationToken);
        }
        catch (AmazonEC2Exception ex) when (ex.ErrorCode is "UnsupportedOperation")
        {
            // Latest=true needs a Nitro instance type; older types only have the buffered output.
            response = await ec2.GetConsoleOutputAsync(new GetConsoleOutputRequest { InstanceId = instanceId }, cancellationToken);
        }
        catch (AmazonEC2Exception ex) when (ex.ErrorCode is "InvalidInstanceID.NotFound" or "InvalidInstanceID.Malformed")
        {
            throw new AwsException($"EC2 instance {instanceId} does not exist in this account and region: its console cannot be read.", ex);
        }

        if (string.IsNullOrEmpty(response.Output))
        {
            return string.Empty;
        }

        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(response.Output));
        }
        catch (FormatException ex)
        {
            throw new AwsException($"The console output of {instanceId} is not base64 as the EC2 API documents it.", ex);
        }
    }

    /// <summary>
    /// Every valid host key in the last complete key block of <paramref name="console"/>. Lines may carry
    /// a prefix (console timestamps, "ec2: ") and CRLF endings; kernel messages may interleave with the
    /// block; a key whose blob does not decode to its own algorithm name is skipped.
    /// </summary>
    public static IReadOnlyList<ConsoleHostKey> Parse(string console)
    {
        ArgumentNullException.ThrowIfNull(console);
        var lines = console.Split('\n');
        var keys = new List<ConsoleHostKey>();
        List<ConsoleHostKey>? block = null;
        foreach (var raw in lines)
        {
            var line = raw.TrimEnd('\r');
            if (line.Contains(BeginMarker, StringComparison.Ordinal))
            {
                block = [];
            }
            else if (line.Contains(EndMarker, StringComparison.Ordinal))
            {
                if (block is not null)
                {
                    // A later block (a later boot) replaces an earlier one.
                    keys = block;
                }

                block = null;
            }
            else if (block is not null && KeyLine().Match(line) is { Success: true } match && IsValid(match.Groups["type"].Value, match.Groups["blob"].Value))
            {
                block.Add(new ConsoleHostKey(match.Groups["type"].Value, match.Groups["blob"].Value, match.Groups["comment"].Value.Trim()));
            }
        }

        return keys;
    }

    /// <summary>The key to pin: ed25519 when there is one, else the next best; null when the console has none.</summary>
    public static ConsoleHostKey? PreferredKey(string console) =>
        Parse(console)
            .Where(k => Array.IndexOf(Preference, k.Algorithm) >= 0)
            .OrderBy(k => Array.IndexOf(Preference, k.Algorithm))
            .FirstOrDefault();

    private static bool IsValid(string type, string base64)
    {
        try
        {
            var blob = Convert.FromBase64String(base64);
            if (blob.Length < 4)
            {
                return false;
            }

            var length = BinaryPrimitives.ReadInt32BigEndian(blob);
            return length > 0 && length <= blob.Length - 4 && Encoding.ASCII.GetString(blob, 4, length) == type;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"(?:^|\s)(?<type>ssh-ed25519|ecdsa-sha2-nistp(?:256|384|521)|ssh-rsa|ssh-dss)\s+(?<blob>AAAA[A-Za-z0-9+/]+={0,2})(?<comment>\s+\S.*)?$")]
    private static partial Regex KeyLine();
}

/// <summary>One host key line from the console: "ssh-ed25519 AAAA... root@ip-10-0-1-5".</summary>
public sealed record ConsoleHostKey(string Algorithm, string Base64Blob, string Comment)
{
    /// <summary>The OpenSSH public key line without the comment, for --ssh-host-key and <see cref="PinnedHostKey.Parse"/>.</summary>
    public override string ToString() => $"{Algorithm} {Base64Blob}";
}
