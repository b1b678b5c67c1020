using System.Security.Cryptography;
using System.Text.Json;

namespace TableOrder.Build.Local;

/// <summary>The local environment's passwords: made once, kept only in the state folder (0600).</summary>
public sealed record LocalSecrets(string DatabasePassword, string RedisPassword)
{
    public static LocalSecrets LoadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            return JsonSerializer.Deserialize<LocalSecrets>(File.ReadAllText(path))
                ?? throw new LocalEnvironmentException($"'{path}' is not readable. Delete it (LocalDown --purge) and run again.");
        }

        var secrets = new LocalSecrets(NewPassword(), NewPassword());
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            JsonSerializer.Serialize(stream, secrets);
        }

        return secrets;
    }

    /// <summary>URL-safe, so it can sit in a database URL without escaping.</summary>
    private static string NewPassword() =>
        RandomNumberGenerator.GetString("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 32);
}
