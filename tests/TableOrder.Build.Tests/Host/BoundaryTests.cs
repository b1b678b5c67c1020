using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Host;

/// <summary>
/// build/Host (the Frosting-shaped host) and build/Terraform (the Cake.Terraform addin) compile into
/// the build's one project, so `dotnet run` checks one project, not three. What separate projects
/// made the compiler keep, this keeps: each folder compiles on its own, against only what its real
/// package would have (Cake's assemblies and the host's packages), never against the build.
/// </summary>
[Trait("Category", "Unit")]
public sealed class BoundaryTests
{
    private static readonly string[] HostPackages =
        ["Cake.Core", "Cake.Common", "Cake.Cli", "Spectre.Console", "Spectre.Console.Ansi", "Spectre.Console.Cli", "Microsoft.Extensions.DependencyInjection", "Microsoft.Extensions.DependencyInjection.Abstractions"];

    [Fact]
    public void The_host_compiles_without_the_build() =>
        AssertCompilesAlone("Host", HostPackages);

    [Fact]
    public void The_terraform_addin_compiles_with_cake_core_alone() =>
        AssertCompilesAlone("Terraform", ["Cake.Core"]);

    [Fact]
    public void A_folder_that_uses_the_build_does_not_compile_alone()
    {
        var diagnostics = Compile("Terraform", ["Cake.Core"], extraSource: "namespace TableOrder.Build.Terraform; internal static class Leak { internal static object Any() => typeof(TableOrder.Build.BuildContext); }");

        Assert.Contains(diagnostics, d => d.Id is "CS0234" or "CS0246");
    }

    /// <summary>
    /// The tool a user installs is build/ alone (the rehearsal/ folder compiles in only when the build
    /// runs from a clone): production code compiles without any rehearsal file, against the build's own
    /// packages; the rehearsal's site is found at run time by its attribute.
    /// </summary>
    [Fact]
    public void Production_code_compiles_without_the_rehearsal()
    {
        var errors = Compile(string.Empty, BuildPackages());
        Assert.True(errors.Count == 0, "build/ does not compile without rehearsal/:\n" + string.Join('\n', errors.Take(20)));
    }

    [Fact]
    public void Production_code_that_names_the_rehearsal_does_not_compile_alone()
    {
        var diagnostics = Compile(string.Empty, BuildPackages(), extraSource: "namespace TableOrder.Build.Environments; internal static class Leak { internal static object Any() => typeof(TableOrder.Build.Rehearsal.RehearsalSite); }");

        Assert.Contains(diagnostics, d => d.Id is "CS0234" or "CS0246");
    }

    /// <summary>What `dotnet pack` compiles (MSBuild evaluates the project as pack does): no file of rehearsal/; a build from the clone compiles them.</summary>
    [Fact]
    public async Task The_packed_tool_compiles_no_rehearsal_file_and_the_clones_build_does()
    {
        var packed = await CompileItemsAsync("-p:_IsPacking=true");
        var clone = await CompileItemsAsync();

        Assert.Contains(packed, f => f.EndsWith("AwsSite.cs", StringComparison.Ordinal));
        Assert.DoesNotContain(packed, f => f.Contains($"{Path.DirectorySeparatorChar}rehearsal{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        Assert.Contains(clone, f => f.EndsWith($"rehearsal{Path.DirectorySeparatorChar}RehearsalSite.cs", StringComparison.Ordinal));
    }

    private static async Task<List<string>> CompileItemsAsync(params string[] properties)
    {
        var info = new System.Diagnostics.ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryRoot.Path };
        foreach (var argument in (string[])["msbuild", Path.Combine("build", "TableOrder.Build.csproj"), "-getItem:Compile", "-p:Configuration=Release", .. properties])
        {
            info.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, output + await process.StandardError.ReadToEndAsync());
        using var document = System.Text.Json.JsonDocument.Parse(output);
        return [.. document.RootElement.GetProperty("Items").GetProperty("Compile").EnumerateArray().Select(i => i.GetProperty("FullPath").GetString()!)];
    }

    /// <summary>Every package assembly the build references (copied next to the tests), none of the build's own.</summary>
    private static string[] BuildPackages()
    {
        var here = Path.GetDirectoryName(typeof(BoundaryTests).Assembly.Location)!;
        return [.. Directory.GetFiles(here, "*.dll")
            .Select(Path.GetFileNameWithoutExtension)
            .Where(n => n is not null && !n.StartsWith("TableOrder.", StringComparison.Ordinal) && !n.StartsWith("xunit", StringComparison.Ordinal)
                && !n.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) && !n.StartsWith("WireMock", StringComparison.Ordinal) && IsManaged(Path.Combine(here, n + ".dll")))
            .Select(n => n!)];
    }

