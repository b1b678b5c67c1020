namespace TableOrder.Build.Configuration;

/// <summary>Where the pipeline runs. Local is the default; production is always named explicitly.</summary>
public enum DeploymentEnvironment
{
    Local,
    Production,

    /// <summary>Production's code path on this machine: AWS APIs answered by moto, the local stack as the instance.</summary>
    Rehearsal,
}
