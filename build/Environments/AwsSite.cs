using Cake.Core;
using Cake.Core.Diagnostics;
using TableOrder.Build.Aws;
using TableOrder.Build.Configuration;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Server;
using TableOrder.Build.Terraform;

namespace TableOrder.Build.Environments;

/// <summary>Which AWS an <see cref="AwsSite"/> works on when it is not the account's own (the rehearsal's moto): its endpoint and its credentials.</summary>
public sealed record AwsEndpoint(Func<string> ServiceUrl, Func<Task<AwsCredentialsSource>> Credentials);

/// <summary>
/// Production's site: the real AWS account; the stack is the terraform root module (plan, then apply
/// exactly that plan), whose outputs come from the applied state. The same code runs the rehearsal's
/// terraform against its own AWS (an <see cref="AwsEndpoint"/>, a working copy of the root module).
/// </summary>
public sealed class AwsSite(ICakeContext cake, BuildOptions options, SecretMasker masker, AwsEndpoint? endpoint = null) : IProductionSite
{
    private TerraformCli? _terraform;
    private AwsCredentialsSource? _aws;

    /// <summary>Set by a Rebuild: the next plan replaces the app server (the seed's "EC2 failure" recovery).</summary>
    public bool ReplaceServer { get; private set; }

    public string Name => options.EnvironmentName;

    public ServerPorts Ports => ServerPorts.Production;

    /// <summary>Amazon RDS's bundle, downloaded on the server and checked against its pinned SHA-256.</summary>
    public DatabaseCa DatabaseCa => RdsCertificateAuthority.GlobalBundle;

    /// <summary>Let's Encrypt (certbot's default server, the system's trust store), HTTPS on 443; the DNS record points the name at the server.</summary>
    public ServerTls? Tls(string? domain) => domain is null ? null : new ServerTls(domain, 443);

    public string? ServiceUrl => endpoint?.ServiceUrl();

    private ICakeLog Log => cake.Log;

    private TerraformCli Terraform => _terraform ??= TerraformTool.Create(cake, options, masker, options.Terraform.WorkingDirectory);

    public void ReplaceServerOnNextPlan() => ReplaceServer = true;

    public async Task<AwsCredentialsSource> CredentialsAsync()
    {
        if (_aws is null)
        {
            _aws = endpoint is null ? await AwsCredentialsCheck.ResolveAsync() : await endpoint.Credentials();
            Log.Information("AWS credentials: {0}", _aws.Source);
        }

        return _aws;
    }

    public async Task<PlanResult> PlanAsync(RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);

        // Before anything touches production: credentials, or a message that says how to provide them.
        await CredentialsAsync();
        var terraform = options.Terraform;
        Directory.CreateDirectory(Path.GetDirectoryName(terraform.PlanFile)!);
        Terraform.Init(TerraformTool.InitSettings(terraform.WorkingDirectory, terraform.BackendConfigFile));
        var settings = new TerraformPlanSettings { OutFile = terraform.PlanFile };
        if (ReplaceServer)
        {
            settings.Replace.Add(ProductionDeployment.AppServerAddress);
        }

        if (terraform.VarFile is { } varFile)
        {
            settings.VarFiles.Add(varFile);
        }

