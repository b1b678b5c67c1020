using System.Text.RegularExpressions;
using TableOrder.Build.Configuration;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Workflows;

/// <summary>
/// Supply chain and who may deploy: every action pinned by commit, deploys only from main, and a
/// --backend-config the terraform root cannot use is an error of the build, not a silent local state.
/// </summary>
[Trait("Category", "Unit")]
public sealed partial class WorkflowSupplyChainTests
{
    private static readonly string Folder = Path.Combine(RepositoryRoot.Path, ".github", "workflows");

    public static TheoryData<string> Workflows() => WorkflowTargetsTests.Workflows();

    [Theory]
    [MemberData(nameof(Workflows))]
    public void Every_action_is_pinned_by_a_full_commit_sha_with_its_tag_in_a_comment(string workflow)
    {
        var uses = File.ReadAllLines(Path.Combine(Folder, workflow))
            .Select(line => line.Trim())
            .Where(line => line.StartsWith("uses:", StringComparison.Ordinal) || line.StartsWith("- uses:", StringComparison.Ordinal))
            .ToList();

        Assert.NotEmpty(uses);
        Assert.All(uses, line => Assert.Matches(PinnedUse(), line));
    }

    [Fact]
    public void Deploy_jobs_run_only_from_main()
    {
        var whole = File.ReadAllText(Path.Combine(Folder, "deploy.yml"));
        Assert.Contains("workflow_dispatch", whole, StringComparison.Ordinal);
        var text = whole[whole.IndexOf("\njobs:\n", StringComparison.Ordinal)..];
        var jobs = JobHeader().Matches(text).Select(m => (Name: m.Groups[1].Value, Start: m.Index)).ToList();

        Assert.NotEmpty(jobs);
        for (var i = 0; i < jobs.Count; i++)
        {
            var end = i + 1 < jobs.Count ? jobs[i + 1].Start : text.Length;
            var body = text[jobs[i].Start..end];
            Assert.True(
                body.Contains("if: github.ref == 'refs/heads/main'", StringComparison.Ordinal),
                $"job '{jobs[i].Name}' in deploy.yml runs from any branch a workflow_dispatch names; add `if: github.ref == 'refs/heads/main'`.");
        }
    }

    [Theory]
    [MemberData(nameof(Workflows))]
    public void A_plan_leaves_a_runner_only_as_its_text_summary(string workflow)
    {
        // every path an artifact step uploads or downloads: the binary plan holds every value in clear
        var lines = File.ReadAllLines(Path.Combine(Folder, workflow));
        var artifactPaths = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].Contains("actions/upload-artifact@", StringComparison.Ordinal) && !lines[i].Contains("actions/download-artifact@", StringComparison.Ordinal))
            {
                continue;
            }

            // the step's lines: indented deeper than its "- " (the step starts with "- uses:" or "- name:")
            var start = i;
            while (start > 0 && !lines[start].TrimStart().StartsWith("- ", StringComparison.Ordinal))
            {
                start--;
            }

            var indent = Indent(lines[start]);
            for (var j = i + 1; j < lines.Length && (lines[j].Trim().Length == 0 || Indent(lines[j]) > indent); j++)
            {
                artifactPaths.Add(lines[j].Trim());
            }
        }

        Assert.All(artifactPaths, line => Assert.DoesNotMatch(BinaryPlanOrState(), line));
        if (workflow is "plan.yml" or "deploy.yml")
        {
            Assert.Contains("path: artifacts/production.tfplan.txt", artifactPaths);
        }

        Assert.DoesNotContain("--exclusive", File.ReadAllText(Path.Combine(Folder, workflow)), StringComparison.Ordinal);
    }

    [Fact]
    public void The_protected_deploy_job_plans_itself_and_applies_only_a_plan_that_reads_as_the_reviewed_one()
    {
        var text = File.ReadAllText(Path.Combine(Folder, "deploy.yml")).ReplaceLineEndings("\n");
        var jobs = text[text.IndexOf("\njobs:\n", StringComparison.Ordinal)..];
        var deploy = jobs[jobs.IndexOf("\n  deploy:\n", StringComparison.Ordinal)..];
        var plan = jobs[..jobs.IndexOf("\n  deploy:\n", StringComparison.Ordinal)];

        Assert.Contains("environment: production", deploy, StringComparison.Ordinal);
        Assert.Contains("--target=Deploy", deploy, StringComparison.Ordinal);
        Assert.Contains("--reviewed-plan=artifacts/reviewed/production.tfplan.txt", deploy, StringComparison.Ordinal);
        Assert.Contains("path: artifacts/reviewed", deploy, StringComparison.Ordinal);
        Assert.Contains("path: artifacts/production.tfplan.txt", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("environment:", plan, StringComparison.Ordinal);
    }

    [Fact]
    public void The_repository_terraform_root_has_no_backend_block_so_backend_config_needs_backend_tf()
    {
        // The example stays an example: with --backend-config and no backend.tf the build stops
        // (BuildArgumentsTests prove the message); here: the check sees the real root as it is.
        var root = Path.Combine(RepositoryRoot.Path, "terraform");
        var hasBackendTf = File.Exists(Path.Combine(root, "backend.tf"));

        Assert.Equal(hasBackendTf, BuildArguments.HasBackendBlock(root));
        Assert.True(File.Exists(Path.Combine(root, "backend.tf.example")));
    }

    [GeneratedRegex(@"^-?\s*uses:\s+[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40} # v\d+(\.\d+)*")]
    private static partial Regex PinnedUse();

    [GeneratedRegex(@"^  ([a-z][a-z0-9_-]*):\s*$", RegexOptions.Multiline)]
    private static partial Regex JobHeader();

    private static int Indent(string line) => line.TakeWhile(c => c == ' ').Count();

    [GeneratedRegex(@"\.(tfplan|tfstate)(?!\.txt)")]
    private static partial Regex BinaryPlanOrState();
}
