using Cake.Core.Tooling;

namespace TableOrder.Build.Terraform;

/// <summary>Settings every terraform command shares.</summary>
public class TerraformSettings : ToolSettings
{
    /// <summary>A CLI config file of the build's own (provider mirror); null leaves terraform's own.</summary>
    public string? CliConfigFile { get; set; }
}

/// <summary>A -var value; sensitive ones never show in a log line.</summary>
public sealed record TerraformVariable(string Name, string Value, bool Sensitive = false);

public sealed class TerraformInitSettings : TerraformSettings
{
    /// <summary>False runs `init -backend=false` (Validate: no state needed).</summary>
    public bool Backend { get; set; } = true;

    public string? BackendConfigFile { get; set; }

    public string? PluginDirectory { get; set; }

    public bool Upgrade { get; set; }

    /// <summary>
    /// `-lockfile=readonly`: the providers are checked against the committed .terraform.lock.hcl and the
    /// file is never changed (a provider it does not pin stops init instead of being added silently).
    /// </summary>
    public bool LockfileReadonly { get; set; }
}

public sealed class TerraformFmtSettings : TerraformSettings
{
    public bool Check { get; set; } = true;

    public bool Recursive { get; set; } = true;
}

public sealed class TerraformPlanSettings : TerraformSettings
{
    public required string OutFile { get; set; }

    public IList<string> VarFiles { get; } = [];

    public IList<TerraformVariable> Variables { get; } = [];

    /// <summary>-target addresses: the plan covers these resources (and what they depend on) only.</summary>
    public IList<string> Targets { get; } = [];

    public bool Destroy { get; set; }

    /// <summary>Resource addresses the plan replaces even when unchanged (-replace=ADDRESS).</summary>
    public IList<string> Replace { get; } = [];
}

/// <summary>`terraform import`: a real resource becomes terraform's at an address of the configuration.</summary>
public sealed class TerraformImportSettings : TerraformSettings
{
    public required string Address { get; set; }

    /// <summary>The provider's import id (for aws_db_instance: the DB instance identifier).</summary>
    public required string Id { get; set; }

    public IList<string> VarFiles { get; } = [];

    public IList<TerraformVariable> Variables { get; } = [];
}

public sealed class TerraformApplySettings : TerraformSettings
{
    public required string PlanFile { get; set; }
}

public sealed class TerraformDestroySettings : TerraformSettings
{
    public IList<string> VarFiles { get; } = [];

    public IList<TerraformVariable> Variables { get; } = [];

    public bool AutoApprove { get; set; }
}

public sealed class TerraformTestSettings : TerraformSettings
{
    public IList<string> Filters { get; } = [];

    public bool Json { get; set; }
}
