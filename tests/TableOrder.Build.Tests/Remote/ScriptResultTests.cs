using System.Diagnostics;
using TableOrder.Build.Release;
using TableOrder.Build.Remote;
using TableOrder.Build.Server;
using TableOrder.Build.Tests.Support;
using Xunit;

namespace TableOrder.Build.Tests.Remote;

/// <summary>
/// The result line every server script ends with (app-deploy/server/script-lib.sh, the migration
/// wrapper), as the build reads it, and as the scripts write it.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ScriptResultTests
{
    private static readonly string AppDeploy = Path.Combine(RepositoryRoot.Path, "app-deploy");

    [Fact]
    public void The_last_line_is_read_as_json()
    {
        var result = ScriptResult.Parse(["changed: a", """tableorder-result: {"script":"bootstrap","ok":true,"exit":0,"changes":2,"changed":["a","b"]}""", " "], "bootstrap");

        Assert.True(result.Ok);
        Assert.Null(result.Error);
        Assert.Equal(2, result.Number("changes"));
        Assert.Equal(["a", "b"], result.Strings("changed"));
        Assert.Null(result.OptionalText("failed"));
    }

    [Theory]
    [InlineData(new string[0], "printed nothing")]
    [InlineData(new[] { "bootstrap: 3 changes" }, "ended with 'bootstrap: 3 changes', not its result line")]
    [InlineData(new[] { """tableorder-result: {"script":"bootstrap","ok":true""" }, "is not JSON")]
    [InlineData(new[] { """tableorder-result: {"script":"bootstrap"}""" }, "has no \"script\" and \"ok\"")]
    [InlineData(new[] { """tableorder-result: ["bootstrap"]""" }, "has no \"script\" and \"ok\"")]
    [InlineData(new[] { """tableorder-result: {"script":"slot","ok":true}""" }, "expected the result line of bootstrap, got one of slot")]
    [InlineData(new[] { """tableorder-result: {"script":"bootstrap","ok":true}""", "stopping at 'after-unit-write'" }, "ended with 'stopping at")]
    public void A_missing_or_malformed_result_line_is_an_error_that_says_what_was_there(string[] output, string message)
    {
        var error = Assert.Throws<RemoteException>(() => ScriptResult.Parse(output, "bootstrap"));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_field_the_build_needs_and_the_line_lacks_is_an_error_not_a_default()
    {
        var result = ScriptResult.Parse(["""tableorder-result: {"script":"bootstrap","ok":true,"changes":"two"}"""], "bootstrap");

        Assert.Contains("no \"changes\" (a whole number)", Assert.Throws<RemoteException>(() => result.Number("changes")).Message, StringComparison.Ordinal);
        Assert.Contains("no \"changed\" (a list of strings)", Assert.Throws<RemoteException>(() => result.Strings("changed")).Message, StringComparison.Ordinal);
        Assert.Throws<RemoteException>(() => ServerBootstrap.Parse([result.ToString()]));
    }

    [Fact]
    public void A_failed_result_throws_with_the_scripts_error()
    {
        var output = new[] { "bootstrap: waiting", """tableorder-result: {"script":"bootstrap","ok":false,"exit":1,"error":"apt-get failed","changes":1,"changed":["x"]}""" };

        var error = Assert.Throws<RemoteException>(() => ServerBootstrap.Parse(output));
        Assert.Contains("bootstrap failed: apt-get failed.", error.Message, StringComparison.Ordinal);
        Assert.Contains("bootstrap: waiting", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bootstrap_reports_its_changes_and_what_they_were()
    {
        var result = ServerBootstrap.Parse(["changed: nginx site", """tableorder-result: {"script":"bootstrap","ok":true,"exit":0,"changed":["nginx site (/etc/nginx/x)"],"changes":1}"""]);

        Assert.Equal(1, result.Changes);
        Assert.True(result.Changed);
        Assert.Equal(["nginx site (/etc/nginx/x)"], result.What);
        Assert.False(ServerBootstrap.Parse(["""tableorder-result: {"script":"bootstrap","ok":true,"exit":0,"changed":[],"changes":0}"""]).Changed);
    }

    [Fact]
    public void The_library_writes_a_result_line_the_build_reads_even_for_an_error_with_quotes_and_control_characters()
    {
        var library = Path.Combine(AppDeploy, "server", "script-lib.sh");
        var (code, stdout, stderr) = Bash(
            $"set -euo pipefail; SCRIPT_NAME=demo; . '{library}'; . '{library}'; " +
            "trap 'rc=$?; result_field count 3; result_field names \"$(json_strings a \"b c\")\"; result_line $rc' EXIT; " +
            "die \"it's \\\"bad\\\"\"$'\\n\\t\\x01'\"done \\\\ é\"");

        Assert.Equal(1, code);
        Assert.Contains("demo: error: it's \"bad\"", stderr, StringComparison.Ordinal);
        var result = ScriptResult.Parse(stdout.Split('\n'), "demo");
        Assert.False(result.Ok);
        Assert.Equal(1, result.Number("exit"));
        Assert.Equal("it's \"bad\"\n\t\u0001done \\ é", result.Error);
        Assert.Equal(3, result.Number("count"));
        Assert.Equal(["a", "b c"], result.Strings("names"));
    }

    [Fact]
    public void Slot_sh_ends_a_refused_command_with_its_result_line()
    {
        using var folder = Scripts();

        var (code, stdout, _) = Bash($"bash '{folder.Combine("slot.sh")}' state --bogus");

        Assert.Equal(1, code);
        var result = ScriptResult.Parse(stdout.Split('\n'), SlotCommands.Script);
        Assert.False(result.Ok);
        Assert.Equal("state", result.OptionalText("command"));
        Assert.Equal("unknown option '--bogus'", result.Error);
    }

    [Fact]
    public void Bootstrap_sh_ends_a_refused_run_with_its_result_line_and_the_build_says_why()
    {
        using var folder = Scripts();

        var (code, stdout, _) = Bash($"bash '{folder.Combine("bootstrap.sh")}' --http-port 80 --api-port 80x --green-port 8001");

        Assert.Equal(1, code);
        var result = ScriptResult.Parse(stdout.Split('\n'), "bootstrap");
        Assert.Equal(0, result.Number("changes"));
        Assert.Empty(result.Strings("changed"));
        var error = Assert.Throws<RemoteException>(() => ServerBootstrap.Parse(stdout.Split('\n')));
        Assert.Contains("bootstrap failed: --api-port must be a port number 1-65535, got '80x'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Migrations_are_read_from_the_wrappers_result_line()
    {
        Assert.Equal(
            ["0001_a", "0002_b"],
            Migrations.Applied(["""tableorder-result: {"script": "migrate", "ok": true, "applied": ["0001_a", "0002_b"], "heads": ["0002_b"]}"""], ["INFO Running upgrade  -> 0001_a"], 0));

        var failed = Assert.Throws<ReleaseException>(() => Migrations.Applied(
            ["""tableorder-result: {"script": "migrate", "ok": false, "failed": "0002_b", "applied": [], "error": "ProgrammingError: relation \"x\" does not exist"}"""], ["Traceback"], 1));
        Assert.Contains("Migration to revision 0002_b failed (exit code 1): ProgrammingError: relation \"x\" does not exist.", failed.Message, StringComparison.Ordinal);

        var early = Assert.Throws<ReleaseException>(() => Migrations.Applied(
            ["""tableorder-result: {"script": "migrate", "ok": false, "failed": null, "applied": null, "error": "OperationalError: connection refused"}"""], [], 1));
        Assert.Contains("failed (exit code 1) before it ran a revision: OperationalError: connection refused.", early.Message, StringComparison.Ordinal);

        var none = Assert.Throws<ReleaseException>(() => Migrations.Applied([], ["tableorder: /etc/tableorder/migrate.env (the database owner URL for migrations) is missing"], 3));
        Assert.Contains("failed (exit code 3) without a result", none.Message, StringComparison.Ordinal);
        Assert.Contains("migrate.env", none.Message, StringComparison.Ordinal);

        // exit 0 and no result line: not taken for "nothing applied"
        Assert.Throws<RemoteException>(() => Migrations.Applied(["INFO Running upgrade 0001_a -> 0002_b"], [], 0));
    }

    [Fact]
    public void The_migration_wrapper_is_python_and_prints_the_result_prefix()
    {
        var wrapper = Migrations.Wrapper();
        Assert.Contains($"print(\"{ScriptResult.Prefix}\" + json.dumps({{\"script\": \"{Migrations.Script}\"", wrapper, StringComparison.Ordinal);
        var (code, _, stderr) = Run("python3", ["-c", "import sys; compile(sys.stdin.read(), 'wrapper', 'exec')"], wrapper);
        Assert.True(code == 0, stderr);
    }

    /// <summary>The scripts and the server map in a folder, as the build uploads them.</summary>
    private static TempDirectory Scripts()
    {
        var folder = new TempDirectory("script-result");
        foreach (var file in new[] { "slot.sh", "bootstrap.sh", "server/script-lib.sh" })
        {
            folder.WriteFile(file, File.ReadAllText(Path.Combine(AppDeploy, file)));
        }

        folder.WriteFile(ServerMap.ShellFileName, ServerMap.ShellFile());
        return folder;
    }

    private static (int Code, string Stdout, string Stderr) Bash(string script) => Run("bash", ["-c", script], string.Empty);

    private static (int Code, string Stdout, string Stderr) Run(string file, string[] arguments, string stdin)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr);
    }
}
