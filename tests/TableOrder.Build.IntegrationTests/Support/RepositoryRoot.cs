namespace TableOrder.Build.IntegrationTests.Support;

/// <summary>The repository root: the first folder above the test assembly that holds TableOrder.Build.sln.</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    public static string Terraform => System.IO.Path.Combine(Path, "terraform");

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "TableOrder.Build.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No TableOrder.Build.sln above {AppContext.BaseDirectory}.");
    }
}
