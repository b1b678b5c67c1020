using Cake.Frosting;
using TableOrder.Build.Configuration;
using TableOrder.Build.Recovery;

namespace TableOrder.Build.Tasks;

[TaskName("Restore")]
[TaskDescription("Restores the database to --to-time=<UTC> (default: the latest restorable time) or --snapshot=<name> into a new database made the stack's (the old one kept), under the deploy lock with writes answered 503 (maintenance) meanwhile; then settings, migrations to the live release's head, smoke checks. Records the restore point, RPO and RTO.")]
[UsesArguments("ssh-key", "ssh-host-key", "transport", "lock-wait", "health-timeout", "to-time", "snapshot")]
public sealed class RestoreTask : AsyncFrostingTask<BuildContext>
{
    public override Task RunAsync(BuildContext context) => context.RestoreDatabaseAsync(context.Options.Recovery.Restore);
}
