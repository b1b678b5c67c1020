using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Cake.Core.Diagnostics;
using TableOrder.Build.Local;
using TableOrder.Build.Remote;

namespace TableOrder.Build.Rehearsal;

/// <summary>
/// The rehearsal's AWS: moto's server (rehearsal/moto/launcher.py: moto 5.2.1, the patches of
/// aws_patches.py, the bridge of bridge.py) as a part of this state folder's stack, like its
/// PostgreSQL: started by the rehearsal's Plan or Provision on a free loopback port of the stack
/// (chosen once, remembered in aws/ports.json), kept running between runs, stopped by LocalDown.
/// moto keeps everything in memory: when it has gone (LocalDown, a restart of this host), the next
/// start says so and the rehearsal's AWS begins afresh, and with it its terraform state.
/// </summary>
public sealed class MotoServer(LocalLayout layout, ICakeLog log) : IStackPart
{
    public const string RequiredVersion = "5.2.1";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public const string InstallCommand = "pip install \"moto[server]==5.2.1\"";

    /// <summary>Debian's own AWS account: the owner terraform's AMI lookup asks for (terraform/modules/compute).</summary>
    public const string DebianAccount = "136693071363";

    /// <summary>The Debian 13 image every account of this moto sees (moto's AMI list, MOTO_AMIS_PATH).</summary>
    public const string ImageId = "ami-0de13bc0000000001";

    public string Directory => Path.Combine(layout.StateDirectory, "aws");

    private string PidFile => Path.Combine(Directory, "moto.pid");

    public string LogFile => Path.Combine(Directory, "moto.log");

    /// <summary>What the build tells the bridge about this machine's parts (bridge.py reads it afresh on every use).</summary>
    public string BridgeFile => Path.Combine(Directory, "bridge.json");

    private string ImagesFile => Path.Combine(Directory, "images.json");

    /// <summary>Written when moto started: while it is there and moto does not run, the AWS it held is gone.</summary>
    private string StartedFile => Path.Combine(Directory, "started");

    private string Launcher => Path.Combine(layout.RepositoryRoot, "rehearsal", "moto", "launcher.py");

    /// <summary>Its own port (a folder below this stack's), remembered there like HAProxy's.</summary>
    public int Port => LocalPorts.LoadOrChoose(Directory, preferDefaults: false, PortCheck.IsListening).Http;

    public string Url => $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    public int? RunningPid => ProcessIds.ReadAlive(PidFile, "python3") is { } pid && PortCheck.IsListening(Port) ? pid : null;

    public (string Part, string State, string Where) Status() =>
        ("moto (the rehearsal's AWS)", RunningPid is { } pid ? $"running (pid {pid})" : "stopped", $"{Url}, log {LogFile}");

    /// <summary>
    /// moto as the rehearsal needs it, or the one error that says what to install: python3 with
    /// moto[server] 5.2.1 (the patches are written against it). Reads the package's metadata only.
    /// </summary>
    public static string? Missing()
    {
        var info = new ProcessStartInfo("python3") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-c", "import importlib.metadata as m, importlib.util as u; print(m.version('moto') if u.find_spec('werkzeug') and u.find_spec('flask') else 'no-server')" })
        {
            info.ArgumentList.Add(argument);
        }

        string version;
        try
        {
            using var process = Process.Start(info)!;
            version = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                version = string.Empty;
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return $"The rehearsal's AWS is moto, run by python3, and there is no python3 on PATH. Install Python 3 and moto: {InstallCommand}";
        }

        return version switch
        {
            RequiredVersion => null,
            "" => $"The rehearsal's AWS is moto {RequiredVersion} (with its server), and python3 has no moto. Install it: {InstallCommand}",
            "no-server" => $"The rehearsal's AWS is moto's server, and python3's moto lacks it (Flask, Werkzeug). Install it: {InstallCommand}",
            _ => $"The rehearsal's AWS is moto {RequiredVersion} (its patches are written against that version), and python3 has moto {version}. Install it: {InstallCommand}",
        };
    }

