namespace TableOrder.Build.Release;

/// <summary>Where releases live on the server (app-deploy/README.md has the full map).</summary>
public static class ServerPaths
{
    public const string Base = "/opt/tableorder";
    public const string Releases = Base + "/releases";
    public const string Current = Base + "/current";
    public const string Previous = Base + "/previous";
    public const string Venv = Base + "/venv";
    public const string Lock = Base + "/deploy.lock";
    public const string AuditLog = "/var/log/tableorder/deploy-audit.log";
    public const string ApiLog = "/var/log/tableorder/api.log";
    public const string NginxAccessLog = "/var/log/nginx/tableorder.access.log";
    public const string NginxErrorLog = "/var/log/nginx/tableorder.error.log";
    public const string EnvFile = "/etc/tableorder/app.env";
    public const string ApiUnit = "tableorder-api.service";
    public const string Placeholder = "placeholder";

    public static string Release(string id) => $"{Releases}/{id}";
}
