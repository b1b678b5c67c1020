namespace TableOrder.Build.Configuration;

/// <summary>A command-line argument was wrong; the message names it and says what to type instead.</summary>
public sealed class BuildArgumentException(string message) : Exception(message);
