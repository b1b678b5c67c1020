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

    /// <summary>
    /// The options of this run, each value checked. Which arguments the run's tasks take and need is
    /// checked in Setup, against the tasks Cake is about to run (<see cref="ArgumentUse"/>).
    /// </summary>
    /// <param name="environments">The environments --environment names (tests add one); null: the build's.</param>
    public static BuildOptions Parse(
        IReadOnlyDictionary<string, string?> arguments,
        IReadOnlyList<string> targets,
        Func<string, string?> environmentVariable,
        string workingDirectory,
        IReadOnlyList<DeploymentEnvironment>? environments = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environmentVariable);
        environments ??= Environments.DeploymentEnvironments.All;
        RejectUnknown(arguments);
        RejectMissingValues(arguments, environments);

        var root = FindRoot(workingDirectory);
        var environment = ParseEnvironment(Value(arguments, "environment"), environments);

        var stateRoot = ExistingOrNewDirectory(arguments, "state-dir", root) ?? Path.Combine(root, ".tableorder");
        var stateDirectory = Path.Combine(stateRoot, environment.Name);

        var terraformDirectory = Path.GetFullPath(Value(arguments, "terraform-dir") ?? "terraform", root);
        if (!Directory.Exists(terraformDirectory) || Directory.GetFiles(terraformDirectory, "*.tf").Length == 0)
        {
            throw new BuildArgumentException(
                $"--terraform-dir: '{terraformDirectory}' is not a Terraform module folder (no *.tf files). Pass the folder that holds the root module, e.g. --terraform-dir=terraform.");
        }

        var varFile = ExistingFile(arguments, "var-file", root);
        if (varFile is null && environment.ConventionalVarFile is { } conventional && File.Exists(Path.Combine(terraformDirectory, conventional)))
        {
            varFile = Path.Combine(terraformDirectory, conventional);
        }

        var confirmDestroy = Confirmation(arguments, "confirm-destroy", "destroy", environment);
        var backendConfig = ExistingFile(arguments, "backend-config", root);
        if (backendConfig is not null && !HasBackendBlock(terraformDirectory))
        {
            throw new BuildArgumentException(
                $"--backend-config={Value(arguments, "backend-config")} configures a state backend, but the Terraform root '{terraformDirectory}' declares none: " +
                "terraform would ignore the file and keep the state on this machine. Copy terraform/backend.tf.example to terraform/backend.tf (S3 backend), " +
                "or leave --backend-config out to use local state.");
        }

        var confirmRebuild = Confirmation(arguments, "confirm-rebuild", "rebuild", environment);
        var planFile = Value(arguments, "plan-file") is { } plan
            ? Path.GetFullPath(plan, root)
            : Path.Combine(stateDirectory, "terraform.tfplan");

        var mirror = MirrorDirectory(arguments, environmentVariable, root);
        targets = targets.Count == 0 ? ["Default"] : targets;
        return new BuildOptions
        {
            Environment = environment,
            Targets = targets,
            Given = [.. arguments.Keys],
            RootDirectory = root,
            StateDirectory = stateDirectory,
            // the environment's default key is decided here, once: the tasks and the check read this
            SshKeyPath = PrivateKey(arguments, root) ?? environment.DefaultSshKey?.Invoke(root),
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
    }

    /// <summary>--confirm-destroy and --confirm-rebuild: when given, the environment's name, exactly.</summary>
    private static string? Confirmation(IReadOnlyDictionary<string, string?> arguments, string name, string verb, DeploymentEnvironment environment)
    {
        var value = Value(arguments, name);
        if (value is not null && !string.Equals(value, environment.Name, StringComparison.Ordinal))
        {
            throw new BuildArgumentException(
                $"--{name}={value} does not match --environment={environment.Name}. To {verb} {environment.Name}, type --{name}={environment.Name}.");
        }

        return value;
    }

    /// <summary>An argument written without its value (--environment= or a bare --environment) is an error, never a default.</summary>
    private static void RejectMissingValues(IReadOnlyDictionary<string, string?> arguments, IReadOnlyList<DeploymentEnvironment> environments)
    {
        foreach (var (name, value) in arguments)
        {
            if (ArgumentCatalog.Find(name) is { IsFlag: false } argument && string.IsNullOrWhiteSpace(value))
            {
                var values = argument.Name == "environment"
                    ? string.Join(" or ", environments.Select(e => $"--environment={e.Name}"))
                    : argument.Example;
                var fallback = argument.Default is null ? string.Empty : $" (the default: {argument.Default})";
                throw new BuildArgumentException($"--{argument.Name} needs a value: type {values}, or leave --{argument.Name} out{fallback}.");
            }
        }
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

    private static DeploymentEnvironment ParseEnvironment(string? value, IReadOnlyList<DeploymentEnvironment> environments) =>
        value is null
            ? environments[0]
            : environments.FirstOrDefault(e => string.Equals(e.Name, value.Trim(), StringComparison.OrdinalIgnoreCase)) ?? throw new BuildArgumentException(
                $"--environment={value} is not an environment of this build. Use {string.Join(" or ", environments.Select(e => $"--environment={e.Name} ({e.Description})"))}.");

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
}
