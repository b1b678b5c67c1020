using Cake.Core.Diagnostics;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Local;

namespace TableOrder.Build.Rehearsal;

/// <summary>
/// A rehearsal's instance boots as EC2 boots the Debian AMI: through Debian's own cloud-init, here
/// with the NoCloud data source (a seed in the machine's copy: meta-data with the instance id and the
/// key pair's public key, and the user data moto keeps for the instance, as terraform or Auto Scaling
/// gave it). cloud-init runs the user-data script, makes the host keys and prints them to the console
/// once per instance.
/// cloud-init goes into the rehearsal's copy only, not into the image the local environment shares: the
/// local Deploy then has no package to keep inert and nothing more at boot, and its image cache (keyed
/// by make-rootfs.sh) stays valid for everyone.
/// </summary>
public sealed class RehearsalMachine(LocalLayout layout, LocalMachine machine, ICakeLog log, string stateDirectory)
{
    /// <summary>Where NoCloud reads its seed in the machine (cloud-init's documented seed folder).</summary>
    public const string SeedFolder = "var/lib/cloud/seed/nocloud";

    public const string CloudConfigFile = "etc/cloud/cloud.cfg.d/90-tableorder-rehearsal.cfg";

    /// <summary>The folder in the copy that holds the agent stand-in packages.</summary>
    private const string AgentPackages = "var/cache/tableorder-rehearsal";

    /// <summary>True when the copy has Debian's cloud-init installed (dpkg's own record, read from the host).</summary>
    public bool HasCloudInit => Installed("cloud-init");

    /// <summary>Before each boot, the machine stopped: packages (once), cloud-init's config, the seed.</summary>
    public void Prepare(string instanceId, string userData, string? publicKey)
    {
        InstallPackages();
        if (DpkgInterrupted())
        {
            // a first boot cut short (the machine stopped under its apt-get) left dpkg half-done: the next first boot's apt-get would refuse
            machine.RunInStoppedCopy(["dpkg", "--configure", "-a"], TimeSpan.FromMinutes(5));
        }

        WriteAtomically(CloudConfigFile, CloudConfig);
        WriteAtomically(Path.Combine(SeedFolder, "meta-data"), MetaData(instanceId, publicKey?.Trim()));
        WriteAtomically(Path.Combine(SeedFolder, "user-data"), userData);
    }

    /// <summary>
    /// What differs from the EC2 instance's cloud-init, each for a reason of the machine; everything
    /// else is Debian's package as shipped.
    /// </summary>
    public const string CloudConfig = """
        # Written by the TableOrder rehearsal (rehearsal/RehearsalMachine.cs).
        # The instance's data come from the NoCloud seed (/var/lib/cloud/seed/nocloud), not EC2's metadata service.
        datasource_list: [ NoCloud ]
        # The machine shares this host's network, and its hostname is systemd-nspawn's: cloud-init leaves both alone.
        network: {config: disabled}
        preserve_hostname: true
        # It has no disk of its own to grow.
        growpart: {mode: "off"}
        resize_rootfs: false
        # apt keeps the image's sources (the same Debian mirror the AMI uses).
        apt: {preserve_sources_list: true}
        # As on Debian's AMI, the default user is admin (the terraform output ssh_user).
        system_info:
          default_user:
            name: admin

        """;

    /// <summary>NoCloud's meta-data: the instance id (cloud-init's per-instance key) and the key pair's public key, as EC2 gives them.</summary>
    public static string MetaData(string instanceId, string? publicKey) =>
        $"instance-id: {instanceId}\nlocal-hostname: tableorder-app\n" + (publicKey is null ? string.Empty : $"public-keys:\n  - \"{publicKey}\"\n");

    private void InstallPackages()
    {
        if (HasCloudInit && Installed("amazon-ssm-agent") && Installed("amazon-cloudwatch-agent"))
        {
            return;
        }

        using var step = log.Step("Rehearsal: installing Debian's cloud-init and the AWS agents' stand-ins into the machine's copy (once)");
        var folder = Path.Combine(layout.MachineRootfs, AgentPackages);
        Directory.CreateDirectory(folder);
        var debs = new List<string>();
        foreach (var package in RehearsalAgents.Packages)
        {
            var deb = Path.Combine(folder, package.Name + "-standin.deb");
            RehearsalAgents.Build(package, Path.Combine(stateDirectory, "agent-standins"), deb, log);
            debs.Add("/" + AgentPackages + "/" + Path.GetFileName(deb));
        }

        // A killed install leaves dpkg half-done: --configure -a finishes it on the next run.
        machine.RunInStoppedCopy(["dpkg", "--configure", "-a"], TimeSpan.FromMinutes(5));
        machine.RunInStoppedCopy(["apt-get", "update"], TimeSpan.FromMinutes(5));
        machine.RunInStoppedCopy(["apt-get", "install", "-y", "--no-install-recommends", "cloud-init", .. debs], TimeSpan.FromMinutes(15));
        if (!HasCloudInit)
        {
            throw new LocalEnvironmentException("Rehearsal: cloud-init did not install into the machine's copy; see the log above.");
        }

        step.Done();
    }

    /// <summary>dpkg's own record shows a package unpacked or configured only halfway.</summary>
    private bool DpkgInterrupted()
    {
        var status = Path.Combine(layout.MachineRootfs, "var", "lib", "dpkg", "status");
        return File.Exists(status) && File.ReadAllText(status).Split("\n\n").Any(stanza =>
            stanza.Contains("\nStatus: install ok half-", StringComparison.Ordinal) || stanza.Contains("\nStatus: install ok unpacked\n", StringComparison.Ordinal));
    }

    private bool Installed(string package)
    {
        var status = Path.Combine(layout.MachineRootfs, "var", "lib", "dpkg", "status");
        if (!File.Exists(status))
        {
            return false;
        }

        // dpkg's status file: one stanza per package, "Package:" first, "Status:" among its fields.
        return File.ReadAllText(status).Split("\n\n").Any(stanza =>
            stanza.StartsWith($"Package: {package}\n", StringComparison.Ordinal) &&
            stanza.Contains("\nStatus: install ok installed\n", StringComparison.Ordinal));
    }

    private void WriteAtomically(string relativePath, string text)
    {
        var path = Path.Combine(layout.MachineRootfs, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (File.Exists(path) && File.ReadAllText(path) == text)
        {
            return;
        }

        File.WriteAllText(path + ".tmp", text);
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
