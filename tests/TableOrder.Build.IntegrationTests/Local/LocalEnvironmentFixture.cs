using Xunit;
using TableOrder.Build.IntegrationTests.Support;
using TableOrder.Build.Local;

namespace TableOrder.Build.IntegrationTests.Local;

/// <summary>
/// Brings the local stack up from nothing the way a user does: LocalDown --purge, then Bootstrap
/// twice, then Verify. Needs root (debootstrap, systemd-nspawn), as the README says. The
/// machine image cache is kept between runs; everything else is fresh. Stops it all at the end.
/// </summary>
public sealed class LocalEnvironmentFixture : IAsyncLifetime
{
    public static readonly TimeSpan LongRun = TimeSpan.FromMinutes(25);

    public BuildRun Purge { get; private set; } = null!;

    public BuildRun FirstBootstrap { get; private set; } = null!;

    public BuildRun SecondBootstrap { get; private set; } = null!;

    public BuildRun Verify { get; private set; } = null!;

    public LocalLayout Layout { get; } = new(
        Path.Combine(RepositoryRoot.Path, ".tableorder", "local"),
        Path.Combine(RepositoryRoot.Path, ".tableorder", "cache"),
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
