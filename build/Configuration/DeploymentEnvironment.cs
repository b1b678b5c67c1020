namespace TableOrder.Build.Configuration;

/// <summary>Where the pipeline runs. Local is the default; production is always named explicitly.</summary>
public enum DeploymentEnvironment
{
    Local,
    Production,
}
