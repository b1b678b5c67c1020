using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using Cake.Core.Diagnostics;

namespace TableOrder.Build.Aws;

/// <summary>
/// The server's SSH host key, kept after the first pinned connection: in the state folder (this
/// machine) and in Parameter Store (so CI and every teammate share it). cloud-init prints host keys on
/// the console only on first boot: after a stop/start the console has none, and the kept pin is what
/// the next connection verifies against. A kept pin is never replaced silently: only a key given with
/// --ssh-host-key replaces it. The pin belongs to one instance ("i-0abc ssh-ed25519 AAAA..."): a new
/// instance (Rebuild's replacement, a recreated server) has new keys, printed on its own first-boot
/// console, so another instance's pin does not apply to it.
/// </summary>
public sealed class KeptHostKey(IAmazonSimpleSystemsManagement ssm, ICakeLog log, string file, string parameterName)
{
    public string File => file;

    public string ParameterName => parameterName;

    /// <summary>The parameter's name for an environment: /tableorder/&lt;environment&gt;/ssh-host-key.</summary>
    public static string ParameterFor(string environment) => $"/tableorder/{environment}/ssh-host-key";

    /// <summary>
    /// One of a scaled-out stack's servers: each instance has its own keys, so its own pin,
    /// /tableorder/&lt;environment&gt;/ssh-host-keys/&lt;instance id&gt;.
    /// </summary>
    public static string ParameterFor(string environment, string instanceId) => $"/tableorder/{environment}/ssh-host-keys/{instanceId}";

    /// <summary>How a pin is kept: the instance it belongs to, then the key.</summary>
    public static string Format(string instanceId, string hostKey) => $"{instanceId} {hostKey}";

    /// <summary>
    /// The instance and key of a kept value; a value kept before pins named their instance ("ssh-...")
    /// has no instance (null) and still applies.
    /// </summary>
    public static (string? InstanceId, string HostKey) Parse(string kept)
    {
        ArgumentNullException.ThrowIfNull(kept);
        var text = kept.Trim();
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        return text.StartsWith("i-", StringComparison.Ordinal) && space > 0
            ? (text[..space], text[(space + 1)..].Trim())
            : (null, text);
    }

    /// <summary>
    /// The key kept for <paramref name="instanceId"/> ("ssh-ed25519 AAAA..."): the state folder's, else
    /// Parameter Store's (then also kept in the folder); null when none is kept for this instance.
    /// </summary>
    public async Task<string?> ReadAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        string? kept = null;
        if (System.IO.File.Exists(file) && System.IO.File.ReadAllText(file).Trim() is { Length: > 0 } local)
        {
            kept = local;
        }
        else
        {
            try
            {
                var response = await ssm.GetParameterAsync(new GetParameterRequest { Name = parameterName }, cancellationToken);
                kept = response.Parameter.Value.Trim();
                WriteFile(kept);
                log.Information("Host key: the pin kept in Parameter Store {0}.", parameterName);
            }
            catch (ParameterNotFoundException)
            {
                return null;
            }
        }

        var (owner, hostKey) = Parse(kept);
        if (owner is not null && owner != instanceId)
        {
            log.Information("Host key: the kept pin belongs to instance {0}; {1} is a new instance, so its key comes from its own first-boot console.", owner, instanceId);
            return null;
        }

        return hostKey;
    }

    /// <summary>Keeps <paramref name="hostKey"/> for <paramref name="instanceId"/> in both places (unchanged ones are left alone).</summary>
    public async Task KeepAsync(string instanceId, string hostKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        ArgumentException.ThrowIfNullOrWhiteSpace(hostKey);
        var value = Format(instanceId, hostKey);
        var current = System.IO.File.Exists(file) ? System.IO.File.ReadAllText(file).Trim() : null;
        if (current != value)
        {
            WriteFile(value);
        }

        string? stored = null;
        try
        {
            stored = (await ssm.GetParameterAsync(new GetParameterRequest { Name = parameterName }, cancellationToken)).Parameter.Value.Trim();
        }
        catch (ParameterNotFoundException)
        {
            // not kept yet
        }

        if (stored != value)
        {
            // A public key: no secret, a String parameter.
            await ssm.PutParameterAsync(new PutParameterRequest { Name = parameterName, Value = value, Type = ParameterType.String, Overwrite = true, Description = "SSH host key of the app server (its instance id, then the key), pinned after the first verified connection" }, cancellationToken);
            log.Information("Host key: pin kept in {0} and Parameter Store {1}.", file, parameterName);
        }
    }

    private void WriteFile(string value)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        System.IO.File.WriteAllText(file, value + "\n");
    }
}
