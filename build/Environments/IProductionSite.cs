using TableOrder.Build.Aws;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Server;
using TableOrder.Build.Terraform;

namespace TableOrder.Build.Environments;

/// <summary>
/// Where <see cref="ProductionDeployment"/>'s AWS is: the real AWS account with terraform plan and apply
/// (<see cref="AwsSite"/>), or a site registered from outside the tool for another environment
/// (<see cref="SiteForAttribute"/>: the rehearsal, whose AWS is moto on this machine and whose instances
/// are machines here). Everything else of the production path (the status wait, host keys, Parameter
/// Store, the server-side secret, SSH or SSM) is the same code.
/// </summary>
public interface IProductionSite : IDisposable
{
    /// <summary>Names the state folder and the audit entries: production, rehearsal.</summary>
    string Name { get; }

    /// <summary>Nginx's and the API's ports on the server.</summary>
    ServerPorts Ports { get; }

    /// <summary>HTTPS for <paramref name="domain"/> (null: none, the site is HTTP only): Let's Encrypt on 443 in production, the local stack's Pebble in the rehearsal.</summary>
    ServerTls? Tls(string? domain);

    /// <summary>Scaled out: where the load balancer's requests come from (terraform: its public subnets), the only addresses whose forwarded headers the servers trust.</summary>
    IReadOnlyList<string> LoadBalancerCidrs(TerraformOutputs outputs) => outputs?.LoadBalancerCidrs ?? [];

    /// <summary>The CA the server verifies the database against: Amazon RDS's bundle in production, the local stack's CA in the rehearsal.</summary>
    DatabaseCa DatabaseCa { get; }

    /// <summary>The endpoint every AWS client uses; null for AWS's own regional endpoints.</summary>
    string? ServiceUrl { get; }

    /// <summary>
    /// Where a server answers when it is not where EC2 says (its public address, the stack's ports): null
    /// on AWS; the rehearsal's machines share this host's network, each on ports of its own.
    /// </summary>
    ServerEndpoint? EndpointOf(string instanceId) => null;

    /// <summary>Runs before the first task, as <see cref="IDeploymentEnvironment.CheckBeforeTasks"/>: what the site itself needs (the rehearsal: moto installed).</summary>
    void CheckBeforeTasks(IReadOnlyCollection<string> tasks)
    {
    }

    /// <summary>Rebuild: the next plan replaces the app server (the seed's "EC2 failure" recovery).</summary>
    void ReplaceServerOnNextPlan();

    Task<AwsCredentialsSource> CredentialsAsync();

    Task<PlanResult> PlanAsync(RunSummary summary);

    /// <summary>Creates or starts the stack and returns its outputs.</summary>
    Task<TerraformOutputs> ProvisionAsync(PlanResult? plan, RunSummary summary);

    /// <summary>The stack's outputs as they are now.</summary>
    Task<TerraformOutputs> OutputsAsync();

    Task DestroyAsync();

    /// <summary>
    /// A restored RDS instance, renamed to the stack's identifier, becomes terraform's own: the state
    /// forgets the replaced instance, imports this one, and a plan that changes the database in place
    /// only (nothing created, replaced or destroyed) is applied, so the next plan shows no drift.
    /// </summary>
    Task AdoptDatabaseAsync(string identifier, RunSummary summary) =>
        throw new NotInThisEnvironmentException($"The {Name} does not restore RDS instances.");
}

/// <summary>Where one server answers: its host, Nginx and the API slots, and SSH.</summary>
public sealed record ServerEndpoint(string Host, ServerPorts Ports, int SshPort);
