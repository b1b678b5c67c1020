using System.Net;
using System.Net.Sockets;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.IntegrationTests.Support;
using TableOrder.Build.Local;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;
using Xunit;
using Xunit.Abstractions;

namespace TableOrder.Build.IntegrationTests.Local;

/// <summary>
/// The lock policy of slot.sh prepare on the bootstrapped local machine, with a real package index: a
/// wheel built on the machine (pip wheel, setuptools from Debian's wheel folder) from a tiny source
/// package, served as a PEP 503 simple index by python's http.server on loopback; PIP_INDEX_URL points
/// pip there, in this test only. What a release adds beyond Debian's packages comes from its hash
/// lock, installed by the build user; a wrong hash, a missing lock or the distro policy are refused.
/// </summary>
[Trait("Category", "Integration")]
[Collection(LocalEnvironmentGroup.Name)]
public sealed class PythonLockTests(LocalEnvironmentFixture stack, ITestOutputHelper output) : IAsyncLifetime
{
    private const string Package = "tableorder-locktest";
    private const string Work = "/var/lib/tableorder-test-pypi";
    private const string IndexUnit = "tableorder-test-pypi.service";

    private readonly int _port = FreePort();
    private readonly List<string> _releases = [];
    private SshSession _session = null!;
    private string _sha = string.Empty;

    private string IndexUrl => $"http://127.0.0.1:{_port}/simple/";

    public async Task InitializeAsync()
    {
        Assert.Equal(0, stack.FirstBootstrap.ExitCode);
        _session = await MachineRoot.ConnectAsync(stack.Layout, output);
        var made = await RootAsync($$"""
            set -e
            systemctl stop {{IndexUnit}} 2>/dev/null || true
            rm -rf {{Work}}
            install -d -m 0755 {{Work}}/src/tableorder_locktest {{Work}}/index/simple/{{Package}} {{Work}}/index/packages
            cat > {{Work}}/src/pyproject.toml <<'TOML'
            [build-system]
            requires = ["setuptools>=61"]
            build-backend = "setuptools.build_meta"

            [project]
            name = "{{Package}}"
            version = "1.0"
            TOML
            echo 'VALUE = "from the lock"' > {{Work}}/src/tableorder_locktest/__init__.py
            python3 -m venv {{Work}}/build
            {{Work}}/build/bin/pip install -q --no-index --find-links /usr/share/python-wheels setuptools
            {{Work}}/build/bin/pip wheel -q --no-deps --no-build-isolation --no-index -w {{Work}}/index/packages {{Work}}/src
            wheel=$(ls {{Work}}/index/packages/*.whl)
            sha=$(sha256sum "$wheel" | cut -d' ' -f1)
            printf '<!DOCTYPE html>\n<html><body><a href="/packages/%s#sha256=%s">%s</a></body></html>\n' "${wheel##*/}" "$sha" "${wheel##*/}" > {{Work}}/index/simple/{{Package}}/index.html
            chmod -R a+rX {{Work}}
            systemd-run --quiet --unit={{IndexUnit}} --property=User=nobody --working-directory={{Work}}/index python3 -m http.server --bind 127.0.0.1 {{_port}}
            for _ in $(seq 1 50); do curl -fs -o /dev/null {{IndexUrl}}{{Package}}/ && break; sleep 0.2; done
            curl -fs -o /dev/null {{IndexUrl}}{{Package}}/
            echo "sha=$sha"
            """);
        Assert.True(made.ExitCode == 0, string.Join('\n', made.Output.Concat(made.Errors)));
        _sha = made.Output.Single(l => l.StartsWith("sha=", StringComparison.Ordinal))[4..];
    }

    public async Task DisposeAsync()
    {
        await RootAsync($"systemctl stop {IndexUnit} 2>/dev/null; rm -rf {Work} {string.Join(' ', _releases.Select(ServerMap.Release))}");
        _session.Dispose();
    }

