using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;
using TableOrder.Build.Aws;
using TableOrder.Build.IntegrationTests.Support;
using TableOrder.Build.Recovery;
using Xunit;
using Xunit.Abstractions;

namespace TableOrder.Build.IntegrationTests.Rehearsal;

/// <summary>
/// Snapshot and Restore in the rehearsal, production's code path against moto's RDS: orders placed
/// through the app, a manual snapshot (moto's CreateDBSnapshot, made real by the bridge as a dump of the
/// instance's database), the data damaged, then Restore --snapshot: moto restores a new instance, which
/// the bridge loads from that dump, the renames make it the stack's, terraform adopts it; the orders
/// from before the snapshot are back and the app serves them, and the next Deploy changes nothing.
/// </summary>
[Trait("Category", "Integration")]
[Collection(RehearsalGroup.Name)]
public sealed class RehearsalRestoreTests(RehearsalFixture fixture, ITestOutputHelper output) : IClassFixture<RehearsalFixture>, IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseCookies = false }) { Timeout = TimeSpan.FromSeconds(10) };

    private static RehearsalAws Aws => new(RehearsalFixture.StateDirectory);

    private static JsonElement Outputs => JsonDocument.Parse(File.ReadAllText(Path.Combine(RehearsalFixture.StateDirectory, "terraform-outputs.json"))).RootElement;

    private static Uri Site =>
        new($"http://127.0.0.1:{JsonDocument.Parse(File.ReadAllText(Path.Combine(RehearsalFixture.StateDirectory, "ports.json"))).RootElement.GetProperty("Http").GetInt32().ToString(CultureInfo.InvariantCulture)}/");

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task Restore_of_a_snapshot_brings_back_the_orders_placed_before_it_and_the_app_serves_them()
    {
        Assert.NotNull(fixture);
        var deployed = await Rehearse("--target=Deploy");
        Assert.Equal(0, deployed.ExitCode);
        var token = await StaffTokenAsync();
        var (storeId, tableNumber, menuId) = await CustomerChoiceAsync();

        var before = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            before.Add(await PlaceOrderAsync(storeId, tableNumber, menuId));
        }

        var snapshotRun = await Rehearse("--target=Snapshot");
        Assert.Equal(0, snapshotRun.ExitCode);
        var snapshot = snapshotRun.Run.Text("Snapshot", "snapshot")!;
        Assert.StartsWith(Outputs.GetProperty("DbInstanceIdentifier").GetString() + "-manual-", snapshot, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(RehearsalFixture.StateDirectory, "aws", "rds-snapshots", snapshot + ".dump")), "the bridge dumped the instance's database for the snapshot");
        using (var rds = Aws.Rds())
        {
            var described = (await rds.CallAsync("DescribeDBSnapshots", [new("DBSnapshotIdentifier", snapshot)])).Child("DBSnapshots").Child("DBSnapshot");
            Assert.Equal("available", described.Text("Status"));
        }

        // after the snapshot: one more order, then the damage (every order gone)
        var after = await PlaceOrderAsync(storeId, tableNumber, menuId);
        Assert.Superset(before.Append(after).ToHashSet(), (await OpenOrdersAsync(storeId, token)).ToHashSet());
        var status = await Rehearse("--target=Status");
        Assert.Single(status.Run.Outcome("Status", "snapshots")!.Value.EnumerateArray(), s => s.GetProperty("name").GetString() == snapshot);
        await using (var connection = Database())
        {
            await connection.OpenAsync();
            await using var damage = new NpgsqlCommand("TRUNCATE orders CASCADE", connection);
            await damage.ExecuteNonQueryAsync();
        }

        Assert.Empty(await OpenOrdersAsync(storeId, token));

        // --to-time cannot be made real here: refused before anything runs, naming --snapshot
        var pointInTime = await Rehearse("--target=Restore", $"--to-time={RestoreTarget.Format(DateTimeOffset.UtcNow.AddMinutes(-1))}");
        Assert.NotEqual(0, pointInTime.ExitCode);
        Assert.Contains("--snapshot=", pointInTime.Run.Error, StringComparison.Ordinal);

        var restore = await Rehearse("--target=Restore", $"--snapshot={snapshot}");
        output.WriteLine(restore.Output);
        Assert.Equal(0, restore.ExitCode);
        var run = restore.Run;
        Assert.Equal($"snapshot {snapshot}", run.Text("Restore", "target"));
        var identifier = run.Text("Restore", "restored")!;
        var kept = run.Text("Restore", "kept")!;
        Assert.StartsWith(identifier + "-replaced-", kept, StringComparison.Ordinal);
        var checks = run.Outcome("Restore", "checks")!.Value.EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Contains("health", checks);
        Assert.Contains("customer order", checks);
        output.WriteLine($"RTO {run.Outcome("Restore", "rtoSeconds")} s, restore point {run.Text("Restore", "restorePoint")}, checks {string.Join(", ", checks)}");

        // the orders from before the snapshot are back, the one after it is not; the app serves them
        var served = await OpenOrdersAsync(storeId, token);
        Assert.Superset(before.ToHashSet(), served.ToHashSet());
        Assert.DoesNotContain(after, served);

        // in moto: the restored instance under the stack's name, the replaced one kept with deletion protection
        using (var rds = Aws.Rds())
        {
            var instances = (await rds.CallAsync("DescribeDBInstances", [])).Child("DBInstances").Children("DBInstance").ToDictionary(i => i.Text("DBInstanceIdentifier")!, i => i, StringComparer.Ordinal);
            Assert.Equal("true", instances[kept].Text("DeletionProtection"));
            Assert.Equal(Outputs.GetProperty("DbSecretArn").GetString(), instances[identifier].Child("MasterUserSecret").Text("SecretArn"));
        }

        // terraform manages the restored instance with no drift, and the next Deploy keeps its data
        var again = await Rehearse("--target=Deploy");
        Assert.Equal(0, again.ExitCode);
        Assert.False(again.Run.Flag("Plan", "changes"));
        Assert.Equal(served.Order(), (await OpenOrdersAsync(storeId, token)).Order());
        var smoke = await Rehearse("--target=Smoke");
        Assert.Equal(0, smoke.ExitCode);
    }

    private Task<BuildResult> Rehearse(params string[] arguments) => RehearsalFixture.RehearseAsync(output, arguments);

    /// <summary>The RDS instance's database in the rehearsal's PostgreSQL, as its superuser over the stack's socket.</summary>
    private static NpgsqlConnection Database()
    {
        var ports = JsonDocument.Parse(File.ReadAllText(Path.Combine(RehearsalFixture.StateDirectory, "ports.json"))).RootElement;
        return new NpgsqlConnection(new NpgsqlConnectionStringBuilder
        {
            Host = Path.Combine(RehearsalFixture.StateDirectory, "postgres", "run"),
            Port = ports.GetProperty("Postgres").GetInt32(),
            Username = "postgres",
            Database = Outputs.GetProperty("DbName").GetString(),
            Pooling = false,
        }.ConnectionString);
    }

    /// <summary>The staff token the build keeps in the rehearsal's Parameter Store.</summary>
    private static async Task<string> StaffTokenAsync()
    {
        using var ssm = Aws.Ssm();
        var parameter = await ssm.GetParameterAsync(new Amazon.SimpleSystemsManagement.Model.GetParameterRequest { Name = "/tableorder/rehearsal/staff-token", WithDecryption = true });
        return parameter.Parameter.Value;
    }

    /// <summary>The first active store, its first active table and first available dish, as the customer page picks them.</summary>
    private async Task<(int Store, int Table, int Menu)> CustomerChoiceAsync()
    {
        var store = (await _http.GetFromJsonAsync<JsonElement>(new Uri(Site, "api/stores"))).EnumerateArray().First(s => s.GetProperty("is_active").GetBoolean()).GetProperty("id").GetInt32();
        var table = (await _http.GetFromJsonAsync<JsonElement>(new Uri(Site, $"api/stores/{store}/tables"))).EnumerateArray().First(t => t.GetProperty("is_active").GetBoolean()).GetProperty("table_number").GetInt32();
        var menu = (await _http.GetFromJsonAsync<JsonElement>(new Uri(Site, $"api/stores/{store}/menus"))).GetProperty("categories").EnumerateArray()
            .SelectMany(c => c.GetProperty("menus").EnumerateArray()).First(m => m.GetProperty("is_available").GetBoolean()).GetProperty("id").GetInt32();
        return (store, table, menu);
    }

    /// <summary>An order as the customer page places it (POST /api/stores/{id}/orders); its id.</summary>
    private async Task<long> PlaceOrderAsync(int storeId, int tableNumber, int menuId)
    {
        var body = JsonSerializer.Serialize(new { table_number = tableNumber, items = new[] { new { menu_id = menuId, quantity = 1 } }, note = "rehearsal restore test" });
        using var response = await _http.PostAsync(new Uri(Site, $"api/stores/{storeId}/orders"), new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("order").GetProperty("id").GetInt64();
    }

    /// <summary>The store's open orders as the staff list them (GET /api/stores/{id}/orders with the staff token): their ids.</summary>
    private async Task<List<long>> OpenOrdersAsync(int storeId, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Site, $"api/stores/{storeId}/orders"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("orders").EnumerateArray().Select(o => o.GetProperty("id").GetInt64())];
    }
}
