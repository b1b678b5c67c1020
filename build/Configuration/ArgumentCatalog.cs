using System.Text;

namespace TableOrder.Build.Configuration;

/// <summary>One argument of the build: what it means, its default, how to write it. The tasks that use it say so (<see cref="UsesArgumentsAttribute"/>).</summary>
/// <param name="Name">The name without dashes.</param>
/// <param name="Description">The line --help and the README's table show.</param>
/// <param name="Default">What applies when it is left out; null: nothing.</param>
/// <param name="Example">How to write it, e.g. <c>--environment=production</c>.</param>
/// <param name="IsFlag">A switch: written alone (<c>--purge</c>), no value needed.</param>
public sealed record ArgumentSpec(string Name, string Description, string? Default, string Example, bool IsFlag = false)
{
    /// <summary>Every target takes it (no task declares it: the build itself reads it).</summary>
    public bool AppliesToEveryTarget { get; init; }

    /// <summary>The tasks that declare it; a target takes it when it or a task it runs is one of them.</summary>
    public IReadOnlyList<string> Targets => AppliesToEveryTarget ? [] : TaskDeclarations.Using(Name);
}

/// <summary>An argument the tasks that use it cannot run without, and when.</summary>
/// <param name="Argument">The argument that is required (by the tasks that declare it).</param>
/// <param name="When">Says when, for --help, from the environments.</param>
/// <param name="IsRequired">Given the parsed options: is it required in this run?</param>
/// <param name="IsGiven">Given the parsed options: was it given?</param>
/// <param name="Fix">What to type, for the error.</param>
public sealed record ArgumentRequirement(
    string Argument,
    Func<IEnumerable<DeploymentEnvironment>, string> When,
    Func<BuildOptions, bool> IsRequired,
    Func<BuildOptions, bool> IsGiven,
    Func<BuildOptions, string> Fix);

