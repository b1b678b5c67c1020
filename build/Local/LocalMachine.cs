using System.Security.Cryptography;
using Cake.Core.Diagnostics;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Remote;

namespace TableOrder.Build.Local;

/// <summary>
/// The local app server: a Debian root file system made by mmdebstrap (cached by the hash of its
/// recipe, app-deploy/local/make-rootfs.sh, and its mirror), copied per environment and booted with systemd-nspawn.
/// It shares this machine's network on its own ports and is reached only over SSH, like EC2.
/// </summary>
public sealed class LocalMachine(LocalLayout layout, LocalProcess process, ICakeLog log)
{
    private string MachineName => layout.MachineName;

    private string ImagesDirectory => Path.Combine(layout.CacheDirectory, "machine");

    private string WorkingCopyMarker => Path.Combine(layout.MachineDirectory, "image");

    /// <summary>The systemd-nspawn options the running machine was booted with (a machine booted with others is booted again).</summary>
    private string BootOptionsMarker => Path.Combine(layout.MachineDirectory, "boot-options");

    /// <summary>
    /// How the machine boots: its own console log, no registration with the host's machined. bpf is
    /// allowed in its system call filter (nspawn leaves it out by default): the machine's systemd
    /// enforces IPAddressDeny= with cgroup BPF programs, as on EC2, and refuses nothing without it.
    /// </summary>
    public const string BootOptions = "--boot --register=no --keep-unit --quiet --console=read-only --link-journal=no --system-call-filter=bpf";

    public int? RunningPid => ProcessIds.ReadAlive(layout.MachinePidFile, "systemd-nspawn");

    /// <summary>
    /// What an environment adds to its copy before each boot, the machine stopped (the rehearsal:
    /// cloud-init and its NoCloud seed). The local environment adds nothing: its image stays as built.
    /// </summary>
    public Action? BeforeBoot { get; set; }

    /// <summary>How to reach the machine: its login user, the build's key, and its host key, pinned.</summary>
    public SshTarget SshTarget => new(
        "127.0.0.1",
        layout.Ports.Ssh,
        LocalLayout.LoginUser,
        layout.LoginKey,
        PinnedHostKey.FromFile(layout.MachineHostKey));

    public void Start()
    {
        RequireRoot();
        // Stacks of one clone share the image cache and the login key: two builds making, copying or
        // purging them at once (test fixtures in parallel, a Deploy beside a test run) would break each other.
        using var cache = CacheLock();
        var image = EnsureImage();
        if (RunningPid is { } pid)
        {
            var sameImage = File.Exists(WorkingCopyMarker) && File.ReadAllText(WorkingCopyMarker).Trim() == Path.GetFileName(image);
            var sameBoot = File.Exists(BootOptionsMarker) && File.ReadAllText(BootOptionsMarker).Trim() == BootOptions;
            if (sameImage && sameBoot)
            {
                log.Information("Machine {0}: already running (pid {1}), ssh on 127.0.0.1:{2}", MachineName, pid, layout.Ports.Ssh);
                return;
            }

            log.Information(sameImage ? "Machine {0}: it was booted with other options; booting it again" : "Machine {0}: its recipe changed; stopping it to rebuild", MachineName);
            Stop();
        }

        EnsureWorkingCopy(image);
        cache.Dispose();
        PortCheck.EnsureFree(layout.Ports.Ssh, "app-server machine's sshd");
        SetSshPort();
        BeforeBoot?.Invoke();
        Boot();
    }

    /// <summary>
    /// Runs one command inside the stopped copy (systemd-nspawn without --boot: its own /proc, /dev
    /// and /sys, this machine's network), as root; what it changes stays in this copy, never on the host.
    /// </summary>
    public void RunInStoppedCopy(IReadOnlyList<string> command, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (RunningPid is not null)
        {
            throw new LocalEnvironmentException($"Machine {MachineName} is running: a command for its stopped copy would race its own boot.");
        }

        process.Run(
            "systemd-nspawn",
            ["--register=no", "--keep-unit", "--quiet", $"--directory={layout.MachineRootfs}", "--setenv=DEBIAN_FRONTEND=noninteractive", "--", .. command],
            echo: true,
            timeout: timeout);
    }

    public void Stop()
    {
        if (RunningPid is not { } pid)
        {
            return;
        }

        // nspawn turns SIGTERM into an orderly shutdown of the machine's systemd.
        log.Information("Machine {0}: shutting down (pid {1})", MachineName, pid);
        ProcessIds.Terminate(pid, TimeSpan.FromSeconds(60));
        File.Delete(layout.MachinePidFile);
    }

