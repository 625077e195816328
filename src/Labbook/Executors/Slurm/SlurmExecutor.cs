using System.Globalization;
using Labbook.Queue;
using Labbook.Runs;
using Labbook.Workspaces;

namespace Labbook.Executors.Slurm;

/// <summary>
/// Submits queue items to Slurm and walks away: every pending item becomes a job (items of one grid
/// with the same resources become one job array, cut into chunks no larger than the cluster's
/// MaxArraySize) whose script runs <c>lab queue slurm-task</c> on the node. Nothing stays alive on
/// the login node; any later command reads the state back with <see cref="Reconcile"/> (sacct when
/// the cluster has accounting, else <c>squeue -t all</c>).
/// </summary>
public sealed class SlurmExecutor : IBatchExecutor
{
    private readonly ISlurmCli _cli;
    private readonly Dictionary<string, string> _jobsByLease = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SlurmJobState> _cache = new(StringComparer.Ordinal);

    // Jobs PrepareReconcile asked about (outside the queue lock); once it ran, Reconcile asks Slurm nothing itself.
    private readonly HashSet<string> _prepared = new(StringComparer.Ordinal);
    private bool _preparedOnce;
    private string? _config;

    /// <summary>Creates an executor with these defaults.</summary>
    public SlurmExecutor(SlurmSettings settings, ISlurmCli? cli = null)
    {
        Settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _cli = cli ?? new SlurmCli();
    }

    /// <summary>The kind written in lease ops.</summary>
    public const string KindName = "slurm";

    /// <summary>The defaults.</summary>
    public SlurmSettings Settings { get; }

    /// <inheritdoc/>
    public string Kind => KindName;

    /// <inheritdoc/>
    public IReadOnlyList<string> Slots { get; } = [KindName];

    /// <inheritdoc/>
    public bool WalksAway => true;

    /// <summary>Progress lines (submissions).</summary>
    public Action<string>? Progress { get; init; }

    /// <summary>The cluster's <c>scontrol show config</c>, read once.</summary>
    private string Config
    {
        get
        {
            if (_config is null)
            {
                var r = _cli.Run(["scontrol", "show", "config"]);
                _config = r.ExitCode == 0 ? r.Output : "";
            }
            return _config;
        }
    }

    /// <summary>The largest array chunk: the cluster's MaxArraySize (task ids run 0..MaxArraySize-1), capped by the settings.</summary>
    public int MaxArraySize
    {
        get
        {
            var cluster = int.TryParse(SlurmOutput.ConfigValue(Config, "MaxArraySize"), NumberStyles.None, CultureInfo.InvariantCulture, out var m) && m > 0 ? m : 1001;
            return Math.Max(1, Math.Min(cluster, Settings.MaxArraySize ?? int.MaxValue));
        }
    }

    /// <summary>True when states are read with sacct: the cluster stores accounting in slurmdbd and the settings do not say otherwise.</summary>
    public bool UsesSacct => Settings.UseSacct ?? (SlurmOutput.ConfigValue(Config, "AccountingStorageType") is { } t && t.Contains("slurmdbd", StringComparison.Ordinal));

    /// <inheritdoc/>
    public bool CanRun(QueueItem item, out string? why)
    {
        ArgumentNullException.ThrowIfNull(item);
        try
        {
            _ = Settings.OptionsFor(item);
            why = null;
            return true;
        }
        catch (ArgumentException e)
        {
            why = e.Message;
            return false;
        }
    }

    /// <inheritdoc/>
    public Placement? TryPlace(QueueItem item) => new(KindName, null);

    /// <inheritdoc/>
    public void Release(Placement placement)
    {
    }

    /// <inheritdoc/>
    public ExecutionStarted Start(ExecutionRequest request)
    {
        var r = StartAll([request])[0];
        return r.Started ?? throw new IOException(r.Error);
    }

