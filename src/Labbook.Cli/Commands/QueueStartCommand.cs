using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Labbook.Executors;
using Labbook.Executors.Slurm;
using Labbook.Processes;
using Labbook.Queue;
using Labbook.Runs;
using Labbook.Workspaces;

namespace Labbook.Cli.Commands;

/// <summary><c>lab queue start</c>: the runner, in the foreground or detached.</summary>
internal static class QueueStartCommand
{
    private const string LogVariable = "LAB_QUEUE_RUNNER_LOG";

    public static Command Build()
    {
        var jobs = new Option<int?>("--jobs", "-j") { Description = "Run this many items at once (default 1)." };
        var gpus = new Option<string?>("--gpus") { Description = "One slot per GPU id (e.g. 0,1,2,3); each item gets CUDA_VISIBLE_DEVICES." };
        var at = new Option<string?>("--at") { Description = "Wait until this clock time (e.g. 19:00) before starting anything." };
        var until = new Option<string?>("--until") { Description = "Start nothing whose estimate would end after this clock time (e.g. 07:30)." };
        var hard = new Option<bool>("--hard") { Description = "With --until: stop running items at the deadline too." };
        var detach = new Option<bool>("--detach", "-d") { Description = "Run in the background (survives the terminal closing), logging under .labbook/queue/; implies --follow." };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep waiting for new items when the queue is empty, until lab queue stop or the deadline." };
        var notify = new Option<string?>("--notify") { Description = "Run this command when the queue empties or the deadline passes (split like a shell would, but no shell: write sh -c '...' for one); LAB_QUEUE_SUMMARY and counts are in its environment." };
        var grace = new Option<string?>("--kill-grace") { Description = "Time between SIGTERM and SIGKILL when stopping an item (default 10s)." };
        var slurm = new SlurmStartOptions();
        var cmd = new Command("start", "Run the queue: pending items in priority then queue order, on N slots or one slot per GPU, or submitted to Slurm (--executor slurm).")
        {
            jobs, gpus, at, until, hard, detach, follow, notify, grace,
        };
        slurm.AddTo(cmd);
        cmd.SetAction(parse =>
        {
            if (slurm.Chosen(parse))
            {
                if (parse.GetValue(jobs) is not null || parse.GetValue(gpus) is not null || parse.GetValue(until) is not null || parse.GetValue(hard) || parse.GetValue(follow) || parse.GetValue(detach) || parse.GetValue(notify) is not null)
                {
                    throw new UsageException("with --executor slurm, -j, --gpus, --until, --hard, --follow, --detach and --notify do not apply (Slurm schedules; lab submits and exits)");
                }
                return SubmitToSlurm(slurm.Settings(parse, Workspace.FromEnvironment(create: true)), parse.GetValue(at));
            }
            var j = parse.GetValue(jobs);
            var g = parse.GetValue(gpus);
            if (j is not null && g is not null)
            {
                throw new UsageException("use -j N or --gpus IDS, not both");
            }
            if (j is < 1 or > 1024)
            {
                throw new UsageException("-j must be between 1 and 1024");
            }
            if (parse.GetValue(hard) && parse.GetValue(until) is null)
            {
                throw new UsageException("--hard needs --until");
            }
            var atUtc = parse.GetValue(at) is { } a ? QueueShared.ParseClock(a, "--at") : (DateTime?)null;
            var untilUtc = parse.GetValue(until) is { } u ? QueueShared.ParseClock(u, "--until") : (DateTime?)null;
            if (atUtc is { } start && untilUtc is { } end && end <= start)
            {
                untilUtc = end.AddDays(1);
            }
            var notifyArgv = parse.GetValue(notify) is { } n ? SplitCommand(n) : null;
            var killGrace = parse.GetValue(grace) is { } kg ? QueueShared.ParseDuration(kg, "--kill-grace", allowZero: true) : TimeSpan.FromSeconds(10);
            LocalSlotsExecutor executor;
            try
            {
                executor = g is not null ? LocalSlotsExecutor.WithGpus(GpuIds.Parse(g)) : LocalSlotsExecutor.WithSlots(j ?? 1);
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message);
            }
            if (parse.GetValue(detach))
            {
                executor.Dispose();
                return Detach();
            }
            using (executor)
            {
                return RunForeground(executor, atUtc, untilUtc, parse.GetValue(hard), parse.GetValue(follow), notifyArgv, killGrace);
            }
        });
        return cmd;
    }

    private static int SubmitToSlurm(SlurmSettings settings, string? at)
    {
        var workspace = Workspace.FromEnvironment(create: true);
        if (at is not null)
        {
            var begin = QueueShared.ParseClock(at, "--at").ToLocalTime();
            settings.Extra.Insert(0, "--begin=" + begin.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture));
        }
        void Progress(string line) => Console.Error.WriteLine($"{DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {Names.Escape(line)}");
        using var executor = new SlurmExecutor(settings) { Workspace = workspace, Progress = Progress };
        var runner = new QueueRunner(workspace, new RunnerOptions { Executor = executor, Progress = Progress, PollInterval = TimeSpan.Zero });
        using (var journal = QueueShared.Open(workspace))
        {
            if (journal.State.Paused)
            {
                Terminal.Note("the queue is paused: nothing is submitted until lab queue resume");
            }
        }
        var summary = runner.Run();
        var submitted = summary.Attempts.Count == 0 ? CountSubmitted(workspace, runner.Id) : 0;
        Console.Out.WriteLine($"lab queue: {submitted} item(s) submitted to Slurm{(summary.Failed > 0 ? $", {summary.Failed} failed to submit" : "")}; lab queue shows their states (nothing keeps running here)");
        foreach (var (id, why) in summary.LeftPending.Take(5))
        {
            Console.Out.WriteLine($"  {id,-6} pending     {Names.Escape(why)}");
        }
        return summary.Failed > 0 ? 1 : 0;
    }

    private static int CountSubmitted(Workspace workspace, string runner)
    {
        using var journal = QueueShared.Open(workspace, warn: false);
        return journal.State.Items.Values.Count(v => v.Lease is { } l && l.Runner == runner && l.External is not null);
    }

    /// <summary>Splits a command line into words with quotes as a shell reads them; nothing is expanded.</summary>
    internal static List<string> SplitCommand(string text)
    {
        var words = new List<string>();
        var current = new System.Text.StringBuilder();
        var inWord = false;
        char quote = '\0';
        foreach (var c in text)
        {
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }
            }
            else
            {
                current.Append(c);
                inWord = true;
            }
        }
        if (quote != '\0')
        {
            throw new UsageException("--notify: unclosed quote");
        }
        if (inWord)
        {
            words.Add(current.ToString());
        }
        return words.Count > 0 ? words : throw new UsageException("--notify: empty command");
    }

    private static int RunForeground(IExecutor executor, DateTime? at, DateTime? until, bool hard, bool follow, List<string>? notify, TimeSpan killGrace)
    {
        var workspace = Workspace.FromEnvironment(create: true);
        using var cts = new CancellationTokenSource();
        void OnSignal(PosixSignalContext c)
        {
            c.Cancel = true;
            cts.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal);
        var estimator = until is null ? null : Estimator.FromRuns(new RunStore(workspace));
        var log = Environment.GetEnvironmentVariable(LogVariable);
        var runner = new QueueRunner(workspace, new RunnerOptions
        {
            Executor = executor,
            At = at,
            Until = until,
            Hard = hard,
            Follow = follow || log is not null,
            Notify = notify,
            Estimate = estimator is null ? null : estimator.For,
            Log = log,
            KillGrace = killGrace,
            Progress = line => Console.Error.WriteLine($"{DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {Names.Escape(line)}"),
            Cancel = cts.Token,
        });
        using (var journal = QueueShared.Open(workspace))
        {
            if (journal.State.Paused)
            {
                Terminal.Note("the queue is paused: nothing starts until lab queue resume");
            }
        }
        var summary = runner.Run();
        PrintSummary(workspace, summary);
        return summary.ExitCode;
    }

    private static void PrintSummary(Workspace workspace, RunnerSummary summary)
    {
        using var journal = QueueShared.Open(workspace, warn: false);
        var state = journal.State;
        var lines = new List<string> { "lab queue: " + summary.OneLine() };
        foreach (var (id, final) in summary.Finished.Take(15))
        {
            var v = state.Items[id];
            lines.Add($"  {id,-6} {final.ToText(),-11} {v.Runs.LastOrDefault() ?? "",-12} {Names.Escape(v.LastReason ?? "")}");
        }
        if (summary.Finished.Count > 15)
        {
            lines.Add($"  ... and {summary.Finished.Count - 15} more (lab queue)");
        }
        foreach (var (id, why) in summary.LeftPending.Take(5))
        {
            lines.Add($"  {id,-6} pending     {Names.Escape(why)}");
        }
        if (summary.LeftPending.Count > 5)
        {
            lines.Add($"  ... and {summary.LeftPending.Count - 5} more pending");
        }
        foreach (var line in lines)
        {
            Console.Out.WriteLine(line);
        }
    }

    private static int Detach()
    {
        var workspace = Workspace.FromEnvironment(create: true);
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot find the lab executable");
        var logDir = Path.Combine(workspace.StateDirectory, "queue");
        Directory.CreateDirectory(logDir);
        var stamp = DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var logPath = Path.Combine(logDir, $"runner-{stamp}-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}.log");
        var args = Environment.GetCommandLineArgs().Skip(1).Where(a => a is not ("--detach" or "-d")).ToList();
        var argv = new List<string>();
        // setsid: a session of its own, so closing the terminal sends it no SIGHUP.
        if (ChildProcess.ResolveOnPath("setsid") is { } setsid)
        {
            argv.Add(setsid);
        }
        argv.Add(self);
        argv.AddRange(args);
        var relativeLog = Path.GetRelativePath(workspace.Root, logPath);
        using var child = ChildProcess.Start(new ChildStartInfo
        {
            Argv = argv,
            Environment = new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                [LogVariable] = relativeLog,
                [Workspace.EnvironmentVariable] = workspace.Root,
            },
            CaptureOutput = false,
            OutputFile = logPath,
            NullStdin = true,
            NewProcessGroup = false,
        });
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        using var journal = workspace.OpenQueue();
        while (DateTime.UtcNow < deadline)
        {
            journal.Refresh();
            if (journal.State.Runners.Values.Any(r => r.Pid == child.Pid && r.Host == ProcessIdentity.HostName))
            {
                Console.Out.WriteLine($"queue runner started in the background (pid {child.Pid}); log: {relativeLog}");
                Console.Out.WriteLine("  lab queue status | lab queue stop [--now]");
                return 0;
            }
            if (ProcessIdentity.StartTicks(child.Pid) is null || IsZombie(child.Pid))
            {
                break;
            }
            Thread.Sleep(50);
        }
        var tail = File.Exists(logPath) ? File.ReadLines(logPath).TakeLast(3).ToList() : [];
        Terminal.Error($"the background runner did not start (log {relativeLog}){(tail.Count > 0 ? ": " + string.Join(" | ", tail) : "")}");
        return 1;
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var close = stat.LastIndexOf(')');
            return close > 0 && close + 2 < stat.Length && stat[close + 2] == 'Z';
        }
        catch (IOException)
        {
            return true;
        }
    }
}
