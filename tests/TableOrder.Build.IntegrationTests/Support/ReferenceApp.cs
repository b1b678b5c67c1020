using System.Net.Http.Json;
using System.Text.Json;
using TableOrder.Build.Release;

namespace TableOrder.Build.IntegrationTests.Support;

/// <summary>The reference app the pipeline deploys, copies of it to change, and the release a stack serves.</summary>
internal static class ReferenceApp
{
    public static string Directory { get; } = Path.Combine(RepositoryRoot.Path, "app-deploy", "reference-app");

    public static string Release => ReleaseArchive.FromDirectory(Directory).Id;

    /// <summary>A copy of the reference app (no Python caches) in <paramref name="folder"/>/<paramref name="name"/>.</summary>
    public static string CopyTo(string folder, string name)
    {
        var target = Path.Combine(folder, name);
        foreach (var file in System.IO.Directory.GetFiles(Directory, "*", SearchOption.AllDirectories).Where(f => !f.Contains("__pycache__", StringComparison.Ordinal)))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(Directory, file));
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        return target;
    }

    /// <summary>A copy whose customer page differs by a comment naming it: a new release of the same app.</summary>
    public static string ChangedCopy(string folder, string name)
    {
        var target = CopyTo(folder, name);
        var page = Path.Combine(target, "ui", "customer", "index.html");
        File.WriteAllText(page, File.ReadAllText(page).Replace("</body>", $"<!-- {name} --></body>", StringComparison.Ordinal));
        return target;
    }

    /// <summary>The release id /api/health reports through Nginx on the stack's HTTP port.</summary>
    public static async Task<string?> ServingReleaseAsync(HttpClient http, int httpPort)
    {
        using var health = await http.GetAsync(new Uri($"http://127.0.0.1:{httpPort}/api/health"));
        var body = await health.Content.ReadFromJsonAsync<JsonElement>();
        return body.TryGetProperty("release", out var release) ? release.GetString() : null;
    }
}
