using Cake.Core.Diagnostics;
using TableOrder.Build.Local;

namespace TableOrder.Build.Rehearsal;

/// <summary>A Debian package of the rehearsal's own: its name, and its files (path in the machine, text, executable).</summary>
public sealed record AgentPackage(string Name, string Description, IReadOnlyList<(string Path, string Text, bool Executable)> Files);

/// <summary>
/// The one download the rehearsal stands in for: AWS's SSM agent and CloudWatch agent .debs (S3, not
/// Debian). Packages of the same names, installed in the rehearsal's machine copy before its first boot,
/// so the user-data script finds them installed (as on an image that has them) and skips the download.
/// Each says it is a stand-in. bootstrap.sh then configures the CloudWatch one as on EC2; Run Command
/// reaches the machine from the rehearsal's AWS itself (moto's bridge runs the scripts in the machine),
/// so the SSM one only runs and says so.
/// </summary>
public static class RehearsalAgents
{
    public static readonly IReadOnlyList<AgentPackage> Packages =
    [
        new(
            "amazon-ssm-agent",
            "STAND-IN for the Amazon SSM agent (rehearsal only)",
            [
                ("usr/bin/amazon-ssm-agent", """
                    #!/bin/sh
                    # STAND-IN for AWS's SSM agent (the TableOrder production rehearsal): the rehearsal's AWS (moto
                    # and its bridge) runs Run Command scripts in this machine itself, so this agent polls nothing.
                    echo "amazon-ssm-agent STAND-IN (TableOrder rehearsal): Run Command comes from moto's bridge, not through this agent"
                    exec sleep infinity
                    """, true),
                ("usr/lib/systemd/system/amazon-ssm-agent.service", """
                    [Unit]
                    Description=STAND-IN for amazon-ssm-agent (TableOrder rehearsal)

                    [Service]
                    ExecStart=/usr/bin/amazon-ssm-agent
                    Restart=always

                    [Install]
                    WantedBy=multi-user.target
                    """, false),
            ]),
        new(
            "amazon-cloudwatch-agent",
            "STAND-IN for the Amazon CloudWatch agent (rehearsal only)",
            [
                ("opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl", """
                    #!/bin/bash
                    # STAND-IN for amazon-cloudwatch-agent-ctl (the TableOrder production rehearsal): checks and keeps the config, sends nothing.
                    set -euo pipefail
                    state=/var/lib/amazon-cloudwatch-agent-standin
                    mkdir -p "$state"
                    action='' config=''
                    while (($#)); do case $1 in -a) action=$2; shift 2 ;; -c) config=${2#file:}; shift 2 ;; *) shift ;; esac; done
                    case $action in
                      fetch-config) python3 -m json.tool "$config" >/dev/null; cp "$config" "$state/config.json"; echo running > "$state/status"; echo "stand-in: CloudWatch agent config accepted" ;;
                      status) if [[ -f $state/status ]]; then echo '{"status": "running", "version": "standin"}'; else echo '{"status": "stopped", "version": "standin"}'; fi ;;
                      stop) rm -f "$state/status" ;;
                      *) echo "stand-in: action $action" ;;
                    esac
                    """, true),
            ]),
    ];

    /// <summary>Builds <paramref name="package"/> as a .deb at <paramref name="deb"/> with dpkg-deb (in a work folder of the state folder).</summary>
    public static void Build(AgentPackage package, string workFolder, string deb, ICakeLog log)
    {
        ArgumentNullException.ThrowIfNull(package);
        var root = Path.Combine(workFolder, package.Name);
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }

        Directory.CreateDirectory(Path.Combine(root, "DEBIAN"));
        File.WriteAllText(Path.Combine(root, "DEBIAN", "control"), $"Package: {package.Name}\nVersion: 0.0.0-tableorder-rehearsal-standin\nArchitecture: all\nMaintainer: TableOrder rehearsal <noreply@example.invalid>\nDescription: {package.Description}\n");
        foreach (var (path, text, executable) in package.Files)
        {
            var file = Path.Combine(root, path);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, text.Replace("\r", string.Empty, StringComparison.Ordinal) + "\n");
            File.SetUnixFileMode(file, executable ? (UnixFileMode)0x1ED : (UnixFileMode)0x1A4);
        }

        new LocalProcess(log).Run("dpkg-deb", ["--root-owner-group", "--build", root, deb]);
    }
}
