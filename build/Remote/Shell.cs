namespace TableOrder.Build.Remote;

/// <summary>Quoting for POSIX shells, so a value is one word whatever it holds.</summary>
public static class Shell
{
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    /// <summary>Runs a command line as root through non-interactive sudo.</summary>
    public static string Sudo(string commandLine) => "sudo -n -- bash -c " + Quote(commandLine);
}
