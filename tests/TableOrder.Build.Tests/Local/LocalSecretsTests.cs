using System.Text.Json;
using TableOrder.Build.Local;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Local;

/// <summary>The local secrets file: 0600 from its first byte, with a staff token, also for files made before it existed.</summary>
[Trait("Category", "Unit")]
public sealed class LocalSecretsTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly TempDirectory _state = new("local-secrets");

    public void Dispose() => _state.Dispose();

    [Fact]
    public void A_new_file_is_0600_and_holds_four_different_secrets()
    {
        var path = _state.Combine("local", "secrets.json");

        var secrets = LocalSecrets.LoadOrCreate(path);

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
        Assert.Equal(32, secrets.StaffToken!.Length);
        Assert.Equal(4, new[] { secrets.DatabasePassword, secrets.RedisPassword, secrets.StaffToken, secrets.AppDatabasePassword }.Distinct().Count());
        Assert.Equal(secrets, LocalSecrets.LoadOrCreate(path));
    }

    [Fact]
    public void A_file_from_before_the_staff_token_and_the_app_role_gets_them_added_and_keeps_its_passwords()
    {
        var path = _state.WriteFile("secrets.json", """{"DatabasePassword":"db-password-1234","RedisPassword":"redis-password-1234"}""");
        File.SetUnixFileMode(path, OwnerOnly);

        var secrets = LocalSecrets.LoadOrCreate(path);

        Assert.Equal("db-password-1234", secrets.DatabasePassword);
        Assert.Equal("redis-password-1234", secrets.RedisPassword);
        Assert.False(string.IsNullOrEmpty(secrets.StaffToken));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
        Assert.False(string.IsNullOrEmpty(secrets.AppDatabasePassword));
        Assert.NotEqual(secrets.DatabasePassword, secrets.AppDatabasePassword);
        Assert.Equal(secrets.StaffToken, JsonSerializer.Deserialize<LocalSecrets>(File.ReadAllText(path))!.StaffToken);
        Assert.Equal(secrets.AppDatabasePassword, JsonSerializer.Deserialize<LocalSecrets>(File.ReadAllText(path))!.AppDatabasePassword);
        Assert.Equal(secrets, LocalSecrets.LoadOrCreate(path));
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void An_unreadable_file_is_a_clear_error()
    {
        var path = _state.WriteFile("secrets.json", "not json");

        var error = Assert.Throws<LocalEnvironmentException>(() => LocalSecrets.LoadOrCreate(path));

        Assert.Contains("LocalDown --purge", error.Message, StringComparison.Ordinal);
    }
}
