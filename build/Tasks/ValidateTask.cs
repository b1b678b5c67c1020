using Cake.Core.Diagnostics;
using Cake.Frosting;
using TableOrder.Build.Configuration;
using TableOrder.Build.Terraform;

namespace TableOrder.Build.Tasks;

[TaskName("Validate")]
[TaskDescription("Checks the Terraform offline: fmt -check, init without backend, validate, terraform test.")]
[UsesArguments("terraform-dir", "terraform-mirror")]
public sealed class ValidateTask : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        var terraform = Environments.TerraformTool.Create(context, context.Options, context.Masker, context.Options.Terraform.WorkingDirectory);

        var unformatted = terraform.FormatCheck(new TerraformFmtSettings());
        if (unformatted.Count > 0)
        {
            throw new TerraformException($"Not formatted: {string.Join(", ", unformatted)}. Run `terraform fmt -recursive {terraform.WorkingDirectory}` and commit the result.");
        }

        context.Log.Information("fmt: every file is formatted.");

        terraform.Init(new TerraformInitSettings { Backend = false });

        var report = terraform.Validate();
        foreach (var diagnostic in report.Diagnostics)
        {
            context.Log.Write(Verbosity.Minimal, diagnostic.Severity == "error" ? LogLevel.Error : LogLevel.Warning, "{0}", diagnostic);
        }

        context.Log.Information("validate: {0} errors, {1} warnings.", report.ErrorCount, report.WarningCount);
        if (!report.Valid)
        {
            throw new TerraformException($"terraform validate found {report.ErrorCount} errors; they are listed above.");
        }

        var tests = terraform.Test(new TerraformTestSettings());
        context.Summary.Record("testsPassed", tests.Passed);
        context.Summary.Record("testsFailed", tests.Failed);
        context.Log.Information("terraform test: {0} passed, {1} failed, {2} skipped.", tests.Passed, tests.Failed, tests.Skipped);
    }
}
