using Cake.Core;
using Cake.Core.IO;

namespace TableOrder.Build.Terraform;

/// <summary>
/// The command line of every terraform command, built without running anything so tests can read it.
/// Known mistakes of the Cake.Terraform addin are avoided here: options always precede the plan
/// file; no `-out=` without a file; no `-var` when applying a saved plan; `-auto-approve`, not `-force`.
/// </summary>
public static class TerraformArguments
{
    public static ProcessArgumentBuilder Version() => new ProcessArgumentBuilder().Append("version").Append("-json");

    public static ProcessArgumentBuilder Init(TerraformInitSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var args = Common("init");
        if (!settings.Backend)
        {
            args.Append("-backend=false");
        }
        else if (settings.BackendConfigFile is { } backend)
        {
            args.AppendSwitchQuoted("-backend-config", "=", backend);
        }

        if (settings.PluginDirectory is { } plugins)
        {
            args.AppendSwitchQuoted("-plugin-dir", "=", plugins);
        }

        if (settings.Upgrade)
        {
            args.Append("-upgrade");
        }

        if (settings.LockfileReadonly)
        {
            args.Append("-lockfile=readonly");
        }

        return args;
    }

    public static ProcessArgumentBuilder Fmt(TerraformFmtSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var args = new ProcessArgumentBuilder().Append("fmt").Append("-no-color");
        if (settings.Check)
        {
            args.Append("-check").Append("-diff");
        }

        if (settings.Recursive)
        {
            args.Append("-recursive");
        }

        return args;
    }

    public static ProcessArgumentBuilder Validate() => new ProcessArgumentBuilder().Append("validate").Append("-json").Append("-no-color");

    public static ProcessArgumentBuilder Plan(TerraformPlanSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (string.IsNullOrWhiteSpace(settings.OutFile))
        {
            throw new ArgumentException("A plan needs a file to save to.", nameof(settings));
        }

        var args = Common("plan").Append("-detailed-exitcode");
        if (settings.Destroy)
        {
            args.Append("-destroy");
        }

        foreach (var address in settings.Replace)
        {
            args.AppendSwitchQuoted("-replace", "=", address);
        }

        AppendVariables(args, settings.VarFiles, settings.Variables);
        foreach (var target in settings.Targets)
        {
            args.AppendSwitchQuoted("-target", "=", target);
        }

        return args.AppendSwitchQuoted("-out", "=", settings.OutFile);
    }

    /// <summary>Applies exactly a saved plan: variables live in the plan, so none are passed; the plan path comes last.</summary>
    public static ProcessArgumentBuilder Apply(TerraformApplySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (string.IsNullOrWhiteSpace(settings.PlanFile))
        {
            throw new ArgumentException("Apply takes a saved plan file.", nameof(settings));
        }

        return Common("apply").AppendQuoted(settings.PlanFile);
    }

    public static ProcessArgumentBuilder Destroy(TerraformDestroySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var args = Common("destroy");
        AppendVariables(args, settings.VarFiles, settings.Variables);
        if (settings.AutoApprove)
        {
            args.Append("-auto-approve");
        }

        return args;
    }

    /// <summary>`state list`: the addresses terraform manages (one a line).</summary>
    public static ProcessArgumentBuilder StateList() => new ProcessArgumentBuilder().Append("state").Append("list").Append("-no-color");

    /// <summary>`state rm ADDRESS`: terraform forgets the resource; the real one is left alone.</summary>
    public static ProcessArgumentBuilder StateRemove(string address) =>
        new ProcessArgumentBuilder().Append("state").Append("rm").Append("-no-color").AppendQuoted(address);

    /// <summary>`import ADDRESS ID` with the run's variables (the provider's configuration reads them); options before the address.</summary>
    public static ProcessArgumentBuilder Import(TerraformImportSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var args = Common("import");
        AppendVariables(args, settings.VarFiles, settings.Variables);
        return args.AppendQuoted(settings.Address).AppendQuoted(settings.Id);
    }

    public static ProcessArgumentBuilder Output() => new ProcessArgumentBuilder().Append("output").Append("-json").Append("-no-color");

    public static ProcessArgumentBuilder Show(string? planFile)
    {
        var args = new ProcessArgumentBuilder().Append("show").Append("-json").Append("-no-color");
        return planFile is null ? args : args.AppendQuoted(planFile);
    }

    /// <summary>`show -no-color <plan>`: the plan as terraform prints it for people (sensitive values as "(sensitive value)").</summary>
    public static ProcessArgumentBuilder ShowText(string planFile) =>
        new ProcessArgumentBuilder().Append("show").Append("-no-color").AppendQuoted(planFile);

    public static ProcessArgumentBuilder Test(TerraformTestSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var args = new ProcessArgumentBuilder().Append("test").Append("-no-color");
        foreach (var filter in settings.Filters)
        {
            args.AppendSwitchQuoted("-filter", "=", filter);
        }

        if (settings.Json)
        {
            args.Append("-json");
        }

        return args;
    }

    private static ProcessArgumentBuilder Common(string command) =>
        new ProcessArgumentBuilder().Append(command).Append("-input=false").Append("-no-color");

    /// <summary>
    /// Sensitive variables go to terraform through its environment (TF_VAR_name), never its command
    /// line: any local user can read another process's arguments.
    /// </summary>
    public static IReadOnlyDictionary<string, string> SensitiveEnvironment(IEnumerable<TerraformVariable> variables) =>
        variables.Where(v => v.Sensitive).ToDictionary(v => "TF_VAR_" + v.Name, v => v.Value, StringComparer.Ordinal);

    private static void AppendVariables(ProcessArgumentBuilder args, IEnumerable<string> varFiles, IEnumerable<TerraformVariable> variables)
    {
        foreach (var file in varFiles)
        {
            args.AppendSwitchQuoted("-var-file", "=", file);
        }

        foreach (var variable in variables.Where(v => !v.Sensitive))
        {
            args.AppendSwitchQuoted("-var", " ", $"{variable.Name}={variable.Value}");
        }
    }
}
