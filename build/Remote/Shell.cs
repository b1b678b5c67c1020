namespace TableOrder.Build.Remote;

/// <summary>Quoting for POSIX shells, so a value is one word whatever it holds.</summary>
public static class Shell
{
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    /// <summary>
    /// Non-interactive sudo, stoppable. sudo passes a signal it gets (the SSH channel's, when the build
    /// is interrupted) to its command alone, so what that command started would run on; `timeout 0`
    /// (no time limit) as sudo's command passes the signal on to its whole process group.
    /// </summary>
    public const string SudoPrefix = "sudo -n -- timeout 0";

    /// <summary>Runs a command line as root through non-interactive sudo.</summary>
    public static string Sudo(string commandLine) => $"{SudoPrefix} bash -c " + Quote(commandLine);
}