    /// <summary>Starts moto unless it runs; true when it starts afresh while an earlier one's AWS existed (it is gone).</summary>
    public bool Start()
    {
        if (RunningPid is { } running)
        {
            log.Verbose("moto: already running (pid {0}) on {1}", running, Url);
            return false;
        }

        if (Missing() is { } missing)
        {
            throw new LocalEnvironmentException(missing);
        }

        var existed = File.Exists(StartedFile);
        System.IO.Directory.CreateDirectory(Directory);
        File.WriteAllText(ImagesFile, JsonSerializer.Serialize(new[] { DebianImage() }));
        if (!File.Exists(BridgeFile))
        {
            WriteBridge(new Dictionary<string, object>());
        }

        PortCheck.EnsureFree(Port, "moto (the rehearsal's AWS)");
        log.Information("moto: starting the rehearsal's AWS on {0} (log {1})", Url, LogFile);
        var launch = string.Join(' ', "exec python3 -B", Shell.Quote(Launcher), "--port", Port.ToString(CultureInfo.InvariantCulture), "--bridge", Shell.Quote(BridgeFile), "--images", Shell.Quote(ImagesFile));
        var script = $"echo $$ > {Shell.Quote(PidFile)}; {launch}";

        // setsid: moto outlives this build, as the stack's other services do; its output goes to its log, never to the build's pipes
        new LocalProcess(log).Run("bash", ["-c", $"setsid bash -c {Shell.Quote(script)} </dev/null >>{Shell.Quote(LogFile)} 2>&1 &"]);
        Waiting.Until(() => RunningPid is not null, TimeSpan.FromSeconds(90), $"moto did not start listening on {Url}; see {LogFile}.");
        File.WriteAllText(StartedFile, DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture) + "\n");
        return existed;
    }

    public void Shutdown()
    {
        if (RunningPid is { } pid)
        {
            log.Information("moto: stopping the rehearsal's AWS (pid {0}); what it held is gone, the next Provision starts it afresh", pid);
            ProcessIds.Terminate(pid, TimeSpan.FromSeconds(10));
        }

        File.Delete(PidFile);
    }

    /// <summary>Where the bridge keeps the data of moto's RDS snapshots (pg_dump files named by snapshot identifier).</summary>
    public string SnapshotDirectory => Path.Combine(Directory, "rds-snapshots");

    /// <summary>
    /// The bridge file (temp name, then rename: the bridge never reads half of it), with the stack's
    /// PostgreSQL that holds each RDS instance's database (bridge.py's RDS part).
    /// </summary>
    public void WriteBridge(IDictionary<string, object> bridge)
    {
        ArgumentNullException.ThrowIfNull(bridge);
        System.IO.Directory.CreateDirectory(Directory);
        var temporary = BridgeFile + ".tmp";
        var described = new Dictionary<string, object>(bridge, StringComparer.Ordinal)
        {
            ["database"] = new Dictionary<string, object>
            {
                ["socket"] = layout.PostgresSocketDirectory,
                ["port"] = layout.Ports.Postgres,
                ["bin"] = LocalPostgres.BinDirectory,
                ["snapshots"] = SnapshotDirectory,
            },
        };
        File.WriteAllText(temporary, JsonSerializer.Serialize(described, Indented));
        File.Move(temporary, BridgeFile, overwrite: true);
    }

    /// <summary>
    /// Debian's public Debian 13 image, as terraform's lookup finds it on AWS (owner 136693071363,
    /// debian-13-amd64-*, x86_64, hvm): the rehearsal's machines boot from this machine's Debian 13 image.
    /// </summary>
    private static Dictionary<string, object> DebianImage() => new()
    {
        ["ami_id"] = ImageId,
        ["state"] = "available",
        ["public"] = true,
        ["owner_id"] = DebianAccount,
        ["image_location"] = $"{DebianAccount}/debian-13-amd64-20261101-1000",
        ["name"] = "debian-13-amd64-20261101-1000",
        ["description"] = "Debian 13 (trixie) amd64: the rehearsal's machines boot this host's Debian 13 image through cloud-init",
        ["architecture"] = "x86_64",
        ["virtualization_type"] = "hvm",
        ["hypervisor"] = "xen",
        ["root_device_type"] = "ebs",
        ["root_device_name"] = "/dev/xvda",
        ["image_type"] = "machine",
        ["sriov"] = "simple",
    };
}