    private LocalLock CacheLock() => LocalLock.Wait(Path.Combine(ImagesDirectory, "image.lock"), "making or copying the machine image", log, TimeSpan.FromMinutes(30));

    public void DeleteImages()
    {
        using var cache = CacheLock();
        var images = Directory.Exists(ImagesDirectory) ? Directory.GetDirectories(ImagesDirectory, "rootfs-*").ToList() : [];
        if (Directory.Exists(layout.AptCacheDirectory))
        {
            images.Add(layout.AptCacheDirectory);
        }

        if (images.Count > 0)
        {
            log.Information("Machine image cache: deleting {0}", string.Join(", ", images.Select(Path.GetFileName)));
            process.Run("rm", ["-rf", "--one-file-system", "--", .. images]);
        }
    }

    /// <summary>
    /// The packages this machine's bootstrap downloaded go to the clone's download cache (the one the
    /// image build fills) before its copy goes: a new copy starts with them, and its bootstrap installs
    /// the same versions without downloading them again (apt checks each file). The image stays as built.
    /// </summary>
    public void KeepDownloads() => CopyPackages(Path.Combine(layout.MachineRootfs, "var", "cache", "apt", "archives"), layout.AptCacheDirectory);

    public void DeleteWorkingCopy()
    {
        KeepDownloads();
        // The marker goes first: a delete cut short must not leave a half-deleted copy that looks whole.
        if (Directory.Exists(layout.MachineDirectory))
        {
            File.Delete(WorkingCopyMarker);
            process.Run("rm", ["-rf", "--one-file-system", layout.MachineDirectory]);
        }
    }

    private static void RequireRoot()
    {
        if (!LocalProcess.IsRoot)
        {
            throw new LocalEnvironmentException(
                "The local app-server machine needs root (mmdebstrap and systemd-nspawn). Run the build as root, e.g. `sudo dotnet run --project build -- --target=Deploy`.");
        }
    }

    /// <summary>The pristine image for the current recipe; built once (half a minute to a few, by the mirror), then reused.</summary>
    private string EnsureImage()
    {
        EnsureLoginKey();
        var mirror = layout.DebianMirror ?? DebianMirror.FromHost();
        var recipe = File.ReadAllBytes(layout.RootfsScript);
        var publicKey = File.ReadAllText(layout.LoginKey + ".pub").Trim();

        // A changed recipe, login, key or mirror (its sources are in the image) is a new image.
        var identity = SHA256.HashData([.. recipe, .. System.Text.Encoding.UTF8.GetBytes($"{LocalLayout.LoginUser}|{LocalLayout.ImageSshPort}|{publicKey}|{mirror.Archive}|{mirror.Security}")]);
        var image = Path.Combine(ImagesDirectory, "rootfs-" + Convert.ToHexStringLower(identity)[..12]);
        if (File.Exists(Path.Combine(image, "etc", "tableorder-rootfs.stamp")))
        {
            return image;
        }

        using var step = log.Step($"Machine image: building {Path.GetFileName(image)} with mmdebstrap from {mirror.Archive} (once; cached in {ImagesDirectory})");
        process.Run(
            "bash",
            [layout.RootfsScript, "--mirror", mirror.Archive, "--security-mirror", mirror.Security, "--apt-cache", layout.AptCacheDirectory,
                image, LocalLayout.LoginUser, layout.LoginKey + ".pub", LocalLayout.ImageSshPort.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            echo: true,
            timeout: TimeSpan.FromMinutes(30));
        step.Done();

        // Images of older recipes are of no further use.
        foreach (var old in Directory.GetDirectories(ImagesDirectory, "rootfs-*").Where(d => d != image && !d.EndsWith(".tmp", StringComparison.Ordinal)))
        {
            process.Run("rm", ["-rf", "--one-file-system", old], allowFailure: true);
        }

        return image;
    }

    /// <summary>The build's login key for the machines (made once per clone; the rehearsal's key pair is made from it).</summary>
    public void EnsureLoginKey()
    {
        if (File.Exists(layout.LoginKey) && File.Exists(layout.LoginKey + ".pub"))
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(layout.LoginKey)!);
        File.Delete(layout.LoginKey);
        File.Delete(layout.LoginKey + ".pub");
        process.Run("ssh-keygen", ["-q", "-t", "ed25519", "-N", string.Empty, "-C", "tableorder-local-deploy", "-f", layout.LoginKey]);
    }

