namespace TableOrder.Build.Diagnostics;

/// <summary>The full record of a run: every command's output, in a file per run under the state folder.</summary>
public static class RunLog
{
    /// <summary>The folder below the state folder that holds one log file per run.</summary>
    public const string FolderName = "logs";
}
