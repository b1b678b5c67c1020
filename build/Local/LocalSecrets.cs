using System.Security.Cryptography;
using System.Text.Json;

namespace TableOrder.Build.Local;

/// <summary>
/// The local environment's secrets: made once, kept only in the state folder (0600 from the moment
/// the file exists). <see cref="StaffToken"/> is the bearer token for publishing events; a file made
/// before it existed gets one added on the next load.
/// </summary>
public sealed record LocalSecrets(string DatabasePassword, string RedisPassword, string? StaffToken = null)
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

            if (string.IsNullOrEmpty(loaded.StaffToken))
            {
                loaded = loaded with { StaffToken = NewPassword() };
                Write(path, loaded, replace: true);
            }

            return loaded;
        }

        var secrets = new LocalSecrets(NewPassword(), NewPassword(), NewPassword());
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
    private static string NewPassword() =>
        RandomNumberGenerator.GetString("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 32);
}
