using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using Cake.Core.Tooling;

namespace TableOrder.Build.Terraform;

/// <summary>A long command's progress line (the build's run log draws it: one line at normal verbosity, the output in its log file).</summary>
public interface ILongStep : IDisposable
{
    /// <summary>The command worked; <paramref name="detail"/> joins its result line.</summary>
    void Done(string? detail = null);
}

/// <summary>
/// Our Cake.Terraform: each terraform command as a method on Cake.Core's <see cref="Tool{TSettings}"/>.
/// Output goes to the log (secrets masked): init, plan, apply and destroy run as long steps (their
/// output in the run's log file; at normal verbosity the console shows one line for each and, on a
/// failure, the log's last lines); JSON commands are captured and typed.
/// </summary>
public sealed class TerraformCli : Tool<TerraformSettings>
{
    private readonly ICakeLog _log;
    private readonly IOutputMasker _masker;
    private readonly string _workingDirectory;
    private readonly string? _cliConfigFile;
    private readonly Func<string, ILongStep> _step;

    public TerraformCli(
        IFileSystem fileSystem,
        ICakeEnvironment environment,
        IProcessRunner processRunner,
        IToolLocator tools,
        ICakeLog log,
        IOutputMasker masker,
        string workingDirectory,
        string? cliConfigFile,
        Func<string, ILongStep>? step = null)
        : base(fileSystem, environment, processRunner, tools)
    {
        _log = log;
        _masker = masker;
        _workingDirectory = workingDirectory;
        _cliConfigFile = cliConfigFile;
        _step = step ?? (_ => new PlainStep());
    }

    public string WorkingDirectory => _workingDirectory;

    /// <summary>
    /// Cancelled when the caller stops (Ctrl-C): the running terraform gets SIGINT, as from a terminal,
    /// and finishes its current operations and writes its state before it exits; then the call throws
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    public CancellationToken Stopping { get; init; }

    /// <summary>Called once per terraform run with its command (init, plan, apply...) when it has written its first line.</summary>
    public Action<string>? Running { get; init; }

    /// <summary>How long terraform may take to stop after SIGINT before it is killed.</summary>
    public static TimeSpan StopGrace { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Checks terraform is installed and new enough; the first thing any terraform task does.</summary>
    public TerraformVersion EnsureSupportedVersion()
    {
        TerraformRun run;
        try
        {
            run = Execute(new TerraformSettings(), TerraformArguments.Version(), echo: false);
        }
        catch (CakeException ex) when (ex.Message.Contains("Could not locate executable", StringComparison.OrdinalIgnoreCase))
        {
            throw new TerraformException(
                "terraform was not found on PATH. Install Terraform 1.7 or newer (https://developer.hashicorp.com/terraform/install) and run again.");
        }

        var version = TerraformVersion.Parse(run.StandardOutput);
        if (!version.IsSupported)
        {
            throw new TerraformException(
                $"terraform {version.Version} is too old: this build needs {TerraformVersion.Minimum} or newer (terraform test with mock providers). Upgrade terraform and run again.");
        }

        return version;
    }

    public void Init(TerraformInitSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        TerraformRun run;
        using (var step = _step($"Terraform: init{(settings.LockfileReadonly ? " (providers checked against .terraform.lock.hcl)" : string.Empty)}"))
        {
            run = Execute(settings, TerraformArguments.Init(settings), echo: true, accept: [0, 1]);
            if (run.ExitCode == 0)
            {
                step.Done();
                return;
            }
        }

        var errors = run.StandardError;
        if (errors.Contains("registry.terraform.io", StringComparison.Ordinal) ||
            errors.Contains("Failed to query available provider packages", StringComparison.Ordinal))
        {
            throw new TerraformException(
                "terraform init could not install the providers from a registry. On a machine without internet access, pass a provider mirror: " +
                $"--terraform-mirror=<dir> (or set {ProviderMirror.EnvironmentVariable}), a folder that holds registry.terraform.io/hashicorp/aws/...");
        }

        throw new TerraformException($"terraform init failed (exit code {run.ExitCode}); its errors are above.");
    }

    /// <summary>`fmt -check -recursive`: the files that are not formatted; empty when all are.</summary>
    public IReadOnlyList<string> FormatCheck(TerraformFmtSettings settings)
    {
        var run = Execute(settings, TerraformArguments.Fmt(settings), echo: false, accept: [0, 3]);
        if (run.ExitCode is not (0 or 3))
        {
            throw new TerraformException($"terraform fmt failed (exit code {run.ExitCode}): {run.StandardError.Trim()}");
        }

        // With -diff the diff follows each file name; its header lines ("--- old/x.tf") are not names.
        return run.StandardOutputLines
            .Where(IsFileName)
            .Distinct(StringComparer.Ordinal)
            .ToList();

        static bool IsFileName(string line) =>
            line.Length > 0 && line[0] is not ('-' or '+' or ' ' or '@' or '\\') &&
            (line.EndsWith(".tf", StringComparison.Ordinal) || line.EndsWith(".hcl", StringComparison.Ordinal) || line.EndsWith(".tfvars", StringComparison.Ordinal));
    }

    public ValidationReport Validate()
    {
        var run = Execute(new TerraformSettings(), TerraformArguments.Validate(), echo: false, accept: [0, 1]);
        return ValidationReport.Parse(run.StandardOutput);
    }

    /// <summary>Plans into a file; exit code 2 of -detailed-exitcode means changes, 0 none, anything else failure.</summary>
    public PlanResult Plan(TerraformPlanSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var secret in settings.Variables.Where(v => v.Sensitive))
        {
            _masker.Add(secret.Value);
        }

        bool hasChanges;
        PlanSummary summary;
        using (var step = _step("Terraform: plan (refresh, then plan)"))
        {
            var run = Execute(settings, TerraformArguments.Plan(settings), echo: true, accept: [0, 1, 2], environment: TerraformArguments.SensitiveEnvironment(settings.Variables));
            hasChanges = InterpretPlanExitCode(run.ExitCode);
            summary = PlanSummary.Parse(Show(settings.OutFile));
            step.Done(hasChanges ? null : "no changes");
        }

        return new PlanResult(hasChanges, settings.OutFile, summary);
    }

