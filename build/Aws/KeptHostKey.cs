using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using Cake.Core.Diagnostics;

namespace TableOrder.Build.Aws;

/// <summary>
/// The server's SSH host key, kept after the first pinned connection: in the state folder (this
/// machine) and in Parameter Store (so CI and every teammate share it). cloud-init prints host keys on
/// the console only on first boot: after a stop/start the console has none, and the kept pin is what
/// the next connection verifies against. A kept pin is never replaced silently: only a key given with
/// --ssh-host-key replaces it.
/// </summary>
public sealed class KeptHostKey(IAmazonSimpleSystemsManagement ssm, ICakeLog log, string file, string parameterName)
{
    public string File => file;

    public string ParameterName => parameterName;

    /// <summary>The parameter's name for an environment: /tableorder/&lt;environment&gt;/ssh-host-key.</summary>
    public static string ParameterFor(string environment) => $"/tableorder/{environment}/ssh-host-key";

    /// <summary>The kept key ("ssh-ed25519 AAAA..."): the state folder's, else Parameter Store's (then also kept in the folder); null when none.</summary>
    public async Task<string?> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (System.IO.File.Exists(file) && System.IO.File.ReadAllText(file).Trim() is { Length: > 0 } local)
        {
            return local;
        }

        try
        {
            var response = await ssm.GetParameterAsync(new GetParameterRequest { Name = parameterName }, cancellationToken);
            var shared = response.Parameter.Value.Trim();
            WriteFile(shared);
            log.Information("Host key: the pin kept in Parameter Store {0}.", parameterName);
            return shared;
        }
        catch (ParameterNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Keeps <paramref name="hostKey"/> in both places (unchanged ones are left alone).</summary>
    public async Task KeepAsync(string hostKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostKey);
        var current = System.IO.File.Exists(file) ? System.IO.File.ReadAllText(file).Trim() : null;
        if (current != hostKey)
        {
            WriteFile(hostKey);
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

        if (stored != hostKey)
        {
            // A public key: no secret, a String parameter.
            await ssm.PutParameterAsync(new PutParameterRequest { Name = parameterName, Value = hostKey, Type = ParameterType.String, Overwrite = true, Description = "SSH host key of the app server, pinned after the first verified connection" }, cancellationToken);
            log.Information("Host key: pin kept in {0} and Parameter Store {1}.", file, parameterName);
        }
    }

    private void WriteFile(string hostKey)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        System.IO.File.WriteAllText(file, hostKey + "\n");
    }
}
