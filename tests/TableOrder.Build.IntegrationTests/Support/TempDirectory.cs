namespace TableOrder.Build.IntegrationTests.Support;

/// <summary>A fresh folder under the system temp folder, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix)
    {
        Path = Directory.CreateTempSubdirectory("tableorder-it-" + prefix + "-").FullName;
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public string WriteFile(string relativePath, string text)
    {
        var full = Combine(relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
        return full;
    }

    /// <summary>Copies a folder tree in, leaving out terraform's working files (.terraform/, state, plans).</summary>
    public string CopyIn(string source, string relativeTarget)
    {
        var target = Combine(relativeTarget);
        CopyTree(new DirectoryInfo(source), target);
        return target;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A terraform child process may still be closing a file; the OS temp cleaner gets it.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void CopyTree(DirectoryInfo source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in source.EnumerateFiles())
        {
            if (file.Name.EndsWith(".tfstate", StringComparison.Ordinal) ||
                file.Name.Contains(".tfstate.", StringComparison.Ordinal) ||
                file.Name.EndsWith(".tfplan", StringComparison.Ordinal))
            {
                continue;
            }

            file.CopyTo(System.IO.Path.Combine(target, file.Name));
        }

        foreach (var directory in source.EnumerateDirectories().Where(d => d.Name != ".terraform"))
        {
            CopyTree(directory, System.IO.Path.Combine(target, directory.Name));
        }
    }
}
