using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using TableOrder.Build.IntegrationTests.Support;
using TableOrder.Build.Recovery;
using Xunit;
using Xunit.Abstractions;

namespace TableOrder.Build.IntegrationTests.Recovery;

/// <summary>
/// The design's "database failure" recovery on the local stack, as a user meets it: orders written
/// all along, the database damaged, then Restore to just before the damage brings back every order
/// from before and none from after, within the RPO and RTO, read from last-run.json; and a migration
/// that breaks data undone by Restore to the snapshot Migrate took before it.
/// </summary>
[Trait("Category", "Integration")]
[Collection(RecoveryGroup.Name)]
public sealed class RestoreTests(RecoveryStackFixture stack, ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _apps = new("recovery-apps");
    private readonly HttpClient _http = new(new HttpClientHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) };

    public void Dispose()
    {
        _http.Dispose();
        _apps.Dispose();
    }

    [Fact]
    public async Task Restore_to_just_before_the_damage_brings_back_every_order_before_it_and_none_after()
    {
        Assert.True(stack.Deploy.ExitCode == 0, stack.Deploy.ToString());
        await using var writer = new OrderWriter(stack.Database());
        await writer.StartAsync();
        await Task.Delay(TimeSpan.FromSeconds(15));

        // the damage, at T: a table of the app is gone; orders go on being written after it
        var damaged = DateTimeOffset.UtcNow;
        await using (var connection = stack.Database())
        {
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand("DROP TABLE menus CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }

        await Task.Delay(TimeSpan.FromSeconds(3));
        var orders = await writer.StopAsync();
        Assert.True(orders.Count > 50, $"only {orders.Count} orders were written");
        Assert.NotEqual(HttpStatusCode.OK, (await _http.GetAsync(new Uri(stack.SiteUrl, $"api/stores/{writer.StoreId}/menus"))).StatusCode);

        // writes during the restore are answered 503 with Retry-After by Nginx
        var target = damaged.AddSeconds(-1);
        using var writes = new WriteProbe(new Uri(stack.SiteUrl, "api/stores"));
        var restore = await stack.RunAsync("--target=Restore", $"--to-time={RestoreTarget.Format(target)}");
        // a write sent just before maintenance ended may still be answered by an Nginx worker of the
        // old configuration: the probe goes on a second, so its last writes are sent after the reload
        await Task.Delay(TimeSpan.FromSeconds(1));
        var seen = await writes.StopAsync();
        output.WriteLine(restore.Output);
        Assert.True(restore.ExitCode == 0, restore.ToString());

        var run = restore.Run;
        var rpo = run.Outcome("Restore", "rpoSeconds")!.Value.GetDouble();
        var rto = run.Outcome("Restore", "rtoSeconds")!.Value.GetDouble();
        output.WriteLine($"RPO {rpo} s, RTO {rto} s, restore point {run.Text("Restore", "restorePoint")}, {orders.Count} orders written");
        Assert.InRange(rpo, 0, 60);
        Assert.InRange(rto, 1, 120);
        var point = DateTimeOffset.Parse(run.Text("Restore", "restorePoint")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(point <= target, $"restore point {point:O} is after the target {target:O}");
        Assert.Contains("health", run.Outcome("Restore", "checks")!.Value.EnumerateArray().Select(c => c.GetString()));
        Assert.Contains("SSE round trip", run.Outcome("Restore", "checks")!.Value.EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(60, run.Outcome("Restore", "archiveWindowSeconds")!.Value.GetDouble());

        var present = await OrderNumbersAsync();
        var window = TimeSpan.FromSeconds(run.Outcome("Restore", "archiveWindowSeconds")!.Value.GetDouble());
        var beforeWindow = orders.Where(o => o.Committed < target - window).ToList();
        Assert.All(beforeWindow, o => Assert.Contains(o.Number, present));
        // the running cluster archived its last segment first: nothing committed before the target is lost
        var missing = orders.Where(o => o.Committed < target && !present.Contains(o.Number)).Select(o => o.Number).ToList();
        Assert.True(missing.Count == 0, $"committed before the target but not restored: {string.Join(", ", missing)}");
        var afterTarget = orders.Where(o => o.Started > target && present.Contains(o.Number)).Select(o => o.Number).ToList();
        Assert.True(afterTarget.Count == 0, $"written after the target but restored: {string.Join(", ", afterTarget)}");
        Assert.Contains(orders, o => o.Started > damaged);

        // the app serves the restored data, and writes go through again
        using var menus = await _http.GetAsync(new Uri(stack.SiteUrl, $"api/stores/{writer.StoreId}/menus"));
        Assert.Equal(HttpStatusCode.OK, menus.StatusCode);
        var body = await menus.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(7, body.GetProperty("categories").EnumerateArray().Sum(c => c.GetProperty("menus").GetArrayLength()));
        Assert.Contains(seen, s => s.Status == 503 && s.RetryAfter == "60");
        Assert.NotEqual(503, seen[^1].Status);
        using var after = await _http.PostAsync(new Uri(stack.SiteUrl, "api/stores"), new StringContent("{}"));
        Assert.NotEqual(HttpStatusCode.ServiceUnavailable, after.StatusCode);

        var status = await stack.RunAsync("--target=Status");
        Assert.NotNull(status.Run.Text("Status", "latestRestorableTime"));
    }

    [Fact]
    public async Task A_migration_that_breaks_the_data_is_undone_by_restoring_the_snapshot_migrate_took()
    {
        Assert.True(stack.Deploy.ExitCode == 0, stack.Deploy.ToString());
        var reference = ReferenceApp.Release;
        Assert.Equal(0, (await stack.RunAsync("--target=Deploy")).ExitCode);
        var storeId = await DemoStoreAsync();
        Assert.Equal(7, await MenuCountAsync(storeId));

        var broken = BreakingApp();
        var deploy = await stack.RunAsync("--target=Deploy", $"--app-dir={broken}");
        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        var snapshot = deploy.Run.Text("Migrate", "snapshot");
        Assert.StartsWith($"tableorder-manual-", snapshot, StringComparison.Ordinal);
        Assert.EndsWith("-" + reference, snapshot, StringComparison.Ordinal);
        Assert.Contains("0003_clear_menus", deploy.Run.Outcome("Migrate", "migrated")!.Value.EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(3, await MenuCountAsync(storeId));

        // back to the release before, then its data
        Assert.Equal(0, (await stack.RunAsync("--target=Rollback")).ExitCode);
        var restore = await stack.RunAsync("--target=Restore", $"--snapshot={snapshot}");
        output.WriteLine(restore.Output);
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Equal($"snapshot {snapshot}", restore.Run.Text("Restore", "target"));
        Assert.Equal(0, restore.Run.Outcome("Restore", "migrated")!.Value.GetArrayLength());
        Assert.Equal(7, await MenuCountAsync(storeId));
        Assert.Equal(reference, await ReferenceApp.ServingReleaseAsync(_http, stack.Layout.Ports.Http));

        // Status lists the snapshot; a second Deploy at head takes none
        var status = await stack.RunAsync("--target=Status");
        Assert.Contains(status.Run.Outcome("Status", "snapshots")!.Value.EnumerateArray(), s => s.GetProperty("name").GetString() == snapshot);
        var again = await stack.RunAsync("--target=Deploy");
        Assert.Equal(0, again.ExitCode);
        Assert.Null(again.Run.Text("Migrate", "snapshot"));
    }

    /// <summary>
    /// The reference app with a migration that deletes most menus: data lost for good by a release (one dish
    /// per category stays, so the release passes its smoke checks and stays live, as such a loss often does).
    /// </summary>
    private string BreakingApp()
    {
        var app = ReferenceApp.CopyTo(_apps.Path, "breaking");
        File.WriteAllText(Path.Combine(app, "migrations", "versions", "0003_clear_menus.py"), """
            "Deletes all but the first menu of each category: a migration that breaks the data (the restore tests undo it)."
            from alembic import op

            revision = "0003_clear_menus"
            down_revision = "0002_menu_images_demo_store"
            branch_labels = None
            depends_on = None


            def upgrade():
                op.execute("DELETE FROM menus WHERE sort_order > 10")


            def downgrade():
                pass
            """);
        return app;
    }

    private async Task<int> DemoStoreAsync()
    {
        await using var connection = stack.Database();
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id FROM stores WHERE code = 'demo'", connection);
        return (int)(await command.ExecuteScalarAsync())!;
    }

    private async Task<int> MenuCountAsync(int storeId)
    {
        using var response = await _http.GetAsync(new Uri(stack.SiteUrl, $"api/stores/{storeId}/menus"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("categories").EnumerateArray().Sum(c => c.GetProperty("menus").GetArrayLength());
    }

    private async Task<HashSet<string>> OrderNumbersAsync()
    {
        await using var connection = stack.Database();
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT order_number FROM orders WHERE order_number LIKE 'it-%'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var numbers = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            numbers.Add(reader.GetString(0));
        }

        return numbers;
    }

    /// <summary>One order: its number, when its INSERT started and when its commit returned (this machine's clock, as PostgreSQL's).</summary>
    private sealed record WrittenOrder(string Number, DateTimeOffset Started, DateTimeOffset Committed);

    /// <summary>Inserts orders one after the other (a table's session of the demo store) until stopped.</summary>
    private sealed class OrderWriter(NpgsqlConnection connection) : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentQueue<WrittenOrder> _written = new();
        private Task? _loop;
        private long _session;

        public int StoreId { get; private set; }

        public async Task StartAsync()
        {
            await connection.OpenAsync();
            await using (var store = new NpgsqlCommand("SELECT s.id, t.id FROM stores s JOIN tables t ON t.store_id = s.id WHERE s.code = 'demo' ORDER BY t.table_number DESC LIMIT 1", connection))
            await using (var reader = await store.ExecuteReaderAsync())
            {
                await reader.ReadAsync();
                StoreId = reader.GetInt32(0);
                var table = reader.GetInt32(1);
                await reader.CloseAsync();
                await using var session = new NpgsqlCommand(
                    "INSERT INTO table_sessions (store_id, table_id) VALUES (@store, @table) ON CONFLICT (table_id) WHERE status = 'active' DO UPDATE SET status = 'active' RETURNING id",
                    connection);
                session.Parameters.AddWithValue("store", StoreId);
                session.Parameters.AddWithValue("table", table);
                _session = (long)(await session.ExecuteScalarAsync())!;
                _loop = Task.Run(() => WriteAsync(table));
            }
        }

        private async Task WriteAsync(int table)
        {
            var run = Guid.NewGuid().ToString("N")[..6];
            for (var n = 0; !_stop.IsCancellationRequested; n++)
            {
                var number = $"it-{run}-{n}";
                var started = DateTimeOffset.UtcNow;
                await using var insert = new NpgsqlCommand("INSERT INTO orders (store_id, table_id, session_id, order_number, total_amount) VALUES (@store, @table, @session, @number, 1000)", connection);
                insert.Parameters.AddWithValue("store", StoreId);
                insert.Parameters.AddWithValue("table", table);
                insert.Parameters.AddWithValue("session", _session);
                insert.Parameters.AddWithValue("number", number);
                await insert.ExecuteNonQueryAsync();
                _written.Enqueue(new WrittenOrder(number, started, DateTimeOffset.UtcNow));
                await Task.Delay(50);
            }
        }

        public async Task<IReadOnlyList<WrittenOrder>> StopAsync()
        {
            await _stop.CancelAsync();
            if (_loop is not null)
            {
                await _loop;
            }

            return [.. _written];
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            await connection.DisposeAsync();
            _stop.Dispose();
        }
    }

    /// <summary>A write to the API every 100 ms (a POST Nginx answers 503 in maintenance), recording each answer.</summary>
    private sealed class WriteProbe : IDisposable
    {
        private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentQueue<(TimeSpan At, int Status, string? RetryAfter)> _seen = new();
        private readonly Task _loop;

        public WriteProbe(Uri url)
        {
            var clock = Stopwatch.StartNew();
            _loop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    try
                    {
                        using var response = await _http.PostAsync(url, new StringContent("{}"));
                        _seen.Enqueue((clock.Elapsed, (int)response.StatusCode, response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                    }
                    catch (HttpRequestException)
                    {
                        _seen.Enqueue((clock.Elapsed, 0, null));
                    }

                    await Task.Delay(100);
                }
            });
        }

        public async Task<IReadOnlyList<(TimeSpan At, int Status, string? RetryAfter)>> StopAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            return [.. _seen];
        }

        public void Dispose()
        {
            _stop.Dispose();
            _http.Dispose();
        }
    }
}
