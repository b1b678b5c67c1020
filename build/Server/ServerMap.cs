using System.Text;

namespace TableOrder.Build.Server;

/// <summary>
/// The one map of the server: paths, unit names, users, the env file, lock and audit locations.
/// The C# side reads these constants; the scripts get the same values as <c>server-map.env</c>
/// (rendered from here into the uploaded deploy scripts), so no path is written twice.
/// </summary>
public static class ServerMap
{
    public const string AppUser = "tableorder";
    public const string Base = "/opt/tableorder";
    public const string Releases = Base + "/releases";
    public const string Current = Base + "/current";
    public const string Previous = Base + "/previous";
    public const string Venv = Base + "/venv";
    public const string ConfigDirectory = "/etc/tableorder";
    public const string EnvFile = ConfigDirectory + "/app.env";

    /// <summary>Root-only (0600 root): the database owner's URL for migrations, read by systemd, never by the app user. Absent locally.</summary>
    public const string MigrationEnvFile = ConfigDirectory + "/migrate.env";
    public const string LogDirectory = "/var/log/tableorder";
    public const string ApiLog = LogDirectory + "/api.log";
    public const string Lock = Base + "/deploy.lock";
    public const string AuditLog = LogDirectory + "/deploy-audit.log";
    public const string ApiUnit = "tableorder-api.service";
    public const string UnitFile = "/etc/systemd/system/" + ApiUnit;
    public const string NginxSite = "/etc/nginx/conf.d/tableorder.conf";
    public const string NginxAccessLog = "/var/log/nginx/tableorder.access.log";
    public const string NginxErrorLog = "/var/log/nginx/tableorder.error.log";
    public const string LogrotateFile = "/etc/logrotate.d/tableorder";
    public const string Placeholder = "placeholder";

    /// <summary>Where the deploy scripts land, below the login user's home.</summary>
    public const string ScriptsFolder = "tableorder-deploy";

    /// <summary>The file name the scripts source the map from.</summary>
    public const string ShellFileName = "server-map.env";

    public static string Release(string id) => $"{Releases}/{id}";

    /// <summary>The map as shell assignments, in the order above; bootstrap.sh and verify.sh source it.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Entries { get; } =
    [
        new("APP_USER", AppUser),
        new("BASE", Base),
        new("RELEASES", Releases),
        new("CURRENT", Current),
        new("PREVIOUS", Previous),
        new("VENV", Venv),
        new("CONF_DIR", ConfigDirectory),
        new("ENV_FILE", EnvFile),
        new("LOG_DIR", LogDirectory),
        new("API_LOG", ApiLog),
        new("LOCK_DIR", Lock),
        new("AUDIT_LOG", AuditLog),
        new("UNIT", ApiUnit),
        new("UNIT_FILE", UnitFile),
        new("SITE_FILE", NginxSite),
        new("NGINX_ACCESS_LOG", NginxAccessLog),
        new("NGINX_ERROR_LOG", NginxErrorLog),
        new("LOGROTATE_FILE", LogrotateFile),
        new("PLACEHOLDER", Releases + "/" + Placeholder),
    ];

    public static string ShellFile()
    {
        var text = new StringBuilder("# The server map, rendered by the build from build/Server/ServerMap.cs. Do not edit.\n");
        foreach (var (name, value) in Entries)
        {
            text.Append("readonly ").Append(name).Append('=').Append(Remote.Shell.Quote(value)).Append('\n');
        }

        return text.ToString();
    }
}