    /// <inheritdoc/>
    public IReadOnlyList<BatchStart> StartAll(IReadOnlyList<ExecutionRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var results = new BatchStart[requests.Count];
        var groups = requests.Select((r, i) => (Request: r, Index: i, Options: Settings.OptionsFor(r.Item)))
            .GroupBy(x => (x.Request.Item.Group ?? "item:" + x.Request.Item.Id) + "\n" + string.Join('\n', x.Options), StringComparer.Ordinal);
        var chunk = MaxArraySize;
        foreach (var group in groups)
        {
            var members = group.ToList();
            for (var from = 0; from < members.Count; from += chunk)
            {
                var part = members.Skip(from).Take(chunk).ToList();
                try
                {
                    var ids = Submit(part.Select(p => p.Request).ToList(), part[0].Options);
                    for (var i = 0; i < part.Count; i++)
                    {
                        _jobsByLease[part[i].Request.Lease] = ids[i];
                        results[part[i].Index] = new BatchStart(new ExecutionStarted(null, null, ids[i]), null);
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    foreach (var p in part)
                    {
                        results[p.Index] = new BatchStart(null, e.Message);
                    }
                }
            }
        }
        return results;
    }

    private List<string> Submit(List<ExecutionRequest> part, List<string> itemOptions)
    {
        var first = part[0];
        var workspace = first.Workspace;
        var dir = ScriptDirectory(workspace);
        Directory.CreateDirectory(dir);
        var isArray = part.Count > 1;
        var name = "lab-" + first.Item.Id + (isArray ? "-" + part[^1].Item.Id : "");
        var options = new List<string>
        {
            "--job-name=" + name,
            "--output=" + Path.Combine(dir, isArray ? "%x-%A_%a.out" : "%x-%j.out"),
            "--chdir=" + (first.Item.Cwd is { } cwd && Directory.Exists(cwd) ? cwd : workspace.Root),
        };
        if (isArray)
        {
            options.Add("--array=0-" + (part.Count - 1).ToString(CultureInfo.InvariantCulture) + (Settings.Throttle is { } t and > 0 ? "%" + t.ToString(CultureInfo.InvariantCulture) : ""));
        }
        options.AddRange(itemOptions);
        var tasks = part.Select((r, i) => new SlurmTaskLine(i, r.Item.Id, r.Lease)).ToList();
        var lab = Settings.Lab ?? Environment.ProcessPath ?? "lab";
        var script = Path.Combine(dir, $"{name}-{first.Lease}.sbatch");
        var text = SlurmBatchScript.Render(lab, workspace.Root, options, tasks, DateTime.UtcNow);
        var tmp = script + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, script, overwrite: true);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
        var r = _cli.Run(["sbatch", "--parsable", .. options, script]);
        var jobId = r.ExitCode == 0 ? SlurmOutput.ParseSbatch(r.Output) : null;
        if (jobId is null)
        {
            throw new IOException($"sbatch failed ({Path.GetRelativePath(workspace.Root, script)}): {r.FirstLine}");
        }
        Progress?.Invoke($"submitted {(isArray ? $"array job {jobId} ({part.Count} tasks{(Settings.Throttle is { } th ? $", at most {th} at once" : "")})" : "job " + jobId)} for {string.Join(", ", part.Select(p => p.Item.Id))}; script {Path.GetRelativePath(workspace.Root, script)}");
        return isArray ? [.. tasks.Select(t => jobId + "_" + t.Task.ToString(CultureInfo.InvariantCulture))] : [jobId];
    }