        var plan = PlanText.Write(Terraform, Terraform.Plan(settings), masker, terraform.ReviewedPlan);
        summary.Record("changes", plan.HasChanges);
        summary.Record("planned", plan.Summary.Counts());
        return plan;
    }

    public async Task<TerraformOutputs> ProvisionAsync(PlanResult? plan, RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var credentials = await CredentialsAsync();
        plan ??= ReviewedPlan();
        if (!plan.HasChanges)
        {
            Log.Information("The plan has no changes: nothing to apply.");
        }
        else
        {
            PlanApproval.Require(options.Terraform.AutoApprove, Name, plan.Summary);
            var applied = Terraform.Apply(new TerraformApplySettings { PlanFile = plan.PlanFile });
            summary.Record("resources", applied is null ? null : new { added = applied.Added, changed = applied.Changed, destroyed = applied.Destroyed });
        }

        summary.Record("applied", plan.HasChanges);
        var outputs = Terraform.Output();
        summary.Record("redisAuthToken", (await EnsureRedisAuthTokenAsync(outputs, credentials)).ToString().ToLowerInvariant());
        return outputs;
    }

    /// <summary>
    /// The Redis AUTH token is made here, after the apply, never by terraform (<see cref="RedisAuthToken"/>):
    /// only when its secret has no value yet.
    /// </summary>
    private async Task<RedisAuthTokenOutcome> EnsureRedisAuthTokenAsync(TerraformOutputs outputs, AwsCredentialsSource credentials)
    {
        if (outputs.RedisAuthSecretArn is not { } secret || outputs.RedisReplicationGroupId is not { } group || outputs.Region is not { } region)
        {
            throw new TerraformException(
                "The terraform outputs lack redis_auth_secret_arn, redis_replication_group_id or region: the build sets the Redis AUTH token after the apply and needs all three (terraform/outputs.tf has them).");
        }

        using var secretsManager = AwsClients.SecretsManager(region, credentials.Credentials, ServiceUrl);
        using var elastiCache = AwsClients.ElastiCache(region, credentials.Credentials, ServiceUrl);
        return await new RedisAuthToken(secretsManager, elastiCache, Log, masker).EnsureAsync(secret, group);
    }

    public async Task<TerraformOutputs> OutputsAsync()
    {
        await CredentialsAsync();
        Terraform.Init(TerraformTool.InitSettings(options.Terraform.WorkingDirectory, options.Terraform.BackendConfigFile));
        return Terraform.Output();
    }

    /// <summary>
    /// Two steps (see <see cref="ProductionDestroy"/>): deletion protection off (a targeted plan,
    /// applied only when it changes nothing but the database in place), then terraform destroy.
    /// </summary>
    public async Task DestroyAsync()
    {
        await CredentialsAsync();
        Terraform.Init(TerraformTool.InitSettings(options.Terraform.WorkingDirectory, options.Terraform.BackendConfigFile));
        Directory.CreateDirectory(options.StateDirectory);
        var unprotectPlan = Path.Combine(options.StateDirectory, "unprotect.tfplan");
        var varFile = options.Terraform.VarFile;

        Log.Information("Destroy, step 1 of 2: turning the database's deletion protection off ({0}).", ProductionDestroy.DatabaseAddress);
        var plan = Terraform.Plan(ProductionDestroy.UnprotectPlan(unprotectPlan, varFile));
        var kept = ProductionDestroy.ReadDataKept(Terraform.Show(unprotectPlan));
        if (plan.HasChanges)
        {
            ProductionDestroy.RequireOnlyInPlaceChanges(plan.Summary);
            Terraform.Apply(new TerraformApplySettings { PlanFile = unprotectPlan });
        }
        else
        {
            Log.Information("Deletion protection is already off.");
        }

        File.Delete(unprotectPlan);
        Log.Warning("Destroy, step 2 of 2: destroying {0}: {1}.", Name, kept);
        Terraform.Destroy(ProductionDestroy.DestroyAll(varFile));
    }

    public async Task AdoptDatabaseAsync(string identifier, RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        await CredentialsAsync();
        Terraform.Init(new TerraformInitSettings { BackendConfigFile = options.Terraform.BackendConfigFile });
        // Killed between the two, the next Restore finds the address gone and imports it.
        if (Terraform.StateList().Contains(ProductionDestroy.DatabaseAddress, StringComparer.Ordinal))
        {
            Terraform.StateRemove(ProductionDestroy.DatabaseAddress);
        }

        var import = new TerraformImportSettings { Address = ProductionDestroy.DatabaseAddress, Id = identifier };
        var plan = new TerraformPlanSettings { OutFile = Path.Combine(options.StateDirectory, "adopt-database.tfplan") };
        if (options.Terraform.VarFile is { } varFile)
        {
            import.VarFiles.Add(varFile);
            plan.VarFiles.Add(varFile);
        }

        Terraform.Import(import);
        Log.Information("Restore: terraform manages {0} as {1}; planning what it still sets on it.", identifier, ProductionDestroy.DatabaseAddress);
        var result = Terraform.Plan(plan);
        if (result.HasChanges)
        {
            // the restore repeats the instance's settings; what is left (windows, retention, flags terraform
            // keeps in its state only) is changed in place, and nothing else may change
            ProductionDestroy.RequireOnlyInPlaceChanges(result.Summary);
            Terraform.Apply(new TerraformApplySettings { PlanFile = result.PlanFile });
        }

        File.Delete(result.PlanFile);
        summary.Record("adoptedChanges", result.Summary.Change);
    }

    public void Dispose()
    {
    }

    /// <summary>
    /// With --exclusive (CI applying a plan that was reviewed earlier), Plan did not run in this build:
    /// apply the saved plan file as it is, never a new plan.
    /// </summary>
    private PlanResult ReviewedPlan()
    {
        var planFile = options.Terraform.PlanFile;
        if (!File.Exists(planFile))
        {
            throw new TerraformException($"There is no saved plan at {planFile}. Run --target=Provision (it plans first), or --target=Plan and then --target=Provision --exclusive --plan-file={planFile}.");
        }

        Terraform.Init(TerraformTool.InitSettings(options.Terraform.WorkingDirectory, options.Terraform.BackendConfigFile));
        var summary = PlanSummary.Parse(Terraform.Show(planFile));
        Log.Information("Applying the saved plan {0}: {1}", planFile, summary);
        return new PlanResult(summary.HasChanges, planFile, summary);
    }
}
