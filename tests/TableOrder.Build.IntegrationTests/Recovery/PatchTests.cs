using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using TableOrder.Build.IntegrationTests.Support;
using Xunit;
using Xunit.Abstractions;

namespace TableOrder.Build.IntegrationTests.Recovery;

/// <summary>
/// Patch on the local machine, under load: a test package in a flat apt repository on the machine, at
/// version 1 installed, then version 2 published; Patch lists it, installs it and restarts the API
/// (its files are Python's) through the slot switch, with no failed request. Then --reboot, measured.
/// The machine's Debian archive is set aside for the test (only the test repository is pending), and
/// put back after.
/// </summary>
[Trait("Category", "Integration")]
[Collection(RecoveryGroup.Name)]
public sealed class PatchTests(RecoveryStackFixture stack, ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private const string Package = "python3-tableorder-patch-probe";
    private const string RepositoryFolder = "/var/lib/tableorder-test-repo";
    private const string DebianSources = "/etc/apt/sources.list.d/debian.sources";
    private const string AsideSources = "/etc/apt/debian.sources.patch-test";
    private const string TestSources = "/etc/apt/sources.list.d/tableorder-patch-test.list";

    private readonly TempDirectory _work = new("patch");

    private string Repository => Path.Combine(stack.Layout.MachineRootfs, RepositoryFolder.TrimStart('/'));

    public async Task InitializeAsync()
    {
        Assert.True(stack.Deploy.ExitCode == 0, stack.Deploy.ToString());
        // needrestart comes from Debian (Patch installs it when missing): while the archive is still there
        Assert.Equal(0, (await stack.SshAsync("DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 apt-get install -y -q --no-install-recommends needrestart", output)).ExitCode);
        Publish(1);
        var setup = await stack.SshAsync(
            $"set -e; if [ -f {DebianSources} ]; then mv {DebianSources} {AsideSources}; fi; " +
            $"echo 'deb [trusted=yes] file:{RepositoryFolder} ./' > {TestSources}; apt-get update -q; " +
            $"DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 apt-get install -y -q {Package}; dpkg-query -W -f '${{Version}}' {Package}",
            output);
        Assert.True(setup.ExitCode == 0, string.Join('\n', setup.Output.Concat(setup.Errors)));
        Assert.EndsWith("1", setup.Text, StringComparison.Ordinal);
    }

    public async Task DisposeAsync()
    {
        await stack.SshAsync($"rm -f {TestSources}; if [ -f {AsideSources} ]; then mv {AsideSources} {DebianSources}; fi; apt-get update -q >/dev/null 2>&1 || true", output);
    }

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task Patch_installs_the_pending_update_under_load_with_no_failed_request()
    {
        Publish(1, 2);
        var status = await stack.RunAsync("--target=Status");
        output.WriteLine(status.Output);

        using var loop = new ClientLoop(stack.SiteUrl);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var patch = await stack.RunAsync("--target=Patch");
        await Task.Delay(TimeSpan.FromSeconds(2));
        var (requests, failed, failures) = await loop.StopAsync();
        output.WriteLine(patch.Output);
        output.WriteLine($"{requests} requests, {failed} failed: {string.Join("; ", failures.Take(10))}");

        Assert.True(patch.ExitCode == 0, patch.ToString());
        Assert.Equal(0, failed);
        Assert.True(requests > 50, $"only {requests} requests");
        Assert.Equal(1, patch.Run.Number("Patch", "updates"));
        Assert.Equal(0, patch.Run.Number("Patch", "security"));
        Assert.True(patch.Run.Flag("Patch", "apiRestarted"), patch.Run.ToString());
        Assert.False(patch.Run.Flag("Patch", "rebootNeeded"));
        var update = FleetStackFixture.Servers(patch.Run, "Patch")[0].GetProperty("updates")[0];
        Assert.Equal(Package, update.GetProperty("package").GetString());
        Assert.Equal("1", update.GetProperty("from").GetString());
        Assert.Equal("2", update.GetProperty("to").GetString());
        Assert.Equal("2", (await stack.SshAsync($"dpkg-query -W -f '${{Version}}' {Package}")).Text.Trim());
        Assert.Equal(string.Empty, (await stack.SshAsync("ls /usr/sbin/policy-rc.d 2>/dev/null")).Text.Trim());

        // Status counted it before, and counts nothing after
        Assert.Equal(0, (await stack.RunAsync("--target=Status")).Run.Number("Status", "pendingUpdates"));
    }

    [Fact]
    public async Task Patch_with_reboot_brings_the_server_back_and_measures_the_downtime()
    {
        var patch = await stack.RunAsync("--target=Patch", "--reboot");
        output.WriteLine(patch.Output);
        Assert.True(patch.ExitCode == 0, patch.ToString());
        Assert.Equal(["app-1"], patch.Run.Outcome("Patch", "rebooted")!.Value.EnumerateArray().Select(s => s.GetString()));
        var downtime = patch.Run.Outcome("Patch", "downtimeSeconds")!.Value.GetDouble();
        output.WriteLine($"downtime {downtime} s");
        Assert.InRange(downtime, 0.1, 120);
        using var http = new HttpClient();
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync(new Uri(stack.SiteUrl, "api/health"))).StatusCode);
        // the deploy lock went with the run, over the connection made after the reboot
        Assert.Null((await stack.RunAsync("--target=Lock")).Run.Text("Lock", "holder"));
    }

    /// <summary>The repository on the machine's disk: the package at <paramref name="versions"/>, built here with dpkg-deb, and its Packages index.</summary>
    private void Publish(params int[] versions)
    {
        Directory.CreateDirectory(Repository);
        var index = new StringBuilder();
        foreach (var version in versions)
        {
            var deb = Build(version);
            var name = Path.GetFileName(deb);
            File.Copy(deb, Path.Combine(Repository, name), overwrite: true);
            var bytes = File.ReadAllBytes(deb);
            index.Append(CultureInfo.InvariantCulture, $"Package: {Package}\nVersion: {version}\nArchitecture: all\nMaintainer: TableOrder tests <tests@example.invalid>\n")
                .Append(CultureInfo.InvariantCulture, $"Filename: ./{name}\nSize: {bytes.Length}\nSHA256: {Convert.ToHexStringLower(SHA256.HashData(bytes))}\n")
                .Append("Description: a package the Patch test upgrades\n\n");
        }

        File.WriteAllText(Path.Combine(Repository, "Packages"), index.ToString());
    }

    /// <summary>A package whose one file is a Python module: an update of it restarts the API.</summary>
    private string Build(int version)
    {
        var root = _work.Combine($"pkg-{version}");
        Directory.CreateDirectory(Path.Combine(root, "DEBIAN"));
        Directory.CreateDirectory(Path.Combine(root, "usr", "lib", "python3", "dist-packages"));
        File.WriteAllText(Path.Combine(root, "usr", "lib", "python3", "dist-packages", "tableorder_patch_probe.py"), $"VERSION = \"{version}\"\n");
        File.WriteAllText(Path.Combine(root, "DEBIAN", "control"), $"Package: {Package}\nVersion: {version}\nArchitecture: all\nMaintainer: TableOrder tests <tests@example.invalid>\nDescription: a package the Patch test upgrades\n");
        var deb = _work.Combine($"{Package}_{version}_all.deb");
        using var dpkg = Process.Start(new ProcessStartInfo("dpkg-deb", ["--root-owner-group", "-b", root, deb]) { RedirectStandardOutput = true }) ?? throw new InvalidOperationException("dpkg-deb did not start");
        dpkg.WaitForExit();
        Assert.Equal(0, dpkg.ExitCode);
        return deb;
    }
}