    /// <summary>
    /// Submits <paramref name="tasks"/> identical workers as job arrays (chunked by
    /// <see cref="MaxArraySize"/>, throttled per the settings), each running
    /// <c>lab <paramref name="labArgs"/></c> in <paramref name="cwd"/>. Returns the array job ids.
    /// </summary>
    /// <exception cref="IOException">sbatch refused the job.</exception>
    public List<string> SubmitWorkers(Workspace workspace, string name, IReadOnlyList<string> labArgs, int tasks, string cwd, string what)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(labArgs);
        var dir = ScriptDirectory(workspace);
        Directory.CreateDirectory(dir);
        var ids = new List<string>();
        var chunk = MaxArraySize;
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        for (var from = 0; from < tasks; from += chunk)
        {
            var count = Math.Min(chunk, tasks - from);
            var options = new List<string>
            {
                "--job-name=" + name,
                "--output=" + Path.Combine(dir, "%x-%A_%a.out"),
                "--chdir=" + cwd,
                "--array=0-" + (count - 1).ToString(CultureInfo.InvariantCulture) + (Settings.Throttle is { } t and > 0 ? "%" + t.ToString(CultureInfo.InvariantCulture) : ""),
            };
            options.AddRange(Settings.OptionsFor(new QueueItem()));
            var lab = Settings.Lab ?? Environment.ProcessPath ?? "lab";
            var script = Path.Combine(dir, $"{name}-{stamp}-{from.ToString(CultureInfo.InvariantCulture)}.sbatch");
            File.WriteAllText(script + ".tmp", SlurmBatchScript.RenderWorkers(lab, workspace.Root, options, labArgs, what, DateTime.UtcNow));
            File.Move(script + ".tmp", script, overwrite: true);
            var r = _cli.Run(["sbatch", "--parsable", .. options, script]);
            var jobId = r.ExitCode == 0 ? SlurmOutput.ParseSbatch(r.Output) : null;
            if (jobId is null)
            {
                throw new IOException($"sbatch failed ({Path.GetRelativePath(workspace.Root, script)}): {r.FirstLine}");
            }
            Progress?.Invoke($"submitted array job {jobId} ({count} task(s)); script {Path.GetRelativePath(workspace.Root, script)}");
            ids.Add(jobId);
        }
        return ids;
    }

    /// <summary>Where batch scripts and job output go: <c>.labbook/queue/slurm/</c>.</summary>
    public static string ScriptDirectory(Workspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        return Path.Combine(workspace.StateDirectory, "queue", "slurm");
    }

    /// <inheritdoc/>
    public IReadOnlyList<ExecutionResult> Poll(TimeSpan wait) => [];

    /// <inheritdoc/>
    public void Cancel(string lease, string reason)
    {
        if (_jobsByLease.TryGetValue(lease, out var job))
        {
            CancelJobs([job]);
        }
    }

    /// <summary>Cancels jobs (or array tasks) with scancel; returns its error, or null.</summary>
    public string? CancelJobs(IEnumerable<string> jobIds)
    {
        var ids = jobIds.Distinct(StringComparer.Ordinal).ToList();
        if (ids.Count == 0)
        {
            return null;
        }
        var r = _cli.Run(["scancel", .. ids]);
        return r.ExitCode == 0 ? null : "scancel: " + r.FirstLine;
    }

    /// <summary>
    /// Asks Slurm about jobs (ids as <c>123</c> or <c>123_4</c>): first the controller (<c>squeue -t
    /// all</c>, which knows every job it runs and finished ones for MinJobAge), then, when
    /// <see cref="UsesSacct"/>, the accounting database for the jobs the controller has forgotten.
    /// The controller goes first because slurmdbd learns of a job a moment after <c>sbatch</c>: until
    /// then sacct answers with the most recent job it has under that number, which after a reset of the
    /// cluster's job ids is an older job of the same number. Jobs Slurm does not know are missing from
    /// the answer. Answers are kept for <see cref="Reconcile"/>.
    /// </summary>
    /// <param name="jobIds">The jobs to ask about.</param>
    /// <param name="activeSinceUtc">When known, every job asked about was submitted or running at this time or later (see <see cref="Accounting"/>).</param>
    public IReadOnlyDictionary<string, SlurmJobState> Query(IEnumerable<string> jobIds, DateTime? activeSinceUtc = null)
    {
        ArgumentNullException.ThrowIfNull(jobIds);
        var wanted = jobIds.Where(j => j.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        var answer = new Dictionary<string, SlurmJobState>(StringComparer.Ordinal);
        if (wanted.Count == 0)
        {
            return answer;
        }
        // Ask about whole jobs (an array's parent id lists all its tasks): task ids in -j are not understood everywhere.
        var r = _cli.Run(["squeue", "-t", "all", "-h", "-j", Parents(wanted), "-O", "JobArrayID:|,State:|,exit_code:|,Reason:|"]);
        Keep(r.ExitCode == 0 ? SlurmOutput.ParseSqueue(r.Output) : [], answer);
        var forgotten = wanted.Where(j => !answer.ContainsKey(j)).ToList();
        if (UsesSacct && forgotten.Count > 0)
        {
            Keep(Accounting(forgotten, activeSinceUtc), answer);
        }
        return answer;
    }

    /// <summary>
    /// <see cref="Query(IEnumerable{string}, DateTime?)"/> for queue attempts: their jobs, with the time the oldest lease was taken (each job was
    /// submitted after its lease, or, resubmitted by hand, was running when it took one).
    /// </summary>
    public IReadOnlyDictionary<string, SlurmJobState> Query(IReadOnlyCollection<LeaseView> attempts)
    {
        ArgumentNullException.ThrowIfNull(attempts);
        return attempts.Count == 0 ? new Dictionary<string, SlurmJobState>() : Query(attempts.Select(l => l.External ?? ""), attempts.Min(l => l.Since));
    }

    /// <summary>
    /// What the accounting database says about jobs: <c>sacct -n -X -P -j IDS</c>, with <c>-S</c> an hour
    /// before <paramref name="activeSinceUtc"/> when given, so that jobs of the same numbers that ended
    /// long before are not considered (the hour covers clocks that differ). It knows the final state of a job the
    /// moment Slurm ends it, while the controller still shows COMPLETING; but it may not know a fresh job
    /// yet, and then names an older job of the same number (compare <see cref="SlurmJobState.Submitted"/>).
    /// </summary>
    /// <param name="jobIds">The jobs to ask about.</param>
    /// <param name="activeSinceUtc">When known, every job asked about was submitted or running at this time or later.</param>
    public IReadOnlyList<SlurmJobState> Accounting(IEnumerable<string> jobIds, DateTime? activeSinceUtc = null)
    {
        ArgumentNullException.ThrowIfNull(jobIds);
        var wanted = jobIds.Where(j => j.Length > 0).ToList();
        if (wanted.Count == 0)
        {
            return [];
        }
        List<string> argv = ["sacct", "-n", "-X", "-P", "-j", Parents(wanted), "-o", SlurmOutput.SacctFields];
        if (activeSinceUtc is { } since)
        {
            // sacct reads -S in the local time zone, as this process does (ToLocalTime takes an unspecified kind as UTC).
            argv.AddRange(["-S", since.AddHours(-1).ToLocalTime().ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture)]);
        }
        var r = _cli.Run(argv);
        return r.ExitCode == 0 ? SlurmOutput.ParseSacct(r.Output) : [];
    }

    private static string Parents(IEnumerable<string> jobIds) => string.Join(',', jobIds.Select(j => j.Split('_')[0]).Distinct(StringComparer.Ordinal));

    private void Keep(IEnumerable<SlurmJobState> states, Dictionary<string, SlurmJobState> answer)
    {
        foreach (var s in states)
        {
            answer[s.JobId] = s;
            _cache[s.JobId] = s;
        }
    }

    /// <summary>Slurm's word on one job: <c>scontrol show job -o ID</c> (the controller's own memory, no accounting lag). Null when unknown.</summary>
    public SlurmJobState? ShowJob(string jobId)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        var r = _cli.Run(["scontrol", "show", "job", "-o", jobId]);
        if (r.ExitCode != 0)
        {
            return null;
        }
        var states = SlurmOutput.ParseScontrol(r.Output);
        return states.FirstOrDefault(s => s.JobId == jobId) ?? (states.Count == 1 ? states[0] : null);
    }

    /// <summary>
    /// Why Slurm is ending a job that is still alive (asked by the job itself when it gets SIGTERM): the
    /// accounting database already has the final state (CANCELLED, TIMEOUT, REQUEUED), while the
    /// controller shows COMPLETING until the job is gone. slurmdbd hears of the end a moment after the
    /// controller, so it is asked up to three times; its record counts only when its submit time is the
    /// controller's (else it is an older job of the same number). Without an answer from accounting,
    /// the controller's state when it is not RUNNING (a requeued job waits again). Null when neither tells.
    /// </summary>
    /// <param name="jobId">The job (or array task) being ended.</param>
    /// <param name="retryDelay">The pause between questions to the accounting database (default 400 ms).</param>
    public SlurmJobState? EndCause(string jobId, TimeSpan? retryDelay = null)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        var shown = ShowJob(jobId);
        for (var attempt = 0; UsesSacct && attempt < 3; attempt++)
        {
            if (Accounting([jobId]).FirstOrDefault(s => s.JobId == jobId) is { } recorded
                && (shown?.Submitted is null || recorded.Submitted is null || recorded.Submitted == shown.Submitted)
                && (!recorded.Phase.IsLive() || recorded.Word.StartsWith("REQUEUE", StringComparison.Ordinal)))
            {
                return recorded;
            }
            if (attempt < 2)
            {
                Thread.Sleep(retryDelay ?? TimeSpan.FromMilliseconds(400));
            }
        }
        // Asked again after the accounting retries, which took a moment.
        var now = UsesSacct ? ShowJob(jobId) : shown;
        return now is not null && now.Phase != SlurmPhase.Running ? now : null;
    }

    /// <inheritdoc/>
    public void PrepareReconcile(QueueState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        _preparedOnce = true;
        // The jobs Reconcile would have asked about: those whose state is not known yet (one question for all).
        var unknown = RunningHere(state).Select(v => v.Lease!).Where(l => l.External is { } job && !_cache.ContainsKey(job)).ToList();
        if (unknown.Count == 0)
        {
            return;
        }
        Query(unknown);
        foreach (var lease in unknown)
        {
            _prepared.Add(lease.External!);
        }
    }

    /// <summary>Slurm leases of the queue that are still running in the journal.</summary>
    public static IEnumerable<ItemView> RunningHere(QueueState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Items.Values.Where(v => v.State == ItemState.Running && v.Lease is { Executor: KindName });
    }

    /// <inheritdoc/>
    public ExecutionResult? Reconcile(ItemView item, QueueState state, DateTime utcNow)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (item.Lease is not { Executor: KindName } lease)
        {
            return null;
        }
        if (lease.External is not { } job)
        {
            // Leased but never submitted (the submitting process died in between).
            return utcNow - lease.Since > QueueState.LeaseGrace
                ? new ExecutionResult(lease.Id, item.Id, AttemptEnd.Interrupted, lease.Run, null, "never submitted to Slurm (the submitting lab died)")
                : null;
        }
        if (!_cache.TryGetValue(job, out var s))
        {
            if (_preparedOnce)
            {
                // Under the queue lock: answer from what PrepareReconcile learnt. A job it did not ask about (leased
                // since) is left to the next writer rather than making every writer wait for squeue and sacct.
                if (!_prepared.Contains(job))
                {
                    return null;
                }
            }
            else
            {
                // One question for every Slurm attempt the journal holds, not one per item.
                Query([.. RunningHere(state).Select(v => v.Lease!).Append(lease)]);
                _cache.TryGetValue(job, out s);
            }
        }
        if (s is null)
        {
            // sacct can lag a fresh submission; a job unknown for long is gone (purged, or MinJobAge passed).
            return utcNow - (lease.Started ?? lease.Since) > TimeSpan.FromMinutes(5)
                ? new ExecutionResult(lease.Id, item.Id, AttemptEnd.Interrupted, lease.Run, null, $"Slurm no longer knows job {job}")
                : null;
        }
        if (SlurmStates.Outcome(s) is not { } outcome)
        {
            return null;
        }
        var exit = s.Phase is SlurmPhase.Completed or SlurmPhase.Failed ? s.ExitCode : null;
        if (lease.Run is { } run)
        {
            RecordKillCause(run, s, utcNow);
        }
        return new ExecutionResult(lease.Id, item.Id, outcome.End, lease.Run, exit, outcome.Reason);
    }

    /// <summary>
    /// A run whose job Slurm killed before it could say so (SIGKILL after the grace time, a node
    /// failure) still reads "running" in run.json: its record gets the status killed and Slurm's cause.
    /// </summary>
    private void RecordKillCause(string run, SlurmJobState job, DateTime utcNow)
    {
        if (job.Phase is SlurmPhase.Completed or SlurmPhase.Failed || Workspace is not { } workspace)
        {
            return;
        }
        var dir = workspace.RunDirectory(run);
        var store = new RunStore(workspace);
        if (store.Load(run, withSummary: false) is not { Record: var record }
            || !(record.Status == RunStatus.Running || (record.Status == RunStatus.Killed && record.Reason?.StartsWith("killed by Slurm:", StringComparison.Ordinal) != true)))
        {
            return;
        }
        record.Status = RunStatus.Killed;
        record.Reason = SlurmStates.KillCause(job);
        record.Ended ??= utcNow;
        RunStore.WriteRecord(dir, record);
    }

    /// <summary>The workspace whose run records <see cref="Reconcile"/> completes (null: a reader, which never writes run.json).</summary>
    public Workspace? Workspace { get; init; }

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
