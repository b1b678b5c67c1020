namespace TableOrder.Build.IntegrationTests.Support;

/// <summary>The fixture modules under Fixtures/, copied next to the test assembly by the project.</summary>
internal static class Fixtures
{
    /// <summary>AWS provider with fake credentials: inits, validates, plans and tests offline; cannot apply.</summary>
    public const string Small = "terraform-small";

    /// <summary>terraform_data and locals only: applies offline, so it has state and outputs.</summary>
    public const string Local = "terraform-local";

    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);
}
