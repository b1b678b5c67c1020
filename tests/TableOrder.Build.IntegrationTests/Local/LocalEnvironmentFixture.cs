using TableOrder.Build.IntegrationTests.Support;
using TableOrder.Build.Local;
using TableOrder.Build.Testing;
using Xunit;

namespace TableOrder.Build.IntegrationTests.Local;

/// <summary>
/// Brings the local stack up from nothing the way a user does: LocalDown --purge, then Bootstrap
/// twice, then Verify, in a state folder of its own (.tableorder/test). Needs root (mmdebstrap,
/// systemd-nspawn), as the README says. Its stack has its own ports and machine,
/// so it runs beside a developer's stack. The machine image cache is
/// shared; everything else is fresh. Stops it all at the end.
/// </summary>
public sealed class LocalEnvironmentFixture : IAsyncLifetime
{
    public static readonly TimeSpan LongRun = TimeSpan.FromMinutes(25);

    public BuildResult Purge { get; private set; } = null!;

    public BuildResult FirstBootstrap { get; private set; } = null!;

    public BuildResult SecondBootstrap { get; private set; } = null!;

    public BuildResult Verify { get; private set; } = null!;

    public LocalLayout Layout { get; } = new(
        BuildRun.StateDirectory,
        LocalLayout.CacheFor(RepositoryRoot.Path),
        RepositoryRoot.Path);

    public async Task InitializeAsync()
    {
        Purge = await BuildRun.RunAsync(LongRun, "--target=LocalDown", "--purge");
        FirstBootstrap = await BuildRun.RunAsync(LongRun, "--target=Bootstrap");
        SecondBootstrap = await BuildRun.RunAsync(LongRun, "--target=Bootstrap");
        Verify = await BuildRun.RunAsync(LongRun, "--target=Verify");
    }

    public async Task DisposeAsync() => await BuildRun.RunAsync(LongRun, "--target=LocalDown");
}
