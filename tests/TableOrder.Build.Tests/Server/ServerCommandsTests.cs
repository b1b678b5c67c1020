using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using TableOrder.Build.Aws;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Server;

/// <summary>The server map, the bootstrap and verify commands, file installs and the deploy-scripts archive.</summary>
[Trait("Category", "Unit")]
public sealed class ServerCommandsTests
{
    private static readonly string AppDeploy = Path.Combine(RepositoryRoot.Path, "app-deploy");

    [Fact]
    public void The_policy_reaches_bootstrap_as_flags_and_nothing_is_decided_from_an_environment_name()
    {
        var local = ServerBootstrap.Command(new ServerPorts(8080, 18000, 18001), new ServerPolicy(false, PythonPackages.Distro));
        Assert.Equal("sudo -n -- timeout 0 bash \"$HOME/tableorder-deploy/bootstrap.sh\" --http-port 8080 --api-port 18000 --green-port 18001 --python-deps distro --cloudwatch off", local.Text);

        var production = ServerBootstrap.Command(ServerPorts.Production, new ServerPolicy(true, PythonPackages.Lock, DatabaseCa: RdsCertificateAuthority.GlobalBundle));
        Assert.EndsWith(
            "--http-port 80 --api-port 8000 --green-port 8001 --python-deps lock --cloudwatch on " +
            "--db-ca-url https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem --db-ca-sha256 e5bb2084ccf45087bda1c9bffdea0eb15ee67f0b91646106e466714f9de3c7e3",
            production.Text,
            StringComparison.Ordinal);
        Assert.DoesNotContain("--environment", production.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_policy_file_beside_the_scripts_carries_the_same_flags_for_a_server_that_installs_itself()
    {
        var policy = new ServerPolicy(true, PythonPackages.Lock, new ServerTls("order.example.com", 443), RdsCertificateAuthority.GlobalBundle);

        var file = policy.ShellFile();

        Assert.Contains("\nPYTHON_DEPS=lock\n", file, StringComparison.Ordinal);
        Assert.Contains(
            "\nSERVER_POLICY_FLAGS=('--python-deps' 'lock' '--cloudwatch' 'on' '--db-ca-url' 'https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem' " +
            "'--db-ca-sha256' 'e5bb2084ccf45087bda1c9bffdea0eb15ee67f0b91646106e466714f9de3c7e3')\n",
            file,
            StringComparison.Ordinal);
        Assert.DoesNotContain("--domain", file, StringComparison.Ordinal);
        Assert.Equal([.. policy.PolicyFlags(), "--domain", "order.example.com", "--https-port", "443"], policy.BootstrapFlags());
        Assert.Equal(file, System.Text.Encoding.UTF8.GetString(policy.UploadFiles()[ServerPolicy.ShellFileName]));
        Assert.Equal([ServerPolicy.ShellFileName], policy.UploadFiles().Keys);
    }

    [Fact]
    public void A_local_database_ca_is_uploaded_beside_the_scripts_and_a_download_needs_a_pinned_sha256()
    {
        using var temp = new TempDirectory();
        var ca = temp.WriteFile("ca.pem", "-----BEGIN CERTIFICATE-----\nlocal\n-----END CERTIFICATE-----\n");
        var local = new ServerPolicy(false, PythonPackages.Distro, DatabaseCa: DatabaseCa.FromFile(ca));

        Assert.Equal(["--python-deps", "distro", "--cloudwatch", "off", "--db-ca", "db-ca.pem"], local.BootstrapFlags());
        Assert.Equal(File.ReadAllBytes(ca), local.UploadFiles()["db-ca.pem"]);
        Assert.Throws<ArgumentException>(() => DatabaseCa.Download(new Uri("http://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"), RdsCertificateAuthority.GlobalBundleSha256));
        Assert.Throws<ArgumentException>(() => DatabaseCa.Download(RdsCertificateAuthority.GlobalBundleUrl, "latest"));
        Assert.Throws<ArgumentException>(() => DatabaseCa.Download(new Uri("https://example.com/a b.pem"), RdsCertificateAuthority.GlobalBundleSha256));
    }

    [Fact]
    public void Verify_results_are_read_check_by_check()
    {
        var checks = ServerVerification.Parse(["ok: nginx -t passes", "noise", "FAILED: port 80 open: nothing listens", "FAILED: bare"]);
        Assert.Equal(
            [new VerificationCheck(true, "nginx -t passes", null), new VerificationCheck(false, "port 80 open", "nothing listens"), new VerificationCheck(false, "bare", null)],
            checks);
        Assert.Equal("sudo -n -- timeout 0 bash \"$HOME/tableorder-deploy/verify.sh\" --http-port 80 --api-port 8000 --green-port 8001", ServerVerification.Command(ServerPorts.Production).Text);
    }

    [Fact]
    public void The_map_is_rendered_for_the_scripts_as_quoted_read_only_variables()
    {
        var file = ServerMap.ShellFile();
        foreach (var (name, value) in ServerMap.Entries)
        {
            Assert.Contains($"readonly {name}={Shell.Quote(value)}\n", file, StringComparison.Ordinal);
        }

        Assert.Contains("readonly ENV_FILE='/etc/tableorder/app.env'", file, StringComparison.Ordinal);
        Assert.Equal(ServerMap.Entries.Count, ServerMap.Entries.Select(e => e.Key).Distinct().Count());
    }

    [Fact]
    public void The_scripts_take_every_path_of_the_map_from_the_map_and_write_none_themselves()
    {
        foreach (var script in new[] { "bootstrap.sh", "slot.sh", "verify.sh" })
        {
            var text = File.ReadAllText(Path.Combine(AppDeploy, script));
            Assert.Contains(ServerMap.ShellFileName, text, StringComparison.Ordinal);
            foreach (var path in new[] { ServerMap.Base, ServerMap.ConfigDirectory, ServerMap.LogDirectory, ServerMap.StateDirectory, ServerMap.NginxSite, ServerMap.NginxLiveFile })
            {
                // A path as a word of its own (server/tableorder-api.service.in is a template's name, not the unit).
                Assert.False(Regex.IsMatch(text, Regex.Escape(path) + @"(?![\w.-])"), $"{script} writes {path} itself; it must come from {ServerMap.ShellFileName}");
            }
        }
    }

    [Fact]
    public void The_deploy_scripts_archive_carries_the_map_and_the_scripts_and_is_the_same_every_time()
    {
        using var first = DeployScripts.Pack(AppDeploy);
        using var second = DeployScripts.Pack(AppDeploy);
        Assert.Equal(first.ToArray(), second.ToArray());

        var entries = new Dictionary<string, string>();
        using (var gzip = new GZipStream(new MemoryStream(first.ToArray()), CompressionMode.Decompress))
        using (var tar = new TarReader(gzip))
        {
            while (tar.GetNextEntry() is { } entry)
            {
                entries[entry.Name] = entry.DataStream is null ? string.Empty : new StreamReader(entry.DataStream).ReadToEnd();
            }
        }

        Assert.Contains("bootstrap.sh", entries.Keys);
        Assert.Contains("slot.sh", entries.Keys);
        Assert.Contains("server/nginx-live.conf.in", entries.Keys);
        Assert.Contains("verify.sh", entries.Keys);
        Assert.Contains("server/nginx-site.conf.in", entries.Keys);
        Assert.Equal(ServerMap.ShellFile(), entries[ServerMap.ShellFileName]);
        Assert.Equal("rm -rf ~/tableorder-deploy && mkdir -p ~/tableorder-deploy && tar -xzf ~/tableorder-deploy.tgz -C ~/tableorder-deploy && rm -f ~/tableorder-deploy.tgz", DeployScripts.UnpackCommand().Text);
    }

    [Fact]
    public void Files_are_uploaded_into_a_0600_file_then_installed_by_a_rename_with_owner_and_mode()
    {
        Assert.Equal("install -m 0600 /dev/null ~/.up", FileCommands.PrepareUpload(".up").Text);
        Assert.Equal(
            "sudo -n install -m 0600 -o tableorder -g tableorder ~/.up '/etc/tableorder/app.env.tmp' && sudo -n mv -f '/etc/tableorder/app.env.tmp' '/etc/tableorder/app.env'; status=$?; rm -f ~/.up; exit $status",
            FileCommands.InstallUpload(".up", ServerMap.EnvFile, "0600", ServerMap.AppUser).Text);
        Assert.True(FileCommands.Checksum("/x").AsRoot);
        Assert.Equal("A=1\nB=x y\n", AppEnvironmentFile.Render([new("A", "1"), new("B", "x y")]));
    }

    [Fact]
    public void Generated_archive_entries_follow_the_files_with_fixed_modes()
    {
        using var folder = new TempDirectory("targz");
        folder.WriteFile("a.txt", "a");
        using var packed = TarGz.Pack(folder.Path, ["a.txt"], new Dictionary<string, byte[]> { ["z.env"] = Encoding.UTF8.GetBytes("Z=1\n") });
        using var gzip = new GZipStream(packed, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        var names = new List<string>();
        while (tar.GetNextEntry() is { } entry)
        {
            names.Add(entry.Name);
            Assert.Equal(DateTimeOffset.UnixEpoch, entry.ModificationTime);
            Assert.Equal(0, entry.Uid);
        }

        Assert.Equal(["a.txt", "z.env"], names);
    }
}
