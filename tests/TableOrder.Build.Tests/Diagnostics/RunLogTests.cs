using Cake.Core.Diagnostics;
using TableOrder.Build.Diagnostics;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Diagnostics;

[Trait("Category", "Unit")]
public sealed class RunLogTests : IDisposable
{
    private readonly TempDirectory _folder = new("run-log");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void File_gets_every_line_and_the_console_what_its_verbosity_asks()
    {
        var console = new Collecting { Verbosity = Verbosity.Normal };
        var log = new RunLog(console);
        log.Information("before the file opens");
        log.Open(_folder.Combine("logs", "run.log"));
        log.Write(Verbosity.Diagnostic, LogLevel.Debug, "  {0}", "command output");
        log.Dispose();

        var file = File.ReadAllText(_folder.Combine("logs", "run.log"));
        Assert.Contains("before the file opens", file, StringComparison.Ordinal);
        Assert.Contains("command output", file, StringComparison.Ordinal);
        Assert.Equal(["before the file opens"], console.Lines);
        Assert.Contains("  command output", log.Tail(5));
    }

    [Fact]
    public void A_step_shows_one_line_and_a_result_and_keeps_its_output_in_the_file()
    {
        var console = new Collecting { Verbosity = Verbosity.Normal };
        var masker = new SecretMasker();
        masker.Add("s3cret-value");
        using var log = new RunLog(console) { Masker = masker };
        log.Open(_folder.Combine("run.log"));

        using (var step = log.Step("apt-get install nginx"))
        {
            log.Information("  Get:1 http://deb.debian.org nginx with s3cret-value");
            log.Write(Verbosity.Normal, LogLevel.Warning, "[{0}] {1}", "host", "stderr of a command");
            log.Warning("a warning still shows");
            step.Done();
        }

        Assert.Equal(3, console.Lines.Count);
        Assert.Equal("apt-get install nginx ...", console.Lines[0]);
        Assert.Equal("a warning still shows", console.Lines[1]);
        Assert.StartsWith("apt-get install nginx: done in", console.Lines[2], StringComparison.Ordinal);
        var file = File.ReadAllText(_folder.Combine("run.log"));
        Assert.Contains("Get:1 http://deb.debian.org nginx", file, StringComparison.Ordinal);
        Assert.Contains("[host] stderr of a command", file, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-value", file, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_step_says_so()
    {
        var console = new Collecting { Verbosity = Verbosity.Normal };
        using var log = new RunLog(console);

        using (log.Step("debootstrap"))
        {
            log.Information("  I: Retrieving Packages");
        }

        Assert.StartsWith("debootstrap: failed after", console.Lines[^1], StringComparison.Ordinal);
        Assert.Contains("  I: Retrieving Packages", log.Tail(10));
    }

    [Fact]
    public void Verbose_streams_everything()
    {
        var console = new Collecting { Verbosity = Verbosity.Verbose };
        using var log = new RunLog(console);

        using (var step = log.Step("bootstrap.sh"))
        {
            log.Information("[{0}] {1}", "host", "installing nginx");
            step.Done();
        }

        Assert.Contains("[host] installing nginx", console.Lines);
    }

    private sealed class Collecting : ICakeLog
    {
        public List<string> Lines { get; } = [];

        public Verbosity Verbosity { get; set; }

        public void Write(Verbosity verbosity, LogLevel level, string format, params object[] args)
        {
            if (verbosity <= Verbosity)
            {
                Lines.Add(args.Length == 0 ? format : string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));
            }
        }
    }
}