    [Fact]
    public async Task What_debian_lacks_comes_from_the_hash_lock_installed_by_the_build_user_and_root_owns_it_after()
    {
        var release = await ReleaseAsync(lockHash: _sha);

        // stopped right after pip: the files pip wrote belong to the user that ran it
        var stopped = await PrepareAsync(release, "lock", "--stop-at after-requirements");
        var installedBy = await RootAsync($"stat -c %U {ServerMap.Release(release)}/{ServerMap.ReleaseVenv}/lib/python3*/site-packages/tableorder_locktest/__init__.py");
        var completed = await PrepareAsync(release, "lock");
        var after = await RootAsync($"""
            venv={ServerMap.Release(release)}/{ServerMap.ReleaseVenv}
            echo "complete=$(test -f {ServerMap.Release(release)}/{ServerMap.ReleaseComplete} && echo yes || echo no)"
            echo "not-root=$(find "$venv" ! -user root | wc -l)"
            echo "value=$("$venv/bin/python" -c 'import tableorder_locktest; print(tableorder_locktest.VALUE)')"
            """);

        Assert.Equal(99, stopped.ExitCode);
        Assert.Equal([ServerMap.BuildUser], installedBy.Output);
        Assert.True(completed.ExitCode == 0, string.Join('\n', completed.Errors));
        Assert.Equal(["complete=yes", "not-root=0", "value=from the lock"], after.Output);
    }

    [Fact]
    public async Task A_lock_whose_hash_does_not_match_is_refused_and_nothing_goes_live()
    {
        var release = await ReleaseAsync(lockHash: new string('0', 64));

        var refused = await PrepareAsync(release, "lock");
        var after = await RootAsync($"""
            echo "complete=$(test -f {ServerMap.Release(release)}/{ServerMap.ReleaseComplete} && echo yes || echo no)"
            echo "installed=$(ls {ServerMap.Release(release)}/{ServerMap.ReleaseVenv}/lib/python3*/site-packages/ | grep -c tableorder_locktest)"
            """);

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("DO NOT MATCH THE HASHES", string.Join('\n', refused.Errors), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(["complete=no", "installed=0"], after.Output);
    }

    [Fact]
    public async Task A_release_that_needs_more_than_debian_without_a_lock_is_refused_naming_the_fix()
    {
        var release = await ReleaseAsync(lockHash: null);

        var refused = await PrepareAsync(release, "lock");

        Assert.NotEqual(0, refused.ExitCode);
        var error = string.Join('\n', refused.Errors);
        Assert.Contains($"has no {ServerMap.RequirementsLock}", error, StringComparison.Ordinal);
        Assert.Contains("pip-compile --generate-hashes", error, StringComparison.Ordinal);
        Assert.Contains("pip hash", error, StringComparison.Ordinal);
        Assert.Contains(Package, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_debians_packages_only_no_index_is_asked_even_with_a_lock()
    {
        var release = await ReleaseAsync(lockHash: _sha);

        var refused = await PrepareAsync(release, "distro");

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("--python-deps distro installs nothing from an index", string.Join('\n', refused.Errors), StringComparison.Ordinal);
    }

    /// <summary>A release folder as Release unpacks one: its id, requirements.txt asking for the package, and a lock (or none).</summary>
    private async Task<string> ReleaseAsync(string? lockHash)
    {
        var id = "locktest" + Guid.NewGuid().ToString("N")[..12];
        _releases.Add(id);
        var folder = ServerMap.Release(id);
        var made = await RootAsync($"""
            set -e
            install -d -m 0755 {folder}
            echo {id} > {folder}/RELEASE_ID
            echo '{Package}==1.0' > {folder}/requirements.txt
            {(lockHash is null ? ":" : $"echo '{Package}==1.0 --hash=sha256:{lockHash}' > {folder}/{ServerMap.RequirementsLock}")}
            """);
        Assert.Equal(0, made.ExitCode);
        return id;
    }

    private Task<RemoteResult> PrepareAsync(string release, string pythonDeps, string extra = "") =>
        RootAsync($"PIP_INDEX_URL={IndexUrl} bash \"$(getent passwd {LocalLayout.LoginUser} | cut -d: -f6)/{ServerMap.ScriptsFolder}/slot.sh\" prepare {release} --python-deps {pythonDeps} {extra}");

    private Task<RemoteResult> RootAsync(string script) => MachineRoot.RunAsync(_session, script, output);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