/// <summary>
/// The one catalog of the build's arguments. The parser, the per-target checks, --help and the
/// README's "Arguments" table (a unit test compares them) all read it.
/// </summary>
public static class ArgumentCatalog
{
    public static readonly IReadOnlyList<ArgumentSpec> Arguments =
    [
        new("environment", $"Where the pipeline runs: {string.Join(" or ", Environments.DeploymentEnvironments.All.Select(e => $"`{e.Name}`"))}; production is never implied.", Environments.DeploymentEnvironments.All[0].Name, "--environment=production") { AppliesToEveryTarget = true },
        new("state-dir", "Folder for state; each environment has its own folder below it, and each folder is its own local stack.", ".tableorder/", "--state-dir=.tableorder") { AppliesToEveryTarget = true },
        new("terraform-dir", "Terraform root module folder.", "terraform/", "--terraform-dir=terraform"),
        new("var-file", "A `.tfvars` file for plan.", "production: terraform/environments/production/terraform.tfvars when it exists", "--var-file=<path>"),
        new("backend-config", "A backend config file passed to `terraform init -backend-config`.", null, "--backend-config=terraform/environments/production/backend.hcl"),
        new("plan-file", "Where Plan saves and Provision applies the plan.", ".tableorder/<environment>/terraform.tfplan", "--plan-file=artifacts/production.tfplan"),
        new("terraform-mirror", "Provider mirror folder; terraform then installs providers from it only. Also `TABLEORDER_TERRAFORM_MIRROR`.", "found by the build", "--terraform-mirror=<dir>"),
        new("reviewed-plan", "A plan's text summary as Plan writes it beside the plan file (`<plan-file>.txt`), which this run's plan must read the same as before anything is applied (CI: the plan the reviewers saw). Another plan stops the run, naming the first line that differs.", null, "--reviewed-plan=artifacts/reviewed/production.tfplan.txt"),
        new("auto-approve", "Apply the saved plan without asking (CI).", null, "--auto-approve", IsFlag: true),
        new("confirm-destroy", "Destroy only runs when this names the environment.", null, "--confirm-destroy=production"),
        new("confirm-rebuild", "A production Rebuild (it replaces the app server) only runs when this names the environment.", null, "--confirm-rebuild=production"),
        new("ssh-key", "Private key file (unencrypted, OpenSSH or PEM) for SSH to the app server; production needs it unless `--transport=ssm`.", "local: made by the build", "--ssh-key=~/.ssh/table-order-key.pem"),
        new("ssh-host-key", "Production: the server's host key to pin (`ssh-ed25519 AAAA...` or a file holding it); local reads it from the machine's disk.", "production: read from the EC2 console output", "--ssh-host-key=\"ssh-ed25519 AAAA...\""),
        new("transport", "How the build reaches the server: `ssh` or `ssm` (production only: SSM Run Command, for a closed port 22).", "ssh", "--transport=ssm"),
        new("purge", "Also delete the local state (database, passwords, machine copy; the image cache stays).", null, "--purge", IsFlag: true),
        new("purge-image", "Also delete the machine image cache (and its downloaded packages), so the next start builds it again with mmdebstrap.", null, "--purge-image", IsFlag: true),
        new("debian-mirror", "Local and rehearsal: the Debian archive the machine image is built from and whose apt sources it gets (`http(s)://` or `file://`; security: the same place with `/debian-security`). Also `TABLEORDER_DEBIAN_MIRROR`. A new mirror makes a new image.", "this host's own apt sources' Debian archive, else http://deb.debian.org/debian", "--debian-mirror=http://deb.debian.org/debian"),
        new("domain", "The site's DNS name: HTTPS with a certificate from ACME (certbot, HTTP-01 through Nginx, renewed by its timer), plain HTTP redirects, HSTS. Production: Let's Encrypt, the name's A record must point at the server (terraform's `domain_name` and `route53_zone_id` create it). Local and rehearsal: the stack's Pebble, any name, served on the stack's HTTPS port (8443 for the default stack; `--target=LocalStatus` shows each stack's). Without it the stack keeps the domain it has (the last Bootstrap's; production: terraform's `site_domain` first), or is HTTP only when it never had one, and the run says so.", "the stack's domain; none: HTTP only", "--domain=shop.example.com"),
        new("http-only", "Turn the stack's HTTPS off on purpose: the site goes back to plain HTTP and the stack forgets its domain (production: also remove terraform's `domain_name`, which a later Deploy would serve again). The run warns what that means for browsers that saw its one-year HSTS header (they keep asking for HTTPS). Not with `--domain`.", null, "--http-only", IsFlag: true),
        new("app-dir", "The app to deploy: a folder with `app/main.py`, `alembic.ini`, `ui/`.", "app-deploy/reference-app/", "--app-dir=<folder>"),
        new("release", "The release id to go back to (12 hex digits, as --target=Status lists them).", "the previous release", "--release=<id>"),
        new("lock-wait", "Seconds to wait for another deploy's lock instead of failing at once.", "0", "--lock-wait=60"),
        new("health-timeout", "Seconds a new release gets to answer /api/health before it is rolled back.", "60", "--health-timeout=60"),
        new("servers", "Local and rehearsal: how many app-server machines the stack runs; above 1, HAProxy in front plays the load balancer and its URL is the stack's (the rehearsal applies app_server_count with it, and its AWS's target group moves HAProxy). Remembered by the stack. A machine added to a running stack joins on its current release before it takes traffic.", "1 (or the stack's current count)", "--servers=3"),
        new("batch-size", "How many servers a rolling Activate or Rollback drains and switches at a time.", "1", "--batch-size=2"),
        new("drain-timeout", "Seconds to wait for a drained server's open requests and streams before its switch (SSE clients reconnect) or its reboot.", "10", "--drain-timeout=10"),
        new("log", "Which log: `api` or `nginx`.", "api", "--log=nginx"),
        new("lines", "How many lines of the log.", "100", "--lines=100"),
        new("follow", "Keep streaming new lines until Ctrl+C.", null, "--follow", IsFlag: true),
        new("unlock", "Remove the deploy lock (a stale one, whose build died).", null, "--unlock", IsFlag: true),
        new("to-time", "The point in time to restore the database to, UTC ISO 8601 (`Z`); from the oldest backup to the latest restorable time, as --target=Status shows them.", "the latest restorable time", "--to-time=2026-12-01T10:15:30Z"),
        new("snapshot", "The manual snapshot to restore instead of a point in time: its name, as --target=Status and Snapshot's or Migrate's `snapshot` in last-run.json give it.", null, "--snapshot=tableorder-manual-20261201t101530z-1a2b3c4d5e6f"),
        new("server-image", "Production: also an image of the app server (EC2 CreateImage, tagged like the snapshot); no reboot unless `--reboot`.", null, "--server-image", IsFlag: true),
        new("reboot", "Patch: reboot after the updates (one server: its downtime measured; several: one at a time, drained first). Snapshot: reboot the server for a consistent image (with `--server-image`).", null, "--reboot", IsFlag: true),
    ];

