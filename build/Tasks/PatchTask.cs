using Cake.Frosting;
using TableOrder.Build.Configuration;
using TableOrder.Build.Release;

namespace TableOrder.Build.Tasks;

[TaskName("Patch")]
[TaskDescription("Lists the pending Debian updates on every app server (security ones marked), installs them with no service restarted meanwhile, then restarts what runs old code without a failed request (the API through the slot switch, Nginx by a graceful reload) and says whether a reboot is needed; --reboot reboots, one server at a time, drained first (one server: downtime measured).")]
[UsesArguments("ssh-key", "ssh-host-key", "transport", "lock-wait", "health-timeout", "drain-timeout", "reboot")]
public sealed class PatchTask : AsyncFrostingTask<BuildContext>
{
    public override Task RunAsync(BuildContext context) => context.PatchAsync();
}
