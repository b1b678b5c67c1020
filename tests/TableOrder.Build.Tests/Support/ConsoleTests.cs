using Spectre.Console;
using Xunit;

namespace TableOrder.Build.Tests.Support;

/// <summary>Tests that swap the process-wide Console (Cake writes to it) run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleTests
{
    public const string Name = "Console";
}

/// <summary>
/// Captures what Cake prints until disposed: Console.Out/Error (Cake's IConsole) and Spectre's
/// static AnsiConsole.Console (tree, description, report), which otherwise keeps the writer it
/// first saw. Create it before the CakeHost: the host takes AnsiConsole.Console when it is built.
/// </summary>
internal sealed class ConsoleCapture : IDisposable
{
    private readonly TextWriter _out = Console.Out;
    private readonly TextWriter _error = Console.Error;
    private readonly IAnsiConsole _ansi = AnsiConsole.Console;
    private readonly StringWriter _writer = new();

    public ConsoleCapture()
    {
        var synchronized = TextWriter.Synchronized(_writer);
        Console.SetOut(synchronized);
        Console.SetError(synchronized);
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(synchronized),
        });
    }

    public string Text => _writer.ToString();

    public void Dispose()
    {
        Console.SetOut(_out);
        Console.SetError(_error);
        AnsiConsole.Console = _ansi;
        _writer.Dispose();
    }
}
