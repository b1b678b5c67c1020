using System.Security.Cryptography;
using System.Text.Json;

namespace TableOrder.Build.Local;

/// <summary>
/// The local environment's secrets: made once, kept only in the state folder (0600 from the moment
/// the file exists). <see cref="DatabasePassword"/> is the database owner's (migrations),
/// <see cref="AppDatabasePassword"/> the app's own role's; <see cref="StaffToken"/> is the bearer token
/// for publishing events. A file made before a secret existed gets it added on the next load.
/// </summary>
public sealed record LocalSecrets(string DatabasePassword, string RedisPassword, string? StaffToken = null, string? AppDatabasePassword = null)
{
    public static LocalSecrets LoadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            LocalSecrets? loaded;
            try
            {
                loaded = JsonSerializer.Deserialize<LocalSecrets>(File.ReadAllText(path));
            }
            catch (JsonException)
            {
                loaded = null;
            }

            if (loaded is null || string.IsNullOrEmpty(loaded.DatabasePassword) || string.IsNullOrEmpty(loaded.RedisPassword))
            {
                throw new LocalEnvironmentException($"'{path}' is not readable. Delete it (LocalDown --purge) and run again.");
            }

            if (string.IsNullOrEmpty(loaded.StaffToken) || string.IsNullOrEmpty(loaded.AppDatabasePassword))
            {
                loaded = loaded with { StaffToken = loaded.StaffToken.OrNew(), AppDatabasePassword = loaded.AppDatabasePassword.OrNew() };
                Write(path, loaded, replace: true);
            }

            return loaded;
        }

        var secrets = new LocalSecrets(NewPassword(), NewPassword(), NewPassword(), NewPassword());
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Write(path, secrets, replace: false);
        return secrets;
    }

    /// <summary>Created 0600 (never readable by others, not even for a moment); a replacement is written aside and renamed.</summary>
    private static void Write(string path, LocalSecrets secrets, bool replace)
    {
        var target = replace ? path + ".tmp" : path;
        if (replace)
        {
            File.Delete(target);
        }

        using (var stream = new FileStream(target, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            JsonSerializer.Serialize(stream, secrets);
        }

        if (replace)
        {
            File.Move(target, path, overwrite: true);
        }
    }

    /// <summary>URL-safe, so it can sit in a database URL without escaping.</summary>
    internal static string NewPassword() =>
        RandomNumberGenerator.GetString("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 32);
}

internal static class SecretValues
{
    /// <summary>The secret, or a new one when there is none yet.</summary>
    public static string OrNew(this string? value) => string.IsNullOrEmpty(value) ? LocalSecrets.NewPassword() : value;
}
