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

    /// <summary>
    /// Time between SIGTERM and SIGKILL when stopping: a stop (timeout, prune, a signal passed on)
    /// sends SIGTERM to the child's whole process group, then SIGKILL to whatever of the group is
    /// still alive after this long, even when the child itself has already exited.
    /// </summary>
    public TimeSpan KillGrace { get; init; } = DefaultKillGrace;

    /// <summary>The default <see cref="KillGrace"/>: 10 seconds.</summary>
    public static readonly TimeSpan DefaultKillGrace = TimeSpan.FromSeconds(10);

    /// <summary>
    /// When the child ends normally but left background processes running in its process group,
    /// stop them (SIGTERM, SIGKILL after <see cref="KillGrace"/>) instead of only reporting them.
    /// </summary>
    public bool KillLeftovers { get; init; }

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
    /// <summary>
    /// The exit code a shell would report: the child's code, or 128 + signal; 1 when the child
    /// exited 0 but the run still failed (its files could not be written).
    /// </summary>
    public int ShellExitCode => ExitCode is 0 && Status == RunStatus.Failed ? 1 : ExitCode ?? (Signal is { } s ? 128 + s : 1);

    /// <summary>True when the run failed because its files could not be written (disk full, I/O error).</summary>
    public bool StorageFailed { get; init; }

    /// <summary>Background processes the child left running in its group when it ended (pids), and whether they were stopped.</summary>
    public IReadOnlyList<int> Leftovers { get; init; } = [];

    /// <summary>True when <see cref="Leftovers"/> were stopped.</summary>
    public bool LeftoversStopped { get; init; }
}