    public static readonly IReadOnlyList<ArgumentRequirement> Requirements =
    [
        new(
            "ssh-key",
            // production's key pair is the user's; local and the rehearsal have the local stack's own login key
            environments => $"{string.Join(", ", environments.Where(e => e.DefaultSshKey is null).Select(e => e.Name))} over SSH (not with --transport=ssm)",
            o => o.Transport == ServerTransport.Ssh,
            o => o.SshKeyPath is not null,
            o => $"add --ssh-key=<private key file> (e.g. --ssh-key=~/.ssh/table-order-key.pem), or --transport=ssm to reach the server through SSM instead"),
        new(
            "confirm-destroy",
            _ => "always",
            _ => true,
            o => o.Terraform.ConfirmDestroy is not null,
            o => $"it deletes every resource of {o.EnvironmentName}, the database included (a final snapshot is kept). To go ahead, add --confirm-destroy={o.EnvironmentName}"),
        new(
            "confirm-rebuild",
            environments => $"in {string.Join(", ", environments.Where(e => e.RebuildNeedsConfirmation).Select(e => e.Name))}",
            o => o.Environment.RebuildNeedsConfirmation,
            o => o.ConfirmRebuild is not null,
            o => $"it replaces the app server of {o.EnvironmentName} (a new instance through a reviewed plan) and deploys to it. To go ahead, add --confirm-rebuild={o.EnvironmentName}"),
    ];

    /// <summary>Arguments the host understands itself (Frosting's options); they are known, not typos.</summary>
    public static readonly IReadOnlyList<string> HostArguments =
        ["target", "t", "verbosity", "v", "working", "w", "dryrun", "noop", "whatif", "tree", "showtree",
         "description", "descriptions", "showdescription", "showdescriptions", "exclusive", "e", "noreport", "help", "h"];

    public static ArgumentSpec? Find(string name) =>
        Arguments.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The README's "Arguments" table, generated: a unit test keeps the README equal to it.</summary>
    public static string MarkdownTable()
    {
        var table = new StringBuilder();
        table.Append("| argument | targets | default | meaning |\n");
        table.Append("| --- | --- | --- | --- |\n");
        foreach (var argument in Arguments)
        {
            var targets = argument.AppliesToEveryTarget ? "every target" : string.Join(", ", argument.Targets);
            table.Append(CultureInfoInvariant($"| `--{argument.Name}` | {targets} | {argument.Default ?? "-"} | {argument.Description} |\n"));
        }

        return table.ToString();
    }

    /// <summary>The arguments, by target, for --help.</summary>
    public static string HelpText(IEnumerable<TaskDeclaration> targets, IReadOnlyList<DeploymentEnvironment> environments)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(environments);
        var text = new StringBuilder();
        text.Append("ARGUMENTS (--name=value; each target takes only its own, and the ones of the tasks it runs):\n");
        text.Append("  every target:\n");
        foreach (var argument in Arguments.Where(a => a.AppliesToEveryTarget))
        {
            text.Append(CultureInfoInvariant($"    {"--" + argument.Name,-18} {Plain(argument.Description)}{DefaultText(argument)}\n"));
        }

        foreach (var (name, _, arguments, _) in targets)
        {
            var own = Arguments.Where(a => arguments.Contains(a.Name)).ToList();
            if (own.Count == 0)
            {
                continue;
            }

            text.Append(CultureInfoInvariant($"  {name}:\n"));
            foreach (var argument in own)
            {
                var required = Requirements.FirstOrDefault(r => r.Argument == argument.Name);
                var requiredText = required is null ? string.Empty : $" Required: {required.When(environments)}.";
                text.Append(CultureInfoInvariant($"    {"--" + argument.Name,-18} {Plain(argument.Description)}{DefaultText(argument)}{requiredText}\n"));
            }
        }

        text.Append("  Deploy and Rebuild take the arguments of every task they run (Provision ... Smoke).\n");
        text.Append("ENVIRONMENTS: ").Append(string.Join("; ", environments.Select(e => $"{e.Name}: {e.Description}"))).Append('\n');
        return text.ToString();
    }

    private static string DefaultText(ArgumentSpec argument) => argument.Default is null ? string.Empty : $" (default: {argument.Default})";

    private static string Plain(string markdown) => markdown.Replace("`", string.Empty, StringComparison.Ordinal);

    private static string CultureInfoInvariant(FormattableString text) => FormattableString.Invariant(text);
}
