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
    /// <summary>slots/blue and slots/green: links to the release each API slot runs.</summary>
    public const string Slots = Base + "/slots";
    public const string ConfigDirectory = "/etc/tableorder";
    public const string EnvFile = ConfigDirectory + "/app.env";

    /// <summary>Local only: the CA of the local Redis's certificate (0644); production's ElastiCache uses a public CA.</summary>
    public const string RedisCaFile = ConfigDirectory + "/redis-ca.pem";

    /// <summary>Root-only (0600 root): the database owner's URL for migrations, read by systemd, never by the app user.</summary>
    public const string MigrationEnvFile = ConfigDirectory + "/migrate.env";

    /// <summary>
    /// The user `alembic upgrade head` runs as: a systemd dynamic user (no account on disk, a fresh
    /// uid per run), so the app user can read neither migrate.env nor the migration's /proc/&lt;pid&gt;/environ.
    /// </summary>
    public const string MigrationUser = "tableorder-migrate";

    /// <summary>
    /// The instance metadata service (IPv4, and IPv6 on Nitro): the API and the migrations may not reach it
    /// (IPAddressDeny=), so neither gets the instance role's credentials.
    /// </summary>
    public const string InstanceMetadataAddresses = "169.254.169.254 fd00:ec2::254";
    public const string LogDirectory = "/var/log/tableorder";
    public const string ApiLog = LogDirectory + "/api.log";

    /// <summary>
    /// The deploy's own state, root:root 0700: the app user (whose folders these used to be in)
    /// can neither fake a lock nor rewrite the audit trail.
    /// </summary>
    public const string DeployStateDirectory = "/var/lib/tableorder-deploy";
    public const string Lock = DeployStateDirectory + "/deploy.lock";
    public const string AuditLog = DeployStateDirectory + "/audit.log";

    /// <summary>The fingerprint of the inputs of the last bootstrap.sh that finished (removed when one starts).</summary>
    public const string BootstrapStamp = DeployStateDirectory + "/bootstrap.stamp";

    /// <summary>
    /// Where the server's settings came from, written after its env files were (production: the scripts
    /// and the secrets' and parameters' versions, never a value): what the probe compares to know they are current.
    /// </summary>
    public const string SettingsFingerprint = DeployStateDirectory + "/settings.fingerprint";

    /// <summary>The checksums of the files that bootstrap.sh installed (sha256sum -c form), kept with its stamp.</summary>
    public const string BootstrapFiles = DeployStateDirectory + "/bootstrap.files";
    /// <summary>The API's systemd template: one instance per slot (tableorder-api@blue, tableorder-api@green).</summary>
    public const string ApiUnitTemplate = "tableorder-api@.service";
    public const string UnitFile = "/etc/systemd/system/" + ApiUnitTemplate;

    /// <summary>Server state the scripts keep: the live slot, pending actions (finished by the next run).</summary>
    public const string StateDirectory = "/var/lib/tableorder";
    public const string PendingDirectory = StateDirectory + "/pending";
    public const string LiveSlotFile = StateDirectory + "/live-slot";

    /// <summary>
    /// The CA the app and the migrations verify the database's certificate against (sslmode=verify-full):
    /// Amazon RDS's bundle in production, the stack's own CA locally and in the rehearsal. bootstrap.sh
    /// installs it, 0644 in a folder everyone may enter (the migrations' dynamic user cannot enter
    /// <see cref="ConfigDirectory"/>): a CA certificate is public.
    /// </summary>
    public const string DatabaseCaFile = StateDirectory + "/db-ca.pem";

    /// <summary>The one file Nginx switches on: the API upstream and the UI root, together.</summary>
    public const string NginxLiveFile = "/etc/nginx/tableorder/live.conf";

    /// <summary>
    /// Maintenance (root-only, 0600): while the database is restored, writes to the API answer 503 with
    /// Retry-After; switched by slot.sh like the live file. Its "off" form is always there (the site includes it).
    /// </summary>
    public const string NginxMaintenanceFile = "/etc/nginx/tableorder/maintenance.conf";

    /// <summary>The build's pass through maintenance for its own checks (root-only, written by the build, removed when maintenance ends).</summary>
    public const string MaintenancePassFile = DeployStateDirectory + "/maintenance-pass";

    /// <summary>The header that carries the pass (its value is the file's).</summary>
    public const string MaintenancePassHeader = "X-TableOrder-Maintenance";

    /// <summary>Each release's own Python environment, built before it can go live.</summary>
    public const string ReleaseVenv = ".venv";

    /// <summary>
    /// The system user that builds a release's venv and runs pip (never root, never the app user);
    /// root owns the venv once the release is complete.
    /// </summary>
    public const string BuildUser = "tableorder-build";

    /// <summary>
    /// A release's hash-pinned requirements (pip-compile --generate-hashes, or pip hash): with the lock
    /// policy, what Debian's packages lack is installed from it only (pip --require-hashes --no-deps).
    /// </summary>
    public const string RequirementsLock = "requirements.lock";

    /// <summary>Written last when a release is whole (unpacked, venv built, requirements met).</summary>
    public const string ReleaseComplete = ".complete";
    public const string NginxSite = "/etc/nginx/conf.d/tableorder.conf";
    public const string NginxAccessLog = "/var/log/nginx/tableorder.access.log";
    public const string NginxErrorLog = "/var/log/nginx/tableorder.error.log";
    public const string LogrotateFile = "/etc/logrotate.d/tableorder";
    public const string Placeholder = "placeholder";

    /// <summary>certbot's webroot: Nginx serves /.well-known/acme-challenge/ from here over plain HTTP.</summary>
    public const string AcmeWebroot = "/var/lib/tableorder-acme";

    /// <summary>With a test ACME server: the root its certificates chain to (bootstrap.sh --acme-root), for checks on the server.</summary>
    /// Readable by everyone (the login user's health checks use it): a root certificate is public.
    public const string AcmeRootFile = StateDirectory + "/acme-root.pem";

    /// <summary>Runs after every renewal: <c>nginx -t</c>, then a graceful reload.</summary>
    public const string CertbotDeployHook = "/etc/letsencrypt/renewal-hooks/deploy/tableorder-nginx-reload";

    /// <summary>With a test ACME server (Pebble): certbot.service, and only it, trusts that server's CA.</summary>
    public const string CertbotDropIn = "/etc/systemd/system/certbot.service.d/tableorder-acme-ca.conf";

    /// <summary>certbot's live folder of a domain (fullchain.pem, privkey.pem, cert.pem, chain.pem).</summary>
    public static string CertificateFolder(string domain) => $"/etc/letsencrypt/live/{domain}";

    /// <summary>
    /// Per client address (loopback not counted): API requests per second and the burst above it.
    /// A store's tables usually share one address (its Wi-Fi's NAT), so the limits are per store
    /// rather than per person: generous for a busy store, a wall for one client flooding the API.
    /// </summary>
    public const int ApiRequestsPerSecond = 30;
    public const int ApiBurst = 120;

    /// <summary>Per client address: event streams open at once (each holds a Redis connection; every customer page holds one).</summary>
    public const int StreamsPerClient = 64;

    /// <summary>Where the deploy scripts land, below the login user's home.</summary>
    public const string ScriptsFolder = "tableorder-deploy";

    /// <summary>The file name the scripts source the map from.</summary>
    public const string ShellFileName = "server-map.env";

    public static string Release(string id) => $"{Releases}/{id}";

    public static string ApiUnit(string slot) => $"tableorder-api@{slot}.service";

    public static string Slot(string slot) => $"{Slots}/{slot}";

    /// <summary>The map as shell assignments, in the order above; bootstrap.sh and verify.sh source it.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Entries { get; } =
    [
        new("APP_USER", AppUser),
        new("BASE", Base),
        new("RELEASES", Releases),
        new("CURRENT", Current),
        new("PREVIOUS", Previous),
        new("SLOTS", Slots),
        new("RELEASE_VENV", ReleaseVenv),
        new("RELEASE_COMPLETE", ReleaseComplete),
        new("BUILD_USER", BuildUser),
        new("REQUIREMENTS_LOCK", RequirementsLock),
        new("CONF_DIR", ConfigDirectory),
        new("ENV_FILE", EnvFile),
        new("DB_CA_FILE", DatabaseCaFile),
        new("MIGRATE_ENV_FILE", MigrationEnvFile),
        new("LOG_DIR", LogDirectory),
        new("API_LOG", ApiLog),
        new("INSTANCE_METADATA", InstanceMetadataAddresses),
        new("DEPLOY_STATE_DIR", DeployStateDirectory),
        new("LOCK_DIR", Lock),
        new("AUDIT_LOG", AuditLog),
        new("BOOTSTRAP_STAMP", BootstrapStamp),
        new("BOOTSTRAP_FILES", BootstrapFiles),
        new("UNIT_TEMPLATE", ApiUnitTemplate),
        new("UNIT_FILE", UnitFile),
        new("STATE_DIR", StateDirectory),
        new("PENDING_DIR", PendingDirectory),
        new("LIVE_SLOT_FILE", LiveSlotFile),
        new("LIVE_CONF", NginxLiveFile),
        new("MAINTENANCE_CONF", NginxMaintenanceFile),
        new("MAINTENANCE_PASS", MaintenancePassFile),
        new("SITE_FILE", NginxSite),
        new("NGINX_ACCESS_LOG", NginxAccessLog),
        new("NGINX_ERROR_LOG", NginxErrorLog),
        new("LOGROTATE_FILE", LogrotateFile),
        new("PLACEHOLDER", Releases + "/" + Placeholder),
        new("ACME_WEBROOT", AcmeWebroot),
        new("ACME_ROOT_FILE", AcmeRootFile),
        new("CERTBOT_DEPLOY_HOOK", CertbotDeployHook),
        new("CERTBOT_DROP_IN", CertbotDropIn),
        new("API_RATE", ApiRequestsPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("API_BURST", ApiBurst.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("STREAMS_PER_CLIENT", StreamsPerClient.ToString(System.Globalization.CultureInfo.InvariantCulture)),
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
