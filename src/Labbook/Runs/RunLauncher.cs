using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Labbook.Git;
using Labbook.Json;
using Labbook.Metrics;
using Labbook.Processes;
using Labbook.Workspaces;

namespace Labbook.Runs;

/// <summary>Everything needed to launch and record one run.</summary>
public sealed record RunRequest
{
    /// <summary>The workspace to record in.</summary>
    public required Workspace Workspace { get; init; }

    /// <summary>The command, exactly as it will be executed (no shell).</summary>
    public required IReadOnlyList<string> Argv { get; init; }

    /// <summary>A human name.</summary>
    public string? Name { get; init; }

    /// <summary>The question the run answers.</summary>
    public string? Why { get; init; }

    /// <summary>Parameters, recorded and passed to the child as <c>LAB_PARAMS</c>.</summary>
    public Dictionary<string, JsonNode?> Params { get; init; } = [];

    /// <summary>Tags.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Notebook entry.</summary>
    public string? Entry { get; init; }

    /// <summary>Study name, for a sweep trial.</summary>
    public string? Study { get; init; }

    /// <summary>Trial number, for a sweep trial.</summary>
    public int? Trial { get; init; }

    /// <summary>Queue item id.</summary>
    public string? QueueItem { get; init; }

    /// <summary>Runs this one repeats.</summary>
    public IReadOnlyList<string>? RerunOf { get; init; }

    /// <summary>Slot name (local queue).</summary>
    public string? Slot { get; init; }

    /// <summary>GPUs given through <c>CUDA_VISIBLE_DEVICES</c>.</summary>
    public string? Gpus { get; init; }

    /// <summary>Slurm job id when running inside a Slurm job.</summary>
    public string? SlurmJob { get; init; }

    /// <summary>Working directory (default: the current one).</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>More environment variables for the child.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>Where to copy the child's output live (the terminal), or null.</summary>
    public Stream? Echo { get; init; }

    /// <summary>Keep the child in this process's group (interactive use on a terminal).</summary>
    public bool Interactive { get; init; }

    /// <summary>Stop the child after this long (SIGTERM, then SIGKILL after <see cref="KillGrace"/>).</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Time between SIGTERM and SIGKILL when stopping.</summary>
    public TimeSpan KillGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Called with one-line warnings (malformed protocol lines, unreadable metrics).</summary>
    public Action<string>? Warn { get; init; }

    /// <summary>Called with new metric points as they reach metrics.csv (from any source), about once a second.</summary>
    public Action<MetricPoint>? OnMetric { get; init; }

