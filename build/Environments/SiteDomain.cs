using System.Text.Json;

namespace TableOrder.Build.Environments;

/// <summary>
/// The site's domain is part of the stack, not of one run: a Deploy without --domain keeps serving
/// HTTPS for the domain the stack has, and only --http-only turns it off. The stack's domain is what
/// the last Bootstrap set up, kept in the state folder (<see cref="FileName"/>); in production
/// terraform's site_domain output comes first (the stack's A record; it is in the remote state a CI
/// run reads, where no state folder survives). bootstrap.sh keeps the server's own record as a last
/// guard: a server that serves HTTPS refuses a bootstrap that names neither its domain nor --http-only.
/// </summary>
public static class SiteDomain
{
    public const string FileName = "site-domain.json";

    /// <summary>The domain this run serves: --domain, none with --http-only, else the stack's.</summary>
    public static string? Resolve(string? argument, bool httpOnly, string? stack) => httpOnly ? null : argument ?? stack;

    /// <summary>The domain the last Bootstrap of this state folder's stack set up; null: none recorded (HTTP only).</summary>
    public static string? Recorded(string stateDirectory)
    {
        var file = Path.Combine(stateDirectory, FileName);
        if (!File.Exists(file))
        {
            return null;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(file));
        return document.RootElement.TryGetProperty("domain", out var domain) && domain.ValueKind == JsonValueKind.String ? domain.GetString() : null;
    }

    /// <summary>Keeps what Bootstrap set up (null: HTTP only), through a temp file and a rename.</summary>
    public static void Record(string stateDirectory, string? domain)
    {
        Directory.CreateDirectory(stateDirectory);
        var file = Path.Combine(stateDirectory, FileName);
        File.WriteAllText(file + ".tmp", JsonSerializer.Serialize(new { domain }) + "\n");
        File.Move(file + ".tmp", file, overwrite: true);
    }

    /// <summary>What turning HTTPS off means for the people who used the site, said by the run that does it.</summary>
    public static string HstsWarning(string domain) =>
        $"--http-only: https://{domain}/ is turned off. Browsers that loaded it in the last year keep its HSTS header " +
        $"(Strict-Transport-Security: max-age=31536000, one year): they will not open http://{domain}/ at all but keep " +
        "asking for HTTPS, which no longer answers, until that year is over or the user clears the site's data. " +
        $"To serve them again, run the Deploy with --domain={domain}.";
}