/// <summary>A run in progress.</summary>
public sealed class RunHandle
{
    private readonly Lock _gate = new();
    private ChildProcess? _child;
    private (RunStatus Status, string Reason)? _stopRequest;
    private int? _forwardedSignal;
    private DateTime? _signalledAt;

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
                if (_signalledAt is null && _child is { } child)
                {
                    // Stopping means stopping: what still runs after the grace period gets SIGKILL.
                    _signalledAt = DateTime.UtcNow;
                    var grace = KillGrace;
                    _ = Task.Run(async () =>
                    {
                        await Task.Delay(grace).ConfigureAwait(false);
                        child.Signal(Native.Libc.SIGKILL);
                    });
                }
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
            _signalledAt ??= DateTime.UtcNow;
            child = _child;
        }
        if (child is null)
        {
            return;
        }
        child.Signal(Native.Libc.SIGTERM);
        var grace = KillGrace;
        // The child stays unreaped until its group is empty (see Execute), so this SIGKILL still
        // reaches a grandchild that ignored SIGTERM after the child itself exited.
        _ = Task.Run(async () =>
        {
            await Task.Delay(grace).ConfigureAwait(false);
            child.Signal(Native.Libc.SIGKILL);
        });
    }

    /// <summary>When a stop or a signal was first passed on to the child, if ever.</summary>
    internal DateTime? SignalledAt
    {
        get
        {
            lock (_gate)
            {
                return _signalledAt;
            }
        }
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
        string dir;
        try
        {
            dir = store.Create(record, started);
        }
        catch (IOException e) when (StorageGuard.IsNoSpace(e))
        {
            throw new IOException($"disk full: cannot record a new run in {request.Workspace.RunsDirectory}", e);
        }
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
        var storage = new StorageGuard(request.Warn, record.Id);
        // Space set aside now so that the end of the run can be recorded even when the disk fills up.
        var reserve = SpaceReserve.Take(dir);
        using var heartbeat = new Heartbeat(dir);
        using var metrics = new MetricWriter(Path.Combine(dir, RunFiles.Metrics));
        metrics.Recreated += () => request.Warn?.Invoke($"run {record.Id}: {RunFiles.Metrics} was deleted while the run was writing it; recreated it (the points logged before are gone, later ones are kept)");
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
            storage.Try(() => log.Write(Encoding.UTF8.GetBytes($"lab: {e.Message}\n")));
            return Finish(record, dir, RunStatus.Failed, exitCode: 127, signal: null, reason: e.Message, request, metrics, new RunSummary(), recordGate, storage, reserve, DateTime.UtcNow);
        }
        handle.Attach(child);

        // The dirty check runs git, which takes milliseconds to seconds: do it while the child works.
        var gitTask = record.Git is null ? Task.CompletedTask : Task.Run(() =>
        {
            try
            {
                var dirty = GitProbe.CaptureDirtyState(record.Cwd!, Path.Combine(dir, RunFiles.GitDiff), request.Workspace.Root);
                lock (recordGate)
                {
                    if (record.Git is not null && dirty is not null && !storage.Failed)
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

        var childExited = new ManualResetEventSlim(false);
        var pump = new Thread(() => Pump(child, request, log, metrics, storage, childExited)) { IsBackground = true, Name = "lab-output" };
        pump.Start();

        var summary = new RunSummary();
        var summaryGate = new Lock();
        var reader = new MetricReader();
        long writtenBytes = 0;
        void Tail(bool write = true)
        {
            lock (summaryGate)
            {
                storage.Try(metrics.Flush);
                storage.Check(metrics);
                var path = Path.Combine(dir, RunFiles.Metrics);
                var before = summary.MetricsBytes;
                if (before > 0 && (!File.Exists(path) || new FileInfo(path).Length < before))
                {
                    // The file was deleted or replaced: the points read so far stay counted, the new file is read from its top.
                    before = 0;
                    reader.Restart();
                }
                long end = before;
                foreach (var p in reader.Read(path, before, e => end = e))
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
                if (write && end != writtenBytes && !storage.Failed)
                {
                    storage.Try(() => RunStore.WriteSummary(dir, summary));
                    writtenBytes = end;
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

        // The child is left unreaped until the processes it left in its group are dealt with: its
        // pid, and so the group id, cannot be reused meanwhile.
        child.WaitForExitWithoutReaping();
        var exitedAt = DateTime.UtcNow;
        childExited.Set();
        timeoutTimer?.Dispose();
        // The pump drains what the child printed and ends: a process that daemonised with the pipe open does not hold the run.
        pump.Join();
        var leftovers = child.Leftovers();
        var leftoversStopped = false;
        if (leftovers.Count > 0)
        {
            if (handle.SignalledAt is { } since)
            {
                // A stop (timeout, prune, a signal passed on) ends the whole group: SIGKILL after the grace period.
                StopGroup(child, since + handle.KillGrace);
                leftoversStopped = true;
            }
            else if (request.KillLeftovers)
            {
                child.Signal(Native.Libc.SIGTERM);
                StopGroup(child, DateTime.UtcNow + request.KillGrace);
                leftoversStopped = true;
            }
            var pids = string.Join(", ", leftovers.Take(10));
            storage.Try(() => log.Write(Encoding.UTF8.GetBytes(
                $"lab: the command left {leftovers.Count} background process(es) running in its process group (pid {pids}){(leftoversStopped ? "; stopped them" : "")}\n")));
        }
        var (exitCode, signal) = child.WaitForExit();
        child.Dispose();
        gitTask.Wait(TimeSpan.FromSeconds(5));
        tailTimer.Dispose();
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
        var outcome = Finish(record, dir, status, exitCode, signal, reason, request, metrics, summary, recordGate, storage, reserve, exitedAt);
        return outcome with { Leftovers = leftovers, LeftoversStopped = leftoversStopped };
    }

    /// <summary>Waits until the child's group is empty or <paramref name="killAt"/>, then SIGKILLs what is left and waits for it to go.</summary>
    private static void StopGroup(ChildProcess child, DateTime killAt)
    {
        while (DateTime.UtcNow < killAt && child.Leftovers().Count > 0)
        {
            Thread.Sleep(20);
        }
        if (child.Leftovers().Count == 0)
        {
            return;
        }
        child.Signal(Native.Libc.SIGKILL);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline && child.Leftovers().Count > 0)
        {
            Thread.Sleep(20);
        }
    }

    private static RunOutcome Finish(RunRecord record, string dir, RunStatus status, int? exitCode, int? signal, string? reason, RunRequest request, MetricWriter metrics, RunSummary summary, Lock recordGate, StorageGuard storage, string? reserve, DateTime ended)
    {
        storage.Try(metrics.Flush);
        storage.Check(metrics);
        MergeValues(dir, summary);
        // The end of the run is recorded in the space set aside at its start.
        SpaceReserve.Release(reserve);
        if (storage.Reason is { } trouble)
        {
            status = RunStatus.Failed;
            reason = trouble;
            storage.Try(() => File.AppendAllText(Path.Combine(dir, RunFiles.Output), $"lab: {trouble}: the output and metrics after this point were not recorded\n"));
        }
        // The summary before the record: a run whose record says it ended always has its summary (a kill -9 between
        // the two leaves a run that reads as crashed, with its summary).
        storage.Try(() => RunStore.WriteSummary(dir, summary));
        lock (recordGate)
        {
            record.Status = status;
            record.ExitCode = exitCode;
            record.Signal = signal;
            record.Reason = reason;
            record.Ended = ended;
            record.DurationS = Math.Round((ended - record.Started!.Value).TotalSeconds, 3);
            try
            {
                RunStore.WriteRecord(dir, record);
            }
            catch (IOException e)
            {
                throw new IOException($"run {record.Id}: cannot record how the run ended ({StorageGuard.Describe(e)}); it will show as crashed", e);
            }
        }
        return new RunOutcome(record.Id, dir, status, exitCode, signal, reason, summary) { StorageFailed = storage.Failed };
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
        catch (IOException)
        {
        }
    }

    private static void Pump(ChildProcess child, RunRequest request, FileStream log, MetricWriter metrics, StorageGuard storage, ManualResetEventSlim childExited)
    {
        var parser = new ProtocolParser();
        var points = new List<(string, double, long)>();
        var buffer = new byte[1 << 16];
        var line = new List<byte>(256);
        var warned = false;
        DateTime? drainUntil = null;
        try
        {
            while (true)
            {
                // Once the child has exited, only what is already in the pipe is read (for at most two seconds):
                // a process it left behind with the pipe open neither holds the run nor stretches its duration.
                if (childExited.IsSet)
                {
                    drainUntil ??= DateTime.UtcNow + TimeSpan.FromSeconds(2);
                    if (DateTime.UtcNow > drainUntil)
                    {
                        break;
                    }
                }
                var n = child.ReadOutput(buffer, drainUntil is null ? 100 : 0);
                if (n == 0)
                {
                    break;
                }
                if (n < 0)
                {
                    if (drainUntil is not null)
                    {
                        break;
                    }
                    continue;
                }
                var chunk = buffer.AsSpan(0, n);
                if (!storage.Failed)
                {
                    try
                    {
                        log.Write(chunk);
                    }
                    catch (IOException e)
                    {
                        // The child is never blocked: its output is still read (and shown), only no longer recorded.
                        storage.Fail(e);
                    }
                }
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
                        HandleLine(line, parser, points, metrics, request, storage, ref warned);
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
                HandleLine(line, parser, points, metrics, request, storage, ref warned);
            }
        }
        catch (IOException)
        {
            // The pipe itself failed; nothing more can be read.
        }
    }

    private static void HandleLine(List<byte> lineBytes, ProtocolParser parser, List<(string, double, long)> points, MetricWriter metrics, RunRequest request, StorageGuard storage, ref bool warned)
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
            if (storage.Failed)
            {
                return;
            }
            storage.NextStep = step;
            try
            {
                metrics.Log(name, value, step);
            }
            catch (IOException e)
            {
                storage.Fail(e);
                return;
            }
            storage.Check(metrics);
            storage.LastStep = step;
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

/// <summary>
/// Notes the first failure to write a run's files (a full disk, an I/O error), names it once, and
/// tells the launcher to stop writing: the child's output is still read and shown, so the child
/// never blocks on its pipe.
/// </summary>
internal sealed class StorageGuard(Action<string>? warn, string runId)
{
    private readonly Lock _gate = new();
    private string? _reason;
    private long _nextStep = -1;
    private long _lastStep = -1;

    /// <summary>True once a write failed.</summary>
    public bool Failed => Volatile.Read(ref _reason) is not null;

    /// <summary>The reason the run fails, e.g. "disk full at step 1200".</summary>
    public string? Reason => Volatile.Read(ref _reason);

    /// <summary>The step of the point being written.</summary>
    public long NextStep { get => Interlocked.Read(ref _nextStep); set => Interlocked.Exchange(ref _nextStep, value); }

    /// <summary>The step of the last point handed to the metric writer.</summary>
    public long LastStep { get => Interlocked.Read(ref _lastStep); set => Interlocked.Exchange(ref _lastStep, value); }

    /// <summary>Runs a write; an I/O failure marks the run instead of escaping.</summary>
    public void Try(Action write)
    {
        try
        {
            write();
        }
        catch (IOException e)
        {
            Fail(e);
        }
        catch (UnauthorizedAccessException e)
        {
            Fail(new IOException(e.Message, e));
        }
    }

    /// <summary>Notes a failure of the metric writer's own timed flush.</summary>
    public void Check(Metrics.MetricWriter metrics)
    {
        if (metrics.WriteError is { } e)
        {
            Fail(e);
        }
    }

    /// <summary>Notes a failed write; the first one names the reason and warns.</summary>
    public void Fail(IOException error)
    {
        string reason;
        lock (_gate)
        {
            if (_reason is not null)
            {
                return;
            }
            var step = NextStep >= 0 ? NextStep : LastStep;
            var where = step >= 0 ? $" at step {step.ToString(CultureInfo.InvariantCulture)}" : " before the first metric";
            reason = (IsNoSpace(error) ? "disk full" : "cannot write the run's files (" + Describe(error) + ")") + where;
            Volatile.Write(ref _reason, reason);
        }
        warn?.Invoke($"run {runId}: {reason}: its output and metrics are no longer recorded; the command keeps running and the run will be marked failed");
    }

    /// <summary>True for "no space left on device" and "disk quota exceeded".</summary>
    public static bool IsNoSpace(IOException error) =>
        error.HResult is Native.Libc.ENOSPC or Native.Libc.EDQUOT or unchecked((int)0x80070070)
        || error.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase)
        || error.Message.Contains("quota", StringComparison.OrdinalIgnoreCase);

    /// <summary>The failure in a few words.</summary>
    public static string Describe(IOException error) => IsNoSpace(error) ? "disk full" : error.HResult == Native.Libc.EIO ? "I/O error" : error.Message;
}

/// <summary>
/// A file of preallocated blocks in a run folder, deleted just before the end of the run is
/// recorded: a disk that filled up while the run wrote still has room for run.json and summary.json.
/// </summary>
internal static class SpaceReserve
{
    /// <summary>The file name inside the run folder.</summary>
    public const string FileName = ".space-reserve";

    /// <summary>The space set aside: enough for run.json and a summary of about a thousand metrics.</summary>
    public const long Size = 256 * 1024;

    /// <summary>Sets the space aside; null when it cannot be (the disk is already full, or the file system cannot preallocate).</summary>
    public static string? Take(string runDirectory)
    {
        var path = Path.Combine(runDirectory, FileName);
        try
        {
            using var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None, preallocationSize: Size);
            return path;
        }
        catch (IOException)
        {
            Release(path);
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Gives the space back.</summary>
    public static void Release(string? path)
    {
        if (path is null)
        {
            return;
        }
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

