using System.Globalization;
using TableOrder.Build.Remote;

namespace TableOrder.Build.Server;

/// <summary>One check of verify.sh: "ok: what" or "FAILED: what: why".</summary>
public sealed record VerificationCheck(bool Passed, string Name, string? Reason);

/// <summary>Checks the server the way InSpec or Testinfra would, with verify.sh; each failure is named.</summary>
public static class ServerVerification
{
    public static async Task<IReadOnlyList<VerificationCheck>> RunAsync(IRemoteShell shell, ServerPorts ports, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shell);
        ArgumentNullException.ThrowIfNull(ports);
        var result = await shell.RunAsync(Command(ports), cancellationToken);
        var checks = Parse(result.Output);
        if (result.ExitCode != 0 && checks.All(c => c.Passed))
        {
            throw new RemoteCommandException("verify.sh", result.ExitCode, [.. result.Errors.TakeLast(10)]);
        }

        return checks;
    }

    public static RemoteCommand Command(ServerPorts ports) =>
        RemoteCommand.User(
            $"{Shell.SudoPrefix} bash \"$HOME/{ServerMap.ScriptsFolder}/verify.sh\" --http-port {ports.Http.ToString(CultureInfo.InvariantCulture)} --api-port {ports.Api.ToString(CultureInfo.InvariantCulture)} --green-port {ports.ApiGreen.ToString(CultureInfo.InvariantCulture)}",
            "verify.sh") with
        { Stream = true, AllowFailure = true };

    public static IReadOnlyList<VerificationCheck> Parse(IEnumerable<string> lines) =>
        lines.Select(line => line.Trim()).Select(line =>
            line.StartsWith("ok: ", StringComparison.Ordinal) ? new VerificationCheck(true, line[4..], null)
            : line.StartsWith("FAILED: ", StringComparison.Ordinal) ? Failed(line[8..])
            : null)
        .OfType<VerificationCheck>()
        .ToList();

    private static VerificationCheck Failed(string text)
    {
        var split = text.IndexOf(": ", StringComparison.Ordinal);
        return split < 0 ? new VerificationCheck(false, text, null) : new VerificationCheck(false, text[..split], text[(split + 2)..]);
    }
}