    private static void AssertCompilesAlone(string folder, string[] packages)
    {
        var errors = Compile(folder, packages);
        Assert.True(errors.Count == 0, $"build/{folder} does not compile on its own:\n" + string.Join('\n', errors));
    }

    private static List<Diagnostic> Compile(string folder, string[] packages, string? extraSource = null)
    {
        var root = folder.Length == 0 ? Path.Combine(RepositoryRoot.Path, "build") : Path.Combine(RepositoryRoot.Path, "build", folder);
        var files = Directory.GetFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(files);

        var options = new CSharpParseOptions(LanguageVersion.Preview);
        // What <ImplicitUsings> gives every project of the repository (Directory.Build.props).
        var implicitUsings = "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;";
        var trees = files.Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), options, f))
            .Append(CSharpSyntaxTree.ParseText(implicitUsings, options))
            .ToList();
        if (extraSource is not null)
        {
            trees.Add(CSharpSyntaxTree.ParseText(extraSource, options));
        }

        var compilation = CSharpCompilation.Create(
            folder + "Alone",
            trees,
            References(packages),
            new CSharpCompilationOptions(folder.Length == 0 ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));
        // [GeneratedRegex] and [LibraryImport] are filled in by the framework's own source generators, as in a real build.
        CSharpGeneratorDriver.Create([FrameworkGenerator("System.Text.RegularExpressions.Generator"), FrameworkGenerator("Microsoft.Interop.LibraryImportGenerator")], parseOptions: options)
            .RunGeneratorsAndUpdateCompilation(compilation, out var generated, out _);
        return generated.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
    }

    /// <summary>A source generator the SDK's reference pack of this runtime carries (its analyzers folder), by assembly name.</summary>
    private static ISourceGenerator FrameworkGenerator(string name)
    {
        var dotnetRoot = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));
        var pack = Directory.GetDirectories(Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref"), $"{Environment.Version.Major}.*")
            .OrderBy(d => Version.Parse(Path.GetFileName(d).Split('-')[0]))
            .Last();
        var assembly = Assembly.LoadFrom(Path.Combine(pack, "analyzers", "dotnet", "cs", name + ".dll"));
        var type = LoadableTypes(assembly).Single(t => typeof(IIncrementalGenerator).IsAssignableFrom(t) && !t.IsAbstract);
        return ((IIncrementalGenerator)Activator.CreateInstance(type)!).AsSourceGenerator();
    }

    /// <summary>The shared framework's assemblies and the named packages' assemblies; nothing of the build.</summary>
    private static List<MetadataReference> References(string[] packages)
    {
        var framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var here = Path.GetDirectoryName(typeof(BoundaryTests).Assembly.Location)!;
        var frameworkFiles = Directory.GetFiles(framework, "*.dll").Where(IsManaged);
        var packageFiles = packages.Select(p => Path.Combine(here, p + ".dll"));
        return [.. frameworkFiles.Concat(packageFiles).Select(f => MetadataReference.CreateFromFile(f))];
    }

    /// <summary>The assembly also holds code fixes for the IDE (Roslyn's Workspaces, not here); the generator loads without them.</summary>
    private static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException partial)
        {
            return partial.Types.OfType<Type>();
        }
    }

    private static bool IsManaged(string path)
    {
        try
        {
            AssemblyName.GetAssemblyName(path);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }
}
