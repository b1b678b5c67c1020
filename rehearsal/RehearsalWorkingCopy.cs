using System.Globalization;

namespace TableOrder.Build.Rehearsal;

/// <summary>
/// The rehearsal's working copy of the root module: the module as committed (its lock file included,
/// which init verifies the provider against), plus one generated file, rehearsal_override.tf, that
/// points every AWS endpoint of the provider at moto with test credentials. The real root is never
/// edited; the copy keeps its terraform state between runs, as a root module with local state does.
/// Its var file has the same shape as production's terraform.tfvars.
/// </summary>
public static class RehearsalWorkingCopy
{
    public const string OverrideFile = "rehearsal_override.tf";

    /// <summary>moto's test credentials (no AWS account behind them).</summary>
    public const string AccessKey = "AKIAREHEARSALMOTO000";

    public const string SecretKey = "rehearsal-moto-test-secret";

    /// <summary>Every service endpoint the root module's resources and data sources use (the aws provider's names for them).</summary>
    public static readonly IReadOnlyList<string> Endpoints =
        ["acm", "autoscaling", "cloudwatch", "ec2", "elasticache", "elbv2", "iam", "kms", "logs", "rds", "route53", "s3", "secretsmanager", "sns", "ssm", "sts"];

    /// <summary>What the copy keeps of its own between runs: terraform's state and its provider cache.</summary>
    private static readonly string[] Kept = ["terraform.tfstate", "terraform.tfstate.backup", ".terraform"];

    /// <summary>Files of the root module that are not the module (tests, variables files, plans, a remote backend).</summary>
    public static bool IsModuleFile(string relativePath)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        var first = relativePath.Split('/')[0];
        return first is not (".terraform" or "tests" or "backend.tf") &&
            !relativePath.Contains(".tfstate", StringComparison.Ordinal) &&
            !relativePath.EndsWith(".tfvars", StringComparison.Ordinal) &&
            !relativePath.EndsWith(".tfplan", StringComparison.Ordinal);
    }

    /// <summary>Makes <paramref name="copy"/> the module of <paramref name="module"/> again, keeping the copy's state, plus the override.</summary>
    public static void Sync(string module, string copy, string motoUrl)
    {
        Directory.CreateDirectory(copy);
        foreach (var entry in Directory.EnumerateFileSystemEntries(copy).Where(e => !Kept.Contains(Path.GetFileName(e))))
        {
            if (Directory.Exists(entry))
            {
                Directory.Delete(entry, recursive: true);
            }
            else
            {
                File.Delete(entry);
            }
        }

        foreach (var file in Directory.EnumerateFiles(module, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(module, file).Replace('\\', '/');
            if (IsModuleFile(relative))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(copy, relative))!);
                File.Copy(file, Path.Combine(copy, relative));
            }
        }

        File.WriteAllText(Path.Combine(copy, OverrideFile), Override(motoUrl));
    }

    /// <summary>
    /// The provider override: every endpoint on moto, its test credentials, no credential or metadata
    /// checks. The account id is asked (moto answers 123456789012), as terraform asks AWS.
    /// </summary>
    public static string Override(string motoUrl)
    {
        var endpoints = string.Join("\n", Endpoints.Select(service => $"    {service,-14} = \"{motoUrl}\""));
        return $$"""
            # Written by the rehearsal (rehearsal/RehearsalWorkingCopy.cs) into its copy of the root module:
            # every AWS endpoint is the rehearsal's moto on this machine. The real root is never edited.
            provider "aws" {
              access_key                  = "{{AccessKey}}"
              secret_key                  = "{{SecretKey}}"
              skip_credentials_validation = true
              skip_metadata_api_check     = true
              skip_region_validation      = true
              s3_use_path_style           = true
              endpoints {
            {{endpoints}}
              }
            }

            """.Replace("\r", string.Empty, StringComparison.Ordinal);
    }

    /// <summary>The rehearsal's variables, in the shape of production's terraform.tfvars (terraform/environments/production).</summary>
    /// <summary>Whom moto answers every call as (account 123456789012, user moto), as an IAM user ARN.</summary>
    public const string DeployPrincipal = "arn:aws:iam::123456789012:user/moto";

    public static string VarFile(string region, int servers, string publicKey)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        var lines = new List<string>
        {
            "# Written by the rehearsal (rehearsal/RehearsalWorkingCopy.cs): production's variables, on this machine.",
            $"region            = \"{region}\"",
            "ssh_allowed_cidrs = [\"127.0.0.1/32\"]",
            "# the key pair is made from the stack's login key (production names an existing one)",
            $"ssh_public_key    = \"{publicKey.Trim()}\"",
            "# moto's caller (its sts get-caller-identity) deploys: the release bucket's writer, required scaled out",
            $"deploy_principal_arns = [\"{DeployPrincipal}\"]",
        };
        if (servers > 1)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"app_server_count  = {servers}"));
        }

        return string.Join('\n', lines) + "\n";
    }
}
