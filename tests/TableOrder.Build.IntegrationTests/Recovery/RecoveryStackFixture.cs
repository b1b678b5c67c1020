using Npgsql;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.IntegrationTests.Support;
using TableOrder.Build.Local;
using TableOrder.Build.Remote;
using Xunit;

namespace TableOrder.Build.IntegrationTests.Recovery;

/// <summary>One deployed local stack of its own (.tableorder/test-recovery), for the restore and patch tests.</summary>
public sealed class RecoveryStackFixture() : FleetStackFixture("test-recovery", "local", 1)
{
    public Uri SiteUrl => new($"http://127.0.0.1:{Layout.Ports.Http}/");

    /// <summary>The stack's database as its superuser, over the private socket (the test runs as root, as the build does).</summary>
    public NpgsqlConnection Database() => new(new NpgsqlConnectionStringBuilder
    {
        Host = Layout.PostgresSocketDirectory,
        Port = Layout.Ports.Postgres,
        Username = "postgres",
        Database = LocalLayout.DatabaseName,
        Pooling = false,
    }.ConnectionString);

    /// <summary>Runs a command as root on the stack's machine.</summary>
    public async Task<RemoteResult> SshAsync(string rootCommand, Xunit.Abstractions.ITestOutputHelper? output = null)
    {
        var log = new RecordingLog(output);
        using var session = await SshSession.ConnectAsync(new LocalMachine(Layout, new LocalProcess(log), log).SshTarget, log, new SecretMasker(), TimeSpan.FromSeconds(30));
        return await session.RunAsync(RemoteCommand.Root(rootCommand, "test step") with { AllowFailure = true, Timeout = TimeSpan.FromMinutes(5) });
    }
}

/// <summary>Restore and Patch share one stack: their classes run one after the other.</summary>
[CollectionDefinition(Name)]
public sealed class RecoveryGroup : ICollectionFixture<RecoveryStackFixture>
{
    public const string Name = "Recovery stack";
}