    /// <summary>How often metrics.csv is tailed for the summary and <see cref="OnMetric"/>.</summary>
    public TimeSpan TailInterval { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>How a run ended.</summary>
/// <param name="Id">The run id.</param>
/// <param name="Directory">The run folder.</param>
/// <param name="Status">The final status.</param>
/// <param name="ExitCode">The child's exit code, when it exited.</param>
/// <param name="Signal">The signal that ended it, when one did.</param>
/// <param name="Reason">Why, in words, when it did not simply exit.</param>
/// <param name="Summary">The metric summary.</param>
public sealed record RunOutcome(string Id, string Directory, RunStatus Status, int? ExitCode, int? Signal, string? Reason, RunSummary Summary)
{
    /// <summary>The exit code a shell would report: the child's code, or 128 + signal.</summary>
    public int ShellExitCode => ExitCode ?? (Signal is { } s ? 128 + s : 1);
}

/// <summary>A run in progress.</summary>
public sealed class RunHandle
{
    private readonly Lock _gate = new();
    private ChildProcess? _child;
    private (RunStatus Status, string Reason)? _stopRequest;
    private int? _forwardedSignal;

    internal RunHandle(string id, string directory)
    {
        Id = id;
        Directory = directory;
    }

    /// <summary>The run id.</summary>
    public string Id { get; }

    /// <summary>The run folder.</summary>
    public string Directory { get; }

    /// <summary>Completes when the run has ended and its files are final.</summary>
    public Task<RunOutcome> Completion { get; internal set; } = Task.FromException<RunOutcome>(new InvalidOperationException("not started"));

    /// <summary>The child's pid, once started.</summary>
    public int? ChildPid => _child?.Pid;

    internal TimeSpan KillGrace { get; set; }

    /// <summary>
    /// Passes a signal the user sent to <c>lab</c> on to the child; the run then counts as killed
    /// unless the child still exits 0. With <paramref name="deliver"/> false the signal is only
    /// noted (the terminal already delivered Ctrl-C to a child in its foreground group).
    /// </summary>
    public void Forward(int signal, bool deliver = true)
    {
        lock (_gate)
        {
            _forwardedSignal ??= signal;
            if (deliver)
            {
                _child?.Signal(signal);
            }
        }
    }

    /// <summary>
    /// Stops the run: SIGTERM to the child's group, SIGKILL after the grace period. The run ends
    /// with <paramref name="status"/> (killed, pruned...) and <paramref name="reason"/>.
    /// </summary>
    public void Stop(RunStatus status, string reason)
    {
        ChildProcess? child;
        lock (_gate)
        {
            _stopRequest ??= (status, reason);
            child = _child;
        }
        if (child is null)
        {
            return;
        }
        child.Signal(Native.Libc.SIGTERM);
        var grace = KillGrace;
        _ = Task.Run(async () =>
        {
            await Task.Delay(grace).ConfigureAwait(false);
            child.Signal(Native.Libc.SIGKILL);
        });
    }

    internal void Attach(ChildProcess child)
    {
        lock (_gate)
        {
            _child = child;
        }
    }

    internal (RunStatus Status, string Reason)? StopRequest
    {
        get
        {
            lock (_gate)
            {
                return _stopRequest;
            }
        }
    }

    internal int? ForwardedSignal
    {
        get
        {
            lock (_gate)
            {
                return _forwardedSignal;
            }
        }
    }
}

/// <summary>
/// Launches a command as a recorded run: the run folder, live output to the terminal and to
/// output.log, <c>@lab</c> lines into metrics.csv, a heartbeat, the git state, and the final status.
/// The engine behind <c>lab run</c>, the queue and sweeps.
/// </summary>
public static class RunLauncher
{
    /// <summary>Environment variable naming the run folder, for the child.</summary>
    public const string RunDirVariable = "LAB_RUN_DIR";

    /// <summary>Environment variable with the run id.</summary>
    public const string RunIdVariable = "LAB_RUN_ID";

    /// <summary>Environment variable with the params as JSON.</summary>
    public const string ParamsVariable = "LAB_PARAMS";

    /// <summary>Starts the run; await <see cref="RunHandle.Completion"/> for the outcome.</summary>
    public static RunHandle Start(RunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var store = new RunStore(request.Workspace);
        var started = DateTime.UtcNow;
        var cwd = Path.GetFullPath(request.WorkingDirectory ?? System.Environment.CurrentDirectory);
        var self = System.Environment.ProcessId;
        var record = new RunRecord
        {
            Name = request.Name,
            Status = RunStatus.Running,
            Command = ShellQuote.Join(request.Argv),
            Argv = [.. request.Argv],
            Cwd = cwd,
            Params = request.Params,
            Tags = [.. request.Tags],
            Why = request.Why,
            Entry = request.Entry,
            Study = request.Study,
            Trial = request.Trial,
            QueueItem = request.QueueItem,
            RerunOf = request.RerunOf?.ToList(),
            Git = GitProbe.ReadHead(cwd),
            Host = ProcessIdentity.HostName,
            User = ProcessIdentity.UserName,
            Owner = new RunOwner { Host = ProcessIdentity.HostName, Pid = self, PidStartTicks = ProcessIdentity.StartTicks(self) ?? 0, BootId = ProcessIdentity.BootId },
            Slot = request.Slot,
            Gpus = request.Gpus,
            // Inside a Slurm job (a sweep worker, or lab run in a user's own batch script) the job id is recorded too.
            SlurmJob = request.SlurmJob ?? SlurmJobOfThisProcess(),
            Started = started,
            LabbookVersion = LabbookInfo.Version,
        };
        var dir = store.Create(record, started);
        var handle = new RunHandle(record.Id, dir) { KillGrace = request.KillGrace };
        handle.Completion = Task.Factory.StartNew(
            () => Execute(request, record, dir, handle),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        return handle;
    }

    private static string? SlurmJobOfThisProcess()
    {
        var array = System.Environment.GetEnvironmentVariable("SLURM_ARRAY_JOB_ID");
        var task = System.Environment.GetEnvironmentVariable("SLURM_ARRAY_TASK_ID");
        return !string.IsNullOrEmpty(array) && !string.IsNullOrEmpty(task) ? array + "_" + task : System.Environment.GetEnvironmentVariable("SLURM_JOB_ID") is { Length: > 0 } job ? job : null;
    }

    /// <summary>Runs to the end on the calling thread.</summary>
    public static RunOutcome Run(RunRequest request) => Start(request).Completion.GetAwaiter().GetResult();

    private static RunOutcome Execute(RunRequest request, RunRecord record, string dir, RunHandle handle)
    {
        var recordGate = new Lock();
        using var heartbeat = new Heartbeat(dir);
        using var metrics = new MetricWriter(Path.Combine(dir, RunFiles.Metrics));
        using var log = new FileStream(Path.Combine(dir, RunFiles.Output), FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 1);
        var env = new Dictionary<string, string?>(request.Environment, StringComparer.Ordinal)
        {
            [RunDirVariable] = dir,
            [RunIdVariable] = record.Id,
            [ParamsVariable] = LabJson.Compact(record.Params),
            // Python buffers stdout when it is a pipe; a run's log should be live.
            ["PYTHONUNBUFFERED"] = request.Environment.TryGetValue("PYTHONUNBUFFERED", out var pu) ? pu : "1",
        };
        if (request.Gpus is not null)
        {
            env["CUDA_VISIBLE_DEVICES"] = request.Gpus;
        }

        ChildProcess child;
        try
        {
            child = ChildProcess.Start(new ChildStartInfo
            {
                Argv = request.Argv,
                WorkingDirectory = record.Cwd,
                Environment = env,
                NewProcessGroup = !request.Interactive,
            });
        }
        catch (ChildStartException e)
        {
            var bytes = Encoding.UTF8.GetBytes($"lab: {e.Message}\n");
            log.Write(bytes);
            return Finish(record, dir, RunStatus.Failed, exitCode: 127, signal: null, reason: e.Message, request, metrics, new RunSummary(), recordGate);
        }
        handle.Attach(child);

        // The dirty check runs git, which takes milliseconds to seconds: do it while the child works.
        var gitTask = record.Git is null ? Task.CompletedTask : Task.Run(() =>
        {
            try
            {
                var dirty = GitProbe.CaptureDirtyState(record.Cwd!, Path.Combine(dir, RunFiles.GitDiff));
                lock (recordGate)
                {
                    if (record.Git is not null && dirty is not null)
                    {
                        record.Git.Dirty = dirty;
                        record.Git.Diff = dirty == true ? RunFiles.GitDiff : null;
                        if (record.Status == RunStatus.Running)
                        {
                            RunStore.WriteRecord(dir, record);
                        }
                    }
                }
            }
            catch (IOException)
            {
            }
        });

        var pump = new Thread(() => Pump(child.Output!, request, log, metrics)) { IsBackground = true, Name = "lab-output" };
        pump.Start();

        var summary = new RunSummary();
        var summaryGate = new Lock();
        var reader = new MetricReader();
        void Tail(bool write = true)
        {
            lock (summaryGate)
            {
                metrics.Flush();
                var before = summary.MetricsBytes;
                long end = before;
                foreach (var p in reader.Read(Path.Combine(dir, RunFiles.Metrics), before, e => end = e))
                {
                    if (!summary.Metrics.TryGetValue(p.Name, out var stats))
                    {
                        stats = new MetricStats();
                        summary.Metrics[p.Name] = stats;
                    }
                    stats.Add(p.Step, p.Value);
                    request.OnMetric?.Invoke(p);
                }
                summary.MetricsBytes = end;
                MergeValues(dir, summary);
                if (write && end != before)
                {
                    RunStore.WriteSummary(dir, summary);
                }
            }
        }
        using var tailTimer = new Timer(_ =>
        {
            try
            {
                Tail();
            }
            catch (Exception)
            {
                // A timer callback must never bring the process down; the final Tail reports.
            }
        }, null, request.TailInterval, request.TailInterval);

        Timer? timeoutTimer = null;
        if (request.Timeout is { } timeout)
        {
            timeoutTimer = new Timer(_ => handle.Stop(RunStatus.Killed, $"timed out after {Durations.Format(timeout)}"), null, timeout, System.Threading.Timeout.InfiniteTimeSpan);
        }

        var (exitCode, signal) = child.WaitForExit();
        timeoutTimer?.Dispose();
        // Output still in the pipe belongs to the run; a grandchild that kept the pipe open must not hold the run forever.
        pump.Join(TimeSpan.FromSeconds(2));
        child.Dispose();
        gitTask.Wait(TimeSpan.FromSeconds(5));
        tailTimer.Dispose();
        metrics.Flush();
        Tail(write: false); // Finish writes the summary once
        foreach (var issue in reader.Issues.Take(5))
        {
            request.Warn?.Invoke(issue.ToString());
        }

        RunStatus status;
        string? reason = null;
        if (handle.StopRequest is { } stop)
        {
            status = exitCode == 0 && stop.Status == RunStatus.Killed ? RunStatus.Completed : stop.Status;
            reason = stop.Reason;
        }
        else if (signal is { } s)
        {
            status = RunStatus.Killed;
            reason = $"ended by signal {SignalName(s)}";
        }
        else if (handle.ForwardedSignal is { } f && exitCode != 0)
        {
            status = RunStatus.Killed;
            reason = $"interrupted ({SignalName(f)})";
        }
        else
        {
            status = exitCode == 0 ? RunStatus.Completed : RunStatus.Failed;
            reason = exitCode == 0 ? null : $"exit code {exitCode}";
        }
        record.ChildPid = child.Pid;
        return Finish(record, dir, status, exitCode, signal, reason, request, metrics, summary, recordGate);
    }

    private static RunOutcome Finish(RunRecord record, string dir, RunStatus status, int? exitCode, int? signal, string? reason, RunRequest request, MetricWriter metrics, RunSummary summary, Lock recordGate)
    {
        metrics.Flush();
        MergeValues(dir, summary);
        RunStore.WriteSummary(dir, summary);
        var ended = DateTime.UtcNow;
        lock (recordGate)
        {
            record.Status = status;
            record.ExitCode = exitCode;
            record.Signal = signal;
            record.Reason = reason;
            record.Ended = ended;
            record.DurationS = Math.Round((ended - record.Started!.Value).TotalSeconds, 3);
            RunStore.WriteRecord(dir, record);
        }
        return new RunOutcome(record.Id, dir, status, exitCode, signal, reason, summary);
    }

    private static void MergeValues(string dir, RunSummary summary)
    {
        var path = Path.Combine(dir, RunFiles.Values);
        if (!File.Exists(path))
        {
            return;
        }
        try
        {
            foreach (var (k, v) in LabJson.Read(path, LabJsonContext.Default.DictionaryStringDouble))
            {
                summary.Values[k] = v;
            }
        }
        catch (FormatException)
        {
            // The program rewrites values.json atomically; a bad one is reported by `lab show`.
        }
    }

    private static void Pump(Stream output, RunRequest request, FileStream log, MetricWriter metrics)
    {
        var parser = new ProtocolParser();
        var points = new List<(string, double, long)>();
        var buffer = new byte[1 << 16];
        var line = new List<byte>(256);
        var warned = false;
        try
        {
            int n;
            while ((n = output.Read(buffer, 0, buffer.Length)) > 0)
            {
                var chunk = buffer.AsSpan(0, n);
                log.Write(chunk);
                log.Flush();
                if (request.Echo is { } echo)
                {
                    try
                    {
                        echo.Write(chunk);
                        echo.Flush();
                    }
                    catch (IOException)
                    {
                        // The terminal went away (closed pipe); the log still has everything.
                    }
                }
                foreach (var b in chunk)
                {
                    if (b == (byte)'\n')
                    {
                        HandleLine(line, parser, points, metrics, request, ref warned);
                        line.Clear();
                    }
                    else if (line.Count < 1 << 20)
                    {
                        line.Add(b);
                    }
                }
            }
            if (line.Count > 0)
            {
                HandleLine(line, parser, points, metrics, request, ref warned);
            }
        }
        catch (IOException)
        {
        }
    }

    private static void HandleLine(List<byte> lineBytes, ProtocolParser parser, List<(string, double, long)> points, MetricWriter metrics, RunRequest request, ref bool warned)
    {
        if (lineBytes.Count < ProtocolParser.Prefix.Length || lineBytes[0] != (byte)'@')
        {
            return;
        }
        var text = Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(lineBytes)).TrimEnd('\r');
        if (!ProtocolParser.IsProtocolLine(text))
        {
            return;
        }
        var error = parser.TryParse(text, points);
        if (error is not null)
        {
            if (!warned)
            {
                warned = true;
                request.Warn?.Invoke($"ignoring malformed @lab line ({error}): {Names.Escape(text.Length > 120 ? text[..120] + "..." : text)} (further ones are ignored silently)");
            }
            return;
        }
        foreach (var (name, value, step) in points)
        {
            metrics.Log(name, value, step);
        }
    }

    /// <summary>The conventional name of a signal number.</summary>
    public static string SignalName(int signal) => signal switch
    {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        6 => "SIGABRT",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        15 => "SIGTERM",
        _ => "signal " + signal.ToString(CultureInfo.InvariantCulture),
    };
}