    /// <summary>This environment's own copy of the image: what bootstrap changes stays out of the cache.</summary>
    private void EnsureWorkingCopy(string image)
    {
        var imageName = Path.GetFileName(image);
        if (Directory.Exists(layout.MachineRootfs) && File.Exists(WorkingCopyMarker) && File.ReadAllText(WorkingCopyMarker).Trim() == imageName)
        {
            return;
        }

        log.Information("Machine {0}: fresh copy of image {1}", MachineName, imageName);
        DeleteWorkingCopy();
        Directory.CreateDirectory(layout.MachineDirectory);
        var temporary = layout.MachineRootfs + ".tmp";
        process.Run("cp", ["-a", "--reflink=auto", image, temporary], timeout: TimeSpan.FromMinutes(10));
        CopyPackages(layout.AptCacheDirectory, Path.Combine(temporary, "var", "cache", "apt", "archives"));
        Directory.Move(temporary, layout.MachineRootfs);
        File.WriteAllText(WorkingCopyMarker, imageName);
    }

    /// <summary>Copies the .deb files <paramref name="to"/> lacks (each by a rename: a reader never sees half a file).</summary>
    private static void CopyPackages(string from, string to)
    {
        if (!Directory.Exists(from))
        {
            return;
        }

        Directory.CreateDirectory(to);
        foreach (var package in Directory.GetFiles(from, "*.deb"))
        {
            var target = Path.Combine(to, Path.GetFileName(package));
            if (!File.Exists(target))
            {
                File.Copy(package, target + ".tmp", overwrite: true);
                File.Move(target + ".tmp", target, overwrite: true);
            }
        }
    }

    /// <summary>
    /// The image's sshd listens on <see cref="LocalLayout.ImageSshPort"/>; this stack's copy listens
    /// on the stack's own port (the machine shares the host's network with every other stack).
    /// </summary>
    private void SetSshPort()
    {
        var config = Path.Combine(layout.MachineRootfs, "etc", "ssh", "sshd_config.d", "10-tableorder.conf");
        var lines = File.ReadAllLines(config)
            .Select(l => l.StartsWith("Port ", StringComparison.Ordinal) ? $"Port {layout.Ports.Ssh.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : l);
        File.WriteAllLines(config, lines);
    }

    /// <summary>
    /// Moves the shell that becomes systemd-nspawn into a cgroup of this stack's own (in every
    /// hierarchy there is). With --keep-unit nspawn stays in its caller's cgroup, and two machines
    /// in one cgroup fight over it: their systemd cannot place sessions, and every login waits.
    /// </summary>
    private string OwnCgroup()
    {
        var name = Remote.Shell.Quote("tableorder-" + layout.StackId);
        return "for h in /sys/fs/cgroup/systemd /sys/fs/cgroup/unified /sys/fs/cgroup; do " +
            $"if [ -f \"$h/cgroup.procs\" ]; then mkdir -p \"$h/\"{name} && echo $$ > \"$h/\"{name}/cgroup.procs; fi; done 2>/dev/null;";
    }

    private void Boot()
    {
        log.Information("Machine {0}: booting with systemd-nspawn (console log: {1})", MachineName, layout.MachineConsoleLog);
        File.Delete(layout.MachinePidFile);

        // --console=read-only: what the machine writes to its console (systemd, cloud-init's host keys)
        // lands in the console log, which the rehearsal serves as EC2's console output ("passive" drops it).
        // setsid detaches the machine from this build's process group so it outlives the build;
        // `exec` keeps the pid written to the pid file the pid of systemd-nspawn itself.
        var nspawn = string.Join(' ',
            "exec systemd-nspawn",
            BootOptions,
            $"--directory={Remote.Shell.Quote(layout.MachineRootfs)}",
            $"--machine={MachineName}");
        var script = $"{OwnCgroup()} echo $$ > {Remote.Shell.Quote(layout.MachinePidFile)}; {nspawn}";
        process.Run(
            "bash",
            ["-c", $"setsid bash -c {Remote.Shell.Quote(script)} </dev/null >{Remote.Shell.Quote(layout.MachineConsoleLog)} 2>&1 &"]);

        Waiting.Until(() => RunningPid is not null, TimeSpan.FromSeconds(15), $"systemd-nspawn did not start; see {layout.MachineConsoleLog}.");
        File.WriteAllText(BootOptionsMarker, BootOptions + "\n");
    }
}