    public static bool InterpretPlanExitCode(int exitCode) =>
        exitCode switch
        {
            0 => false,
            2 => true,
            _ => throw new TerraformException($"terraform plan failed (exit code {exitCode}); its errors are above."),
        };

    /// <summary>Applies a saved plan; what terraform did, from its last line (null when it printed none).</summary>
    public ApplyResult? Apply(TerraformApplySettings settings)
    {
        using var step = _step("Terraform: apply (the saved plan)");
        var result = ApplyResult.FromOutput(Execute(settings, TerraformArguments.Apply(settings), echo: true).StandardOutputLines);
        step.Done(result?.ToString());
        return result;
    }

    public void Destroy(TerraformDestroySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var secret in settings.Variables.Where(v => v.Sensitive))
        {
            _masker.Add(secret.Value);
        }

        using var step = _step("Terraform: destroy");
        var result = ApplyResult.FromOutput(Execute(settings, TerraformArguments.Destroy(settings), echo: true, environment: TerraformArguments.SensitiveEnvironment(settings.Variables)).StandardOutputLines);
        step.Done(result?.ToString());
    }

    /// <summary>The addresses in the state.</summary>
    public IReadOnlyList<string> StateList() =>
        Execute(new TerraformSettings(), TerraformArguments.StateList(), echo: false).StandardOutputLines.Where(l => l.Length > 0).ToList();

    public void StateRemove(string address) => Execute(new TerraformSettings(), TerraformArguments.StateRemove(address), echo: true);

    public void Import(TerraformImportSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Execute(settings, TerraformArguments.Import(settings), echo: true, environment: TerraformArguments.SensitiveEnvironment(settings.Variables));
    }

    public TerraformOutputs Output() =>
        TerraformOutputs.Parse(Execute(new TerraformSettings(), TerraformArguments.Output(), echo: false).StandardOutput);

    public string Show(string? planFile) =>
        Execute(new TerraformSettings(), TerraformArguments.Show(planFile), echo: false).StandardOutput;

    /// <summary>The saved plan as terraform prints it for people; not echoed (see <see cref="PlanText"/> before showing it anywhere).</summary>
    public string ShowText(string planFile) =>
        Execute(new TerraformSettings(), TerraformArguments.ShowText(planFile), echo: false).StandardOutput + "\n";

    public TestReport Test(TerraformTestSettings settings)
    {
        var run = Execute(settings, TerraformArguments.Test(settings), echo: true, accept: [0, 1]);
        var report = run.StandardOutputLines.Select(TestReport.FromSummaryLine).LastOrDefault(r => r is not null);
        if (run.ExitCode != 0 || report is null || report.Failed > 0)
        {
            throw new TerraformException(
                report is null
                    ? $"terraform test failed (exit code {run.ExitCode}) before it reported results; its errors are above."
                    : $"terraform test: {report.Failed} failed, {report.Passed} passed. The failing runs are named above.");
        }

        return report;
    }

    protected override string GetToolName() => "Terraform";

    protected override IEnumerable<string> GetToolExecutableNames() => ["terraform"];

    private TerraformRun Execute(TerraformSettings settings, ProcessArgumentBuilder arguments, bool echo, int[]? accept = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        settings.WorkingDirectory ??= _workingDirectory;
        settings.EnvironmentVariables ??= new Dictionary<string, string>();
        settings.EnvironmentVariables["TF_IN_AUTOMATION"] = "1";
        settings.EnvironmentVariables["TF_INPUT"] = "0";
        settings.EnvironmentVariables["CHECKPOINT_DISABLE"] = "1";
        if ((settings.CliConfigFile ?? _cliConfigFile) is { } cliConfig)
        {
            settings.EnvironmentVariables["TF_CLI_CONFIG_FILE"] = cliConfig;
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            settings.EnvironmentVariables[name] = value;
        }

        var accepted = accept ?? [0];
        var stdout = new List<string>();
        var stderr = new List<string>();
        var command = arguments.Render().Split(' ', 2)[0];
        var started = 0;
        void FirstLine()
        {
            if (Interlocked.Exchange(ref started, 1) == 0)
            {
                Running?.Invoke(command);
            }
        }

        // Every exit code is ours to judge: Cake's own error would only say "exit code 1".
        settings.HandleExitCode = _ => true;

        var processSettings = new ProcessSettings
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectedStandardOutputHandler = line =>
            {
                if (line is not null)
                {
                    FirstLine();
                    lock (stdout)
                    {
                        stdout.Add(line);
                    }

                    if (echo)
                    {
                        _log.Information(_masker.Apply(line));
                    }
                }

                return line;
            },
            RedirectedStandardErrorHandler = line =>
            {
                if (line is not null)
                {
                    FirstLine();
                    lock (stderr)
                    {
                        stderr.Add(line);
                    }

                    _log.Error(_masker.Apply(line));
                }

                return line;
            },
        };

        var exitCode = WaitOrStop(RunProcess(settings, arguments, processSettings), command);
        if (!accepted.Contains(exitCode))
        {
            throw new TerraformException($"terraform {command} failed (exit code {exitCode}); its errors are above.");
        }

        return new TerraformRun(exitCode, stdout, stderr);
    }

    /// <summary>Waits for terraform; when <see cref="Stopping"/> is cancelled, interrupts it as Ctrl-C would and waits for it to stop.</summary>
    private int WaitOrStop(IProcess process, string command)
    {
        // Cake's WaitForExit(timeout) kills the process when the time is up: wait without one, beside.
        var exited = Task.Run(process.WaitForExit);
        while (!exited.Wait(200))
        {
            if (!Stopping.IsCancellationRequested)
            {
                continue;
            }

            // Cake's process has no pid: terraform is the child of this process running the terraform binary.
            var interrupted = TerraformChildren().ToList();
            _log.Warning("Stopping terraform {0}: SIGINT sent to {1}; it finishes its current operations and writes its state.", command, interrupted.Count == 0 ? "no process (already gone)" : "pid " + string.Join(", ", interrupted));
            foreach (var pid in interrupted)
            {
                using var kill = System.Diagnostics.Process.Start("kill", ["-INT", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                kill.WaitForExit();
            }

            if (!exited.Wait(StopGrace))
            {
                _log.Warning("terraform {0} did not stop within {1:0}s of SIGINT: killed.", command, StopGrace.TotalSeconds);
                process.Kill();
            }

            Stopping.ThrowIfCancellationRequested();
        }

        return process.GetExitCode();
    }

    /// <summary>The running terraform processes started by this process (read from /proc).</summary>
    private static IEnumerable<int> TerraformChildren()
    {
        var self = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var dir in Directory.Exists("/proc") ? Directory.GetDirectories("/proc") : [])
        {
            string stat;
            try
            {
                stat = File.ReadAllText(System.IO.Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            // "pid (comm) state ppid ...": comm may hold spaces, so read after the last ')'.
            var close = stat.LastIndexOf(')');
            var open = stat.IndexOf('(', StringComparison.Ordinal);
            var fields = close < 0 ? [] : stat[(close + 2)..].Split(' ');
            if (open >= 0 && close > open && stat[(open + 1)..close] == "terraform" && fields.Length > 1 && fields[1] == self &&
                int.TryParse(System.IO.Path.GetFileName(dir), out var pid))
            {
                yield return pid;
            }
        }
    }

    /// <summary>Without the build's run log: the command's output goes to the log as it comes.</summary>
    private sealed class PlainStep : ILongStep
    {
        public void Done(string? detail = null)
        {
        }

        public void Dispose()
        {
        }
    }

    private sealed record TerraformRun(int ExitCode, IReadOnlyList<string> StandardOutputLines, IReadOnlyList<string> StandardErrorLines)
    {
        public string StandardOutput => string.Join('\n', StandardOutputLines);

        public string StandardError => string.Join('\n', StandardErrorLines);
    }
}
