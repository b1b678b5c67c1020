using TableOrder.Build.Remote;

namespace TableOrder.Build.Environments;

/// <summary>An environment whose app servers the build can reboot (Patch --reboot).</summary>
public interface IServerReboots
{
    /// <summary>
    /// Reboots <paramref name="server"/> and returns a new connection once it answers again (the old one
    /// goes with the reboot). Locally the stack boots the machine again, as EC2's host does an instance.
    /// </summary>
    Task<IRemoteShell> RebootAsync(AppServer server, CancellationToken cancellationToken = default);
}
