namespace TableOrder.Build.Configuration;

/// <summary>Every argument of the build, parsed and checked once. Nothing else reads raw arguments.</summary>
public sealed record BuildOptions
{
    public required DeploymentEnvironment Environment { get; init; }

    /// <summary>The repository root: the folder that holds TableOrder.Build.sln.</summary>
    public required string RootDirectory { get; init; }

    /// <summary>Where this environment keeps its state: keys, passwords, plans, the machine image.</summary>
    public required string StateDirectory { get; init; }

    public required TerraformOptions Terraform { get; init; }

    /// <summary>Private key for SSH to the app server: --ssh-key, else the environment's default; null: neither (then SSM only).</summary>
    public string? SshKeyPath { get; init; }

    /// <summary>A host key pinned by hand ("ssh-ed25519 AAAA..."); null: the environment's own source.</summary>
    public string? SshHostKey { get; init; }

    /// <summary>LocalDown also deletes the local state.</summary>
    public bool Purge { get; init; }

    /// <summary>LocalDown and Rebuild also delete the machine image cache.</summary>
    public bool PurgeImage { get; init; }

    /// <summary>The Debian archive the local machine image is built from; null: this host's own.</summary>
    public Local.DebianMirror? DebianMirror { get; init; }

    /// <summary>The environment name typed into --confirm-rebuild; a production Rebuild runs only when it matches.</summary>
    public string? ConfirmRebuild { get; init; }

    /// <summary>This run rebuilds the stack from nothing before deploying (--target=Rebuild).</summary>
    public bool Rebuild => Targets.Contains("Rebuild", StringComparer.OrdinalIgnoreCase);

    public required ReleaseOptions Release { get; init; }

    /// <summary>Several app servers behind a load balancer (local: --servers) and the rolling roll-out across them.</summary>
    public ScaleOptions Scale { get; init; } = new();

    /// <summary>Snapshot, Restore and Patch: what to restore to, a server image, a reboot.</summary>
    public RecoveryOptions Recovery { get; init; } = new();

    public ServerTransport Transport { get; init; } = ServerTransport.Ssh;

    /// <summary>The site's DNS name given with --domain: HTTPS with an ACME certificate (Let's Encrypt; locally the stack's Pebble). Null: the stack's own (see Environments/SiteDomain.cs).</summary>
    public string? Domain { get; init; }

    /// <summary>--http-only: turn the stack's HTTPS off on purpose (never implied by a missing --domain).</summary>
    public bool HttpOnly { get; init; }

    /// <summary>The names of the arguments given on the command line, as typed.</summary>
    public IReadOnlyCollection<string> Given { get; init; } = [];

    /// <summary>The targets asked for on the command line.</summary>
    public required IReadOnlyList<string> Targets { get; init; }

    public string EnvironmentName => Environment.Name;

    /// <summary>The folder that holds every environment's state folder.</summary>
    public string StateRoot => Path.GetDirectoryName(StateDirectory)!;
}

/// <summary>What the Terraform targets need.</summary>
public sealed record TerraformOptions
{
    public required string WorkingDirectory { get; init; }

    public string? VarFile { get; init; }

    public string? BackendConfigFile { get; init; }

    public required string PlanFile { get; init; }

    /// <summary>A provider mirror folder named by the user (argument or environment variable); null: look for one.</summary>
    public string? MirrorDirectory { get; init; }

    public bool AutoApprove { get; init; }

    /// <summary>--reviewed-plan: the text summary of a reviewed plan that this run's plan must equal; null: no such check.</summary>
    public string? ReviewedPlan { get; init; }

    /// <summary>The environment name typed into --confirm-destroy; destroy runs only when it matches.</summary>
    public string? ConfirmDestroy { get; init; }
}

/// <summary>What the release, rollback, lock and log targets need.</summary>
public sealed record ReleaseOptions
{
    public required string AppDirectory { get; init; }

    public string? RollbackTo { get; init; }

    public TimeSpan LockWait { get; init; }

    public TimeSpan HealthTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public string Log { get; init; } = "api";

    public int Lines { get; init; } = 100;

    public bool Follow { get; init; }

    public bool Unlock { get; init; }
}

/// <summary>What Snapshot, Restore and Patch need.</summary>
public sealed record RecoveryOptions
{
    /// <summary>--to-time or --snapshot; neither: the latest restorable time.</summary>
    public Recovery.RestoreTarget Restore { get; init; } = Recovery.RestoreTarget.Latest;

    /// <summary>--server-image: Snapshot also images the app server.</summary>
    public bool ServerImage { get; init; }

    /// <summary>--reboot: Patch reboots after the updates; Snapshot reboots the server for its image.</summary>
    public bool Reboot { get; init; }
}

/// <summary>How the build runs commands on the server.</summary>
public enum ServerTransport
{
    Ssh,
    Ssm,
}
