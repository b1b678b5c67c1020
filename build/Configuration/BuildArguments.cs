using System.Text.RegularExpressions;

namespace TableOrder.Build.Configuration;

/// <summary>
/// Parses the Cake arguments into <see cref="BuildOptions"/>. Reads only: no side effects, so a bad
/// argument stops the build before anything has happened.
/// </summary>
public static partial class BuildArguments
{
    public const string MirrorVariable = Terraform.ProviderMirror.EnvironmentVariable;

    /// <summary>Every argument the build understands, with the line --help and the README show (from <see cref="ArgumentCatalog"/>).</summary>
    public static readonly IReadOnlyDictionary<string, string> Known =
        ArgumentCatalog.Arguments.ToDictionary(a => a.Name, a => a.Description, StringComparer.OrdinalIgnoreCase);

    public static BuildOptions Parse(
        IReadOnlyDictionary<string, string?> arguments,
        IReadOnlyList<string> targets,
        Func<string, string?> environmentVariable,
        string workingDirectory)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environmentVariable);
        RejectUnknown(arguments);
        RejectMissingValues(arguments);

        var root = FindRoot(workingDirectory);
        var environment = ParseEnvironment(Value(arguments, "environment"));
        var environmentName = environment.ToString().ToLowerInvariant();

        var stateRoot = ExistingOrNewDirectory(arguments, "state-dir", root) ?? Path.Combine(root, ".tableorder");
        var stateDirectory = Path.Combine(stateRoot, environmentName);

        var terraformDirectory = Path.GetFullPath(Value(arguments, "terraform-dir") ?? "terraform", root);
        if (!Directory.Exists(terraformDirectory) || Directory.GetFiles(terraformDirectory, "*.tf").Length == 0)
        {
            throw new BuildArgumentException(
                $"--terraform-dir: '{terraformDirectory}' is not a Terraform module folder (no *.tf files). Pass the folder that holds the root module, e.g. --terraform-dir=terraform.");
        }

        var varFile = ExistingFile(arguments, "var-file", root);
        if (varFile is null && environment == DeploymentEnvironment.Production)
        {
            var conventional = Path.Combine(terraformDirectory, "environments", "production", "terraform.tfvars");
            varFile = File.Exists(conventional) ? conventional : null;
        }

        var confirmDestroy = Value(arguments, "confirm-destroy");
        if (arguments.ContainsKey("confirm-destroy") && string.IsNullOrWhiteSpace(confirmDestroy))
        {
            throw new BuildArgumentException($"--confirm-destroy needs the environment's name: --confirm-destroy={environmentName}.");
        }

        if (confirmDestroy is not null && !string.Equals(confirmDestroy, environmentName, StringComparison.Ordinal))
        {
            throw new BuildArgumentException(
                $"--confirm-destroy={confirmDestroy} does not match --environment={environmentName}. To destroy {environmentName}, type --confirm-destroy={environmentName}.");
        }

        var backendConfig = ExistingFile(arguments, "backend-config", root);
        if (backendConfig is not null && !HasBackendBlock(terraformDirectory))
        {
            throw new BuildArgumentException(
                $"--backend-config={Value(arguments, "backend-config")} configures a state backend, but the Terraform root '{terraformDirectory}' declares none: " +
                "terraform would ignore the file and keep the state on this machine. Copy terraform/backend.tf.example to terraform/backend.tf (S3 backend), " +
                "or leave --backend-config out to use local state.");
        }

        var confirmRebuild = Value(arguments, "confirm-rebuild");
        if (confirmRebuild is not null && !string.Equals(confirmRebuild, environmentName, StringComparison.Ordinal))
        {
            throw new BuildArgumentException(
                $"--confirm-rebuild={confirmRebuild} does not match --environment={environmentName}. To rebuild {environmentName}, type --confirm-rebuild={environmentName}.");
        }

        var planFile = Value(arguments, "plan-file") is { } plan
            ? Path.GetFullPath(plan, root)
            : Path.Combine(stateDirectory, "terraform.tfplan");

        var mirror = MirrorDirectory(arguments, environmentVariable, root);
        targets = targets.Count == 0 ? ["Default"] : targets;
        RejectTargetsOutsideTheirEnvironment(targets, environment, confirmDestroy);

        var options = new BuildOptions
        {
            Environment = environment,
            Targets = targets,
            RootDirectory = root,
            StateDirectory = stateDirectory,
            SshKeyPath = PrivateKey(arguments, root),
            SshHostKey = HostKey(arguments, root, environment),
            Purge = Flag(arguments, "purge"),
            PurgeImage = Flag(arguments, "purge-image"),
            DebianMirror = DebianMirror(arguments, environmentVariable),
            ConfirmRebuild = confirmRebuild,
            Domain = Domain(Value(arguments, "domain"), arguments.ContainsKey("domain")),
            HttpOnly = HttpOnly(arguments),
            Transport = Transport(Value(arguments, "transport"), environment),
            Release = new ReleaseOptions
            {
                AppDirectory = AppDirectory(arguments, root),
                RollbackTo = ReleaseId(Value(arguments, "release")),
                LockWait = TimeSpan.FromSeconds(Number(arguments, "lock-wait", 0, 0, 3600)),
                HealthTimeout = TimeSpan.FromSeconds(Number(arguments, "health-timeout", 60, 5, 1800)),
                Log = LogName(Value(arguments, "log")),
                Lines = Number(arguments, "lines", 100, 1, 100_000),
                Follow = Flag(arguments, "follow"),
                Unlock = Flag(arguments, "unlock"),
            },
            Scale = Scale(arguments, environment),
            Recovery = Recovery(arguments, environment, targets),
            Terraform = new TerraformOptions
            {
                WorkingDirectory = terraformDirectory,
                VarFile = varFile,
                BackendConfigFile = backendConfig,
                PlanFile = planFile,
                MirrorDirectory = mirror,
                AutoApprove = Flag(arguments, "auto-approve"),
                ReviewedPlan = ExistingFile(arguments, "reviewed-plan", root),
                ConfirmDestroy = confirmDestroy,
            },
        };
        CheckTargets(arguments, options, TaskGraph.Build);
        return options;
    }

    /// <summary>
    /// Each argument given must be used by a task this run reaches, and each argument those tasks
    /// require must be there. Targets the build does not have are left to the host, which lists the real ones.
    /// </summary>
    internal static void CheckTargets(IReadOnlyDictionary<string, string?> arguments, BuildOptions options, TaskGraph graph)
    {
        if (options.Targets.Any(t => !graph.Contains(t)))
        {
            return;
        }

        var reached = graph.Reached(options.Targets);
        var targets = string.Join(" ", options.Targets.Select(t => $"--target={Canonical(graph, t)}"));
        foreach (var name in arguments.Keys)
        {
            if (ArgumentCatalog.Find(name) is not { AppliesToEveryTarget: false } argument || argument.Targets.Any(reached.Contains))
            {
                continue;
            }

            throw new BuildArgumentException(
                $"--{argument.Name} does not apply to {targets}: it is for {string.Join(", ", argument.Targets)} only. Leave --{argument.Name} out, or run a target that uses it (e.g. --target={argument.Targets[0]} {argument.Example}).");
        }

        foreach (var requirement in ArgumentCatalog.Requirements)
        {
            if (requirement.Targets.Any(reached.Contains) && requirement.IsRequired(options) && !requirement.IsGiven(options))
            {
                var target = options.Targets.Count == 1 ? targets : $"--target={requirement.Targets.First(reached.Contains)}";
                throw new BuildArgumentException(
                    $"--{requirement.Argument} is required for {target} with --environment={options.EnvironmentName}: {requirement.Fix(options)}.");
            }
        }
    }

    private static string Canonical(TaskGraph graph, string target) =>
        graph.Names.FirstOrDefault(n => string.Equals(n, target, StringComparison.OrdinalIgnoreCase)) ?? target;

    /// <summary>An argument written without its value (--environment= or a bare --environment) is an error, never a default.</summary>
    private static void RejectMissingValues(IReadOnlyDictionary<string, string?> arguments)
    {
        foreach (var (name, value) in arguments)
        {
            if (ArgumentCatalog.Find(name) is { IsFlag: false } argument && string.IsNullOrWhiteSpace(value))
            {
                var values = argument.Name == "environment"
                    ? string.Join(" or ", ArgumentCatalog.Environments.Select(e => $"--environment={e.Name}"))
                    : argument.Example;
                var fallback = argument.Default is null ? string.Empty : $" (the default: {argument.Default})";
                throw new BuildArgumentException($"--{argument.Name} needs a value: type {values}, or leave --{argument.Name} out{fallback}.");
            }
        }
    }

    /// <summary>A private key SSH can use as it is: a public key, an encrypted key or another format is refused here, not at the first connection.</summary>
    private static string? PrivateKey(IReadOnlyDictionary<string, string?> arguments, string root)
    {
        var path = ExistingFile(arguments, "ssh-key", root);
        return path is not null && Remote.PrivateKeyCheck.Problem(path) is { } problem
            ? throw new BuildArgumentException($"--ssh-key: {problem}")
            : path;
    }

    /// <summary>Targets that act on the AWS stack make no sense locally; Destroy needs its confirmation.</summary>
    private static void RejectTargetsOutsideTheirEnvironment(IEnumerable<string> targets, DeploymentEnvironment environment, string? confirmDestroy)
    {
        foreach (var target in targets)
        {
            var productionOnly = ProductionOnlyTargets.FirstOrDefault(t => string.Equals(t, target, StringComparison.OrdinalIgnoreCase));
            if (productionOnly is not null && environment is not (DeploymentEnvironment.Production or DeploymentEnvironment.Rehearsal))
            {
                throw new BuildArgumentException(
                    $"--target={productionOnly} acts on the AWS stack: add --environment=production. The local environment has no Terraform state; --target=Validate checks the Terraform offline and --target=LocalStatus shows the local stack.");
            }

            if (string.Equals(target, "Destroy", StringComparison.OrdinalIgnoreCase) && confirmDestroy is null)
            {
                var name = environment.ToString().ToLowerInvariant();
                throw new BuildArgumentException(
                    $"--target=Destroy deletes every resource of {name}, the database included (a final snapshot is kept). To go ahead, add --confirm-destroy={name}.");
            }
        }
    }

    private static readonly string[] ProductionOnlyTargets = ["Plan", "Outputs", "Destroy"];

    private static string AppDirectory(IReadOnlyDictionary<string, string?> arguments, string root)
    {
        // The default (the reference app) is checked when it is packed; a named folder, here.
        if (Value(arguments, "app-dir") is not { } named)
        {
            return Path.Combine(root, "app-deploy", "reference-app");
        }

        var path = Path.GetFullPath(ExpandHome(named), root);
        if (!Directory.Exists(path))
        {
            throw new BuildArgumentException($"--app-dir: the folder '{path}' does not exist. Name the app's folder (it holds app/main.py and alembic.ini), or leave --app-dir out for the reference app.");
        }

        if (!File.Exists(Path.Combine(path, "app", "main.py")) || !File.Exists(Path.Combine(path, "alembic.ini")))
        {
            throw new BuildArgumentException($"--app-dir: '{path}' is not a Table Order app: it needs app/main.py (served as app.main:app) and alembic.ini.");
        }

        return path;
    }

    private static ServerTransport Transport(string? value, DeploymentEnvironment environment) =>
        value?.ToLowerInvariant() switch
        {
            null or "ssh" => ServerTransport.Ssh,
            "ssm" when environment is DeploymentEnvironment.Production or DeploymentEnvironment.Rehearsal => ServerTransport.Ssm,
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
        if (serverImage && environment == DeploymentEnvironment.Local)
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
        if (arguments.ContainsKey("servers") && environment == DeploymentEnvironment.Production)
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

    private static int Number(IReadOnlyDictionary<string, string?> arguments, string name, int fallback, int min, int max)
    {
        if (!arguments.ContainsKey(name))
        {
            return fallback;
        }

        var text = Value(arguments, name);
        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) && number >= min && number <= max
            ? number
            : throw new BuildArgumentException($"--{name}={text} is not a whole number from {min} to {max}, e.g. --{name}={fallback}.");
    }

    /// <summary>An OpenSSH public key line, given inline or as a file.</summary>
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

    private static string? HostKey(IReadOnlyDictionary<string, string?> arguments, string root, DeploymentEnvironment environment)
    {
        if (Value(arguments, "ssh-host-key") is not { } value)
        {
            return arguments.ContainsKey("ssh-host-key") ? throw new BuildArgumentException("--ssh-host-key needs a key: --ssh-host-key=\"ssh-ed25519 AAAA...\" or a file that holds it.") : null;
        }

        if (environment == DeploymentEnvironment.Local)
        {
            throw new BuildArgumentException(
                "--ssh-host-key does not apply to --environment=local: the build reads the local machine's host key from its disk and pins it. Leave --ssh-host-key out.");
        }

        var file = Path.GetFullPath(ExpandHome(value), root);
        var line = File.Exists(file) ? File.ReadAllText(file).Trim() : value;
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 && parts[0].StartsWith("ssh-", StringComparison.Ordinal) || parts.Length >= 2 && parts[0].StartsWith("ecdsa-", StringComparison.Ordinal)
            ? $"{parts[0]} {parts[1]}"
            : throw new BuildArgumentException($"--ssh-host-key: '{value}' is neither a key line like 'ssh-ed25519 AAAA...' nor a file holding one.");
    }

    private static DeploymentEnvironment ParseEnvironment(string? value) =>
        value is null
            ? ArgumentCatalog.Environments[0].Value
            : ArgumentCatalog.FindEnvironment(value.Trim())?.Value ?? throw new BuildArgumentException(
                $"--environment={value} is not an environment of this build. Use {string.Join(" or ", ArgumentCatalog.Environments.Select(e => $"--environment={e.Name} ({e.Description})"))}.");

    private static void RejectUnknown(IReadOnlyDictionary<string, string?> arguments)
    {
        foreach (var name in arguments.Keys)
        {
            if (Known.ContainsKey(name) || ArgumentCatalog.HostArguments.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            var suggestion = Known.Keys
                .Select(k => (Name: k, Distance: EditDistance(name.ToLowerInvariant(), k)))
                .OrderBy(k => k.Distance)
                .First();
            var hint = suggestion.Distance <= 3 ? $" Did you mean --{suggestion.Name}?" : string.Empty;
            throw new BuildArgumentException(
                $"--{name} is not an argument of this build.{hint} See the arguments table in README.md or run with --help.");
        }
    }

    private static string? Value(IReadOnlyDictionary<string, string?> arguments, string name) =>
        arguments.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    /// <summary>A bare --flag arrives with no value and means true.</summary>
    private static bool Flag(IReadOnlyDictionary<string, string?> arguments, string name)
    {
        if (!arguments.TryGetValue(name, out var value))
        {
            return false;
        }

        return value?.Trim().ToLowerInvariant() switch
        {
            null or "" or "true" or "yes" or "1" => true,
            "false" or "no" or "0" => false,
            _ => throw new BuildArgumentException($"--{name}={value} is not true or false. Write --{name} alone to turn it on."),
        };
    }

    /// <summary>True when a *.tf file of the root module has a <c>backend "..." {</c> block (comments skipped).</summary>
    public static bool HasBackendBlock(string terraformDirectory) =>
        Directory.GetFiles(terraformDirectory, "*.tf").Any(file => File.ReadLines(file)
            .Select(line => line.TrimStart())
            .Any(line => !line.StartsWith('#') && !line.StartsWith("//", StringComparison.Ordinal) && BackendBlock().IsMatch(line)));

    private static string? ExistingFile(IReadOnlyDictionary<string, string?> arguments, string name, string root)
    {
        if (!arguments.ContainsKey(name))
        {
            return null;
        }

        var value = Value(arguments, name) ?? throw new BuildArgumentException($"--{name} needs a file path: --{name}=<path>.");
        var path = Path.GetFullPath(ExpandHome(value), root);
        return File.Exists(path)
            ? path
            : throw new BuildArgumentException($"--{name}: the file '{path}' does not exist. Check the path, or leave --{name} out to use the default.");
    }

    private static string? ExistingOrNewDirectory(IReadOnlyDictionary<string, string?> arguments, string name, string root)
    {
        if (!arguments.ContainsKey(name))
        {
            return null;
        }

        var value = Value(arguments, name) ?? throw new BuildArgumentException($"--{name} needs a folder: --{name}=<path>.");
        var path = Path.GetFullPath(ExpandHome(value), root);
        return File.Exists(path)
            ? throw new BuildArgumentException($"--{name}: '{path}' is a file. Name a folder (it is created when missing).")
            : path;
    }

    /// <summary>--debian-mirror, else TABLEORDER_DEBIAN_MIRROR; null: the host's own (found when the image is built).</summary>
    private static Local.DebianMirror? DebianMirror(IReadOnlyDictionary<string, string?> arguments, Func<string, string?> environmentVariable)
    {
        var (source, value) = arguments.ContainsKey("debian-mirror")
            ? ("--debian-mirror", Value(arguments, "debian-mirror"))
            : (Local.DebianMirror.EnvironmentVariable, environmentVariable(Local.DebianMirror.EnvironmentVariable));
        if (value is null && source == "--debian-mirror")
        {
            throw new BuildArgumentException("--debian-mirror needs the URL of a Debian archive: --debian-mirror=http://deb.debian.org/debian.");
        }

        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return Local.DebianMirror.IsArchiveUrl(value.Trim())
            ? Local.DebianMirror.FromArchive(value.Trim())
            : throw new BuildArgumentException($"{source}: '{value}' is not the URL of a Debian archive. Type an http(s):// or file:// URL, e.g. --debian-mirror=http://deb.debian.org/debian (or your local mirror's).");
    }

    private static string? MirrorDirectory(IReadOnlyDictionary<string, string?> arguments, Func<string, string?> environmentVariable, string root)
    {
        var (source, value) = arguments.ContainsKey("terraform-mirror")
            ? ("--terraform-mirror", Value(arguments, "terraform-mirror") ?? throw new BuildArgumentException("--terraform-mirror needs a folder: --terraform-mirror=<dir>."))
            : (MirrorVariable, environmentVariable(MirrorVariable));
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var path = Path.GetFullPath(ExpandHome(value), root);
        if (!Directory.Exists(path))
        {
            throw new BuildArgumentException($"{source}: the folder '{path}' does not exist. Name a provider mirror folder (one that holds registry.terraform.io/), or leave it out to let the build look for one.");
        }

        return path;
    }

    private static string FindRoot(string workingDirectory)
    {
        for (var directory = new DirectoryInfo(workingDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "TableOrder.Build.sln")))
            {
                return directory.FullName;
            }
        }

        throw new BuildArgumentException(
            $"No TableOrder.Build.sln in '{workingDirectory}' or above. Run the build from the repository, or pass --working=<repository folder>.");
    }

    private static string ExpandHome(string path) =>
        path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), path[2..])
            : path;

    private static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
            }
        }

        return d[a.Length, b.Length];
    }

    [GeneratedRegex(@"^backend\s+""[A-Za-z0-9_-]+""\s*\{")]
    private static partial Regex BackendBlock();
}
