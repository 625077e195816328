using System.Globalization;
using System.Text;
using Labbook.Executors;
using Labbook.Processes;
using Labbook.Workspaces;

namespace Labbook.Queue;

/// <summary>How a runner runs.</summary>
public sealed class RunnerOptions
{
    /// <summary>Where items run.</summary>
    public required IExecutor Executor { get; init; }

    /// <summary>Start nothing before this time (UTC).</summary>
    public DateTime? At { get; init; }

    /// <summary>Start nothing whose estimate would end after this time (UTC); stop starting anything once it passes.</summary>
    public DateTime? Until { get; init; }

    /// <summary>At <see cref="Until"/>, stop running items too (they end interrupted and stay queued).</summary>
    public bool Hard { get; init; }

    /// <summary>Keep waiting for new items when the queue is empty, until stopped or the deadline.</summary>
    public bool Follow { get; init; }

    /// <summary>A command run (argv, no shell) when the queue empties or the deadline passes, with a summary in its environment.</summary>
    public IReadOnlyList<string>? Notify { get; init; }

    /// <summary>Expected durations, for <see cref="Until"/>.</summary>
    public Func<QueueItem, Estimate>? Estimate { get; init; }

    /// <summary>The detached runner's log, relative to the workspace, for <c>lab queue status</c>.</summary>
    public string? Log { get; init; }

    /// <summary>How often the journal is checked for new items and stop requests while waiting.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How often the runner beats in the journal.</summary>
    public TimeSpan BeatInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time between SIGTERM and SIGKILL when stopping an item.</summary>
    public TimeSpan KillGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The clock.</summary>
    public IClock Clock { get; init; } = SystemClock.Instance;

    /// <summary>Progress lines (item started, ended).</summary>
    public Action<string>? Progress { get; init; }

    /// <summary>Cancelled: stop now (running items end interrupted and stay queued).</summary>
    public CancellationToken Cancel { get; init; }
}

/// <summary>What one runner did.</summary>
public sealed class RunnerSummary
{
    /// <summary>The runner id.</summary>
    public string Runner { get; set; } = "";

    /// <summary>Attempts ended by this runner, in order.</summary>
    public List<ExecutionResult> Attempts { get; } = [];

    /// <summary>Items this runner brought to a final state, with it.</summary>
    public Dictionary<string, ItemState> Finished { get; } = new(StringComparer.Ordinal);

    /// <summary>Items left pending, with why.</summary>
    public Dictionary<string, string> LeftPending { get; } = new(StringComparer.Ordinal);

    /// <summary>Why the runner ended.</summary>
    public string Ending { get; set; } = "";

    /// <summary>True when the deadline passed.</summary>
    public bool DeadlinePassed { get; set; }

    /// <summary>Items done.</summary>
    public int Done => Finished.Values.Count(s => s == ItemState.Done);

    /// <summary>Items failed.</summary>
    public int Failed => Finished.Values.Count(s => s == ItemState.Failed);

    /// <summary>Items interrupted for good.</summary>
    public int Interrupted => Finished.Values.Count(s => s == ItemState.Interrupted);

    /// <summary>0 when every item this runner finished succeeded and nothing it could run is left; 1 on failures; 3 when items were left pending.</summary>
    public int ExitCode => Failed + Interrupted > 0 ? 1 : LeftPending.Count > 0 ? 3 : 0;

    /// <summary>A one-line summary.</summary>
    public string OneLine() => string.Create(CultureInfo.InvariantCulture,
        $"{Done} done, {Failed} failed, {Interrupted} interrupted, {LeftPending.Count} left pending ({Ending})");
}

/// <summary>
/// Takes pending items from the journal and runs them on an executor: priority then queue order,
/// retries, timeouts, deadlines, pause and stop. Every decision is a journal op written under the
/// lock, so a runner killed at any instant loses nothing, and two runners never lease one item.
/// </summary>
public sealed class QueueRunner
{
    private readonly Workspace _workspace;
    private readonly RunnerOptions _options;
    private readonly Dictionary<string, (string ItemId, Placement Placement)> _active = new(StringComparer.Ordinal);
    private readonly List<QueueOp> _startOps = [];
    private readonly HashSet<string> _cancelled = new(StringComparer.Ordinal);

    // Set when an attempt failed because the disk is full: the runner starts nothing more.
    private string? _storageFailure;
    private bool _storageFailureTold;

    /// <summary>Creates a runner over the workspace's queue.</summary>
    public QueueRunner(Workspace workspace, RunnerOptions options)
    {
        _workspace = workspace ?? throw new ArgumentNullException(nameof(workspace));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        var self = Environment.ProcessId;
        PidStart = ProcessIdentity.StartTicks(self) ?? 0;
        Id = string.Create(CultureInfo.InvariantCulture, $"r-{ProcessIdentity.HostName}-{self}-{PidStart}");
    }

    /// <summary>This runner's id.</summary>
    public string Id { get; }

    private long PidStart { get; }

    private DateTime Now => _options.Clock.UtcNow;

    /// <summary>Runs until the queue is empty (or, with <see cref="RunnerOptions.Follow"/>, until stopped or the deadline).</summary>
    public RunnerSummary Run()
    {
        var summary = new RunnerSummary { Runner = Id };
        using var journal = _workspace.OpenQueue(() => Now);
        var executor = _options.Executor;
        journal.Append(new QueueOp
        {
            Op = QueueOp.RunnerStart,
            Runner = Id,
            Host = ProcessIdentity.HostName,
            Pid = Environment.ProcessId,
            PidStart = PidStart,
            Boot = ProcessIdentity.BootId,
            Log = _options.Log,
            Slots = [.. executor.Slots],
        });
        var lastBeat = Now;
        var stopping = false;
        var stopNow = false;
        if (_options.At is { } at && at > Now)
        {
            _options.Progress?.Invoke($"waiting until {at.ToLocalTime():HH:mm}");
            while (Now < at && !_options.Cancel.IsCancellationRequested)
            {
                journal.Refresh();
                if (journal.State.StopRequests.ContainsKey(Id))
                {
                    stopping = true;
                    break;
                }
                if (Now - lastBeat >= _options.BeatInterval)
                {
                    journal.Append(new QueueOp { Op = QueueOp.Beat, Runner = Id });
                    lastBeat = Now;
                }
                Thread.Sleep(_options.PollInterval);
            }
        }
        IReadOnlyList<ExecutionResult> results = [];
        while (true)
        {
            var cancelled = _options.Cancel.IsCancellationRequested;
            var deadlinePassed = _options.Until is { } until && Now >= until;
            var toStart = new List<(ItemView Item, Placement Placement, QueueOp Lease)>();
            var noteNoRoom = new Dictionary<string, string>(StringComparer.Ordinal);
            var runnable = 0;
            // Progress is printed once the write is committed: a line saying an item is done must never precede
            // the journal's record of it (a kill in between would run the item again).
            var progress = new List<string>();
            // Slow questions (squeue, sacct) are asked before the lock, so that they never hold up other queue writers.
            journal.Refresh();
            executor.PrepareReconcile(journal.State);
            journal.Write(w =>
            {
                var state = w.State;
                foreach (var op in _startOps)
                {
                    w.Append(op);
                }
                _startOps.Clear();
                foreach (var r in results)
                {
                    RecordEnd(w, r, summary, progress);
                }
                if (_storageFailure is not null)
                {
                    // Nothing more starts on a full disk (it would fail the same way).
                    stopping = true;
                }
                // Leases of ours that someone else ended (they thought this runner dead): stop those attempts.
                foreach (var (lease, entry) in _active)
                {
                    if (state.Items.TryGetValue(entry.ItemId, out var v) && v.Lease?.Id != lease && _cancelled.Add(lease))
                    {
                        executor.Cancel(lease, "lease taken over by another runner");
                    }
                }
                foreach (var view in state.Items.Values.Where(v => v.State == ItemState.Running && v.Lease is { } l && l.Runner != Id && l.Executor == executor.Kind).ToList())
                {
                    if (executor.Reconcile(view, state, Now) is { } reconciled)
                    {
                        var ended = AttemptRecords.Settle(_workspace, reconciled);
                        w.Append(EndOp(ended));
                        progress.Add($"{view.Id} {AttemptRecords.StateWord(ended.End)}{(ended.Run is { } run ? " run " + run : "")}: {ended.Reason}");
                    }
                }
                if (state.StopRequests.TryGetValue(Id, out var now))
                {
                    stopping = true;
                    stopNow |= now;
                }
                if (Now - lastBeat >= _options.BeatInterval)
                {
                    w.Append(new QueueOp { Op = QueueOp.Beat, Runner = Id });
                    lastBeat = Now;
                }
                foreach (var view in state.PendingInRunOrder())
                {
                    if (!executor.CanRun(view.Item, out var why))
                    {
                        noteNoRoom[view.Id] = why ?? "cannot run here";
                        continue;
                    }
                    if (deadlinePassed)
                    {
                        noteNoRoom[view.Id] = "the --until deadline passed";
                        continue;
                    }
                    if (_options.Until is { } u && _options.Estimate?.Invoke(view.Item) is { Duration: { } est } e && Now + est > u)
                    {
                        noteNoRoom[view.Id] = $"would overrun {u.ToLocalTime():HH:mm} (estimate {Durations.Format(est)}, {e.Basis})";
                        continue;
                    }
                    runnable++;
                    if (stopping || cancelled || state.Paused)
                    {
                        continue;
                    }
                    if (executor.TryPlace(view.Item) is not { } placement)
                    {
                        continue;
                    }
                    var lease = new QueueOp
                    {
                        Op = QueueOp.LeaseOp,
                        Id = view.Id,
                        Lease = NewLeaseId(),
                        Runner = Id,
                        Attempt = view.Attempts + 1,
                        Slot = placement.Slot,
                        Gpus = placement.Gpus,
                        Executor = executor.Kind,
                    };
                    w.Append(lease);
                    toStart.Add((view, placement, lease));
                }
                return 0;
            });
            foreach (var line in progress)
            {
                _options.Progress?.Invoke(line);
            }
            if (_storageFailure is not null && !_storageFailureTold)
            {
                _storageFailureTold = true;
                _options.Progress?.Invoke($"stopping: {_storageFailure}; nothing more starts (free some space, then lab queue start)");
            }
            var requests = new List<ExecutionRequest>();
            foreach (var (view, placement, lease) in toStart)
            {
                var env = new Dictionary<string, string?>(StringComparer.Ordinal)
                {
                    [Orphans.LeaseVariable] = lease.Lease,
                    ["LAB_QUEUE_ITEM"] = view.Id,
                    ["LAB_QUEUE_ATTEMPT"] = lease.Attempt!.Value.ToString(CultureInfo.InvariantCulture),
                };
                foreach (var (k, v) in view.Item.Params)
                {
                    env[Placeholders.EnvironmentName(k)] = Placeholders.Text(v);
                }
                requests.Add(new ExecutionRequest
                {
                    Workspace = _workspace,
                    Item = view.Item,
                    Lease = lease.Lease!,
                    Placement = placement,
                    Environment = env,
                    KillGrace = _options.KillGrace,
                });
            }
            if (executor is IBatchExecutor batch && requests.Count > 0)
            {
                var started = batch.StartAll(requests);
                for (var i = 0; i < requests.Count; i++)
                {
                    var (view, placement, lease) = toStart[i];
                    if (started[i].Started is { } s)
                    {
                        Started(view, placement, lease, s, track: !batch.WalksAway);
                    }
                    else
                    {
                        executor.Release(placement);
                        RecordEndLater(new ExecutionResult(lease.Lease!, view.Id, AttemptEnd.Failed, null, null, started[i].Error));
                    }
                }
            }
            else
            {
                for (var i = 0; i < requests.Count; i++)
                {
                    var (view, placement, lease) = toStart[i];
                    try
                    {
                        Started(view, placement, lease, executor.Start(requests[i]), track: true);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException or ChildStartException or FormatException)
                    {
                        executor.Release(placement);
                        RecordEndLater(new ExecutionResult(lease.Lease!, view.Id, AttemptEnd.Failed, null, null, Text.ErrorText.Of(e)));
                    }
                }
            }
            if ((cancelled || stopNow || _storageFailure is not null || (deadlinePassed && _options.Hard)) && _active.Count > 0)
            {
                var reason = cancelled ? "the runner was interrupted" : stopNow ? "lab queue stop --now" : _storageFailure is not null ? "stopped: the disk is full" : "the --until deadline passed (--hard)";
                foreach (var lease in _active.Keys.Where(_cancelled.Add).ToList())
                {
                    executor.Cancel(lease, reason);
                }
            }
            var idle = _active.Count == 0 && _pendingEnds.Count == 0 && _startOps.Count == 0;
            if (idle)
            {
                string? ending = null;
                if (cancelled)
                {
                    ending = "interrupted";
                }
                else if (_storageFailure is not null)
                {
                    ending = "disk full";
                }
                else if (stopping)
                {
                    ending = "stopped";
                }
                else if (deadlinePassed)
                {
                    ending = "deadline passed";
                    summary.DeadlinePassed = true;
                }
                else if (!_options.Follow && executor is IBatchExecutor { WalksAway: true })
                {
                    ending = "submitted";
                }
                else if (!_options.Follow && runnable == 0 && !journal.State.Paused)
                {
                    ending = "queue empty";
                }
                if (ending is not null)
                {
                    summary.Ending = ending;
                    foreach (var (id, why) in noteNoRoom)
                    {
                        summary.LeftPending[id] = why;
                    }
                    if (ending is not ("queue empty" or "deadline passed" or "submitted"))
                    {
                        foreach (var view in journal.State.PendingInRunOrder().Where(v => !summary.LeftPending.ContainsKey(v.Id)))
                        {
                            summary.LeftPending[view.Id] = "runner " + ending;
                        }
                    }
                    break;
                }
            }
            var wait = toStart.Count > 0 || _pendingEnds.Count > 0 ? TimeSpan.Zero : _options.PollInterval;
            results = [.. _pendingEnds, .. executor.Poll(wait)];
            _pendingEnds.Clear();
            foreach (var r in results)
            {
                _active.Remove(r.Lease);
            }
        }
        var ends = summary.LeftPending.Select(kv => new QueueOp { Op = QueueOp.Skip, Id = kv.Key, Reason = kv.Value, Runner = Id }).ToList();
        ends.Add(new QueueOp { Op = QueueOp.RunnerEnd, Runner = Id });
        journal.Append([.. ends]);
        if (_options.Notify is { Count: > 0 } notify && summary.Ending is "queue empty" or "deadline passed")
        {
            RunNotify(notify, summary, journal.State);
        }
        return summary;
    }

    private readonly List<ExecutionResult> _pendingEnds = [];

    private void Started(ItemView view, Placement placement, QueueOp lease, ExecutionStarted started, bool track)
    {
        if (track)
        {
            _active[lease.Lease!] = (view.Id, placement);
        }
        _startOps.Add(new QueueOp { Op = QueueOp.Start, Id = view.Id, Lease = lease.Lease, Run = started.Run, ChildPid = started.ChildPid, External = started.External, T = Now });
        var where = started.External is { } ext ? $"as Slurm job {ext}" : $"on slot {placement.Slot}";
        _options.Progress?.Invoke($"{view.Id} {(started.External is null ? "started" : "submitted")} {where}{(started.Run is { } run ? " as run " + run : "")} (attempt {lease.Attempt})");
    }

    private void RecordEndLater(ExecutionResult result) => _pendingEnds.Add(result);

    private void RecordEnd(QueueWriter w, ExecutionResult r, RunnerSummary summary, List<string> progress)
    {
        if (!w.State.Items.TryGetValue(r.ItemId, out var view) || view.Lease?.Id != r.Lease)
        {
            return;
        }
        w.Append(EndOp(r));
        summary.Attempts.Add(r);
        if (r.StorageFailed)
        {
            _storageFailure ??= r.Reason ?? "disk full";
        }
        var state = w.State.Items[r.ItemId].State;
        if (state.IsFinal())
        {
            summary.Finished[r.ItemId] = state;
        }
        var next = state == ItemState.Pending ? " (queued again)" : "";
        progress.Add($"{r.ItemId} {r.End.ToString().ToLowerInvariant()}{(r.Run is { } run ? " run " + run : "")}{(r.Reason is { } why ? ": " + why : "")}{next}");
    }

    private static QueueOp EndOp(ExecutionResult r) => new()
    {
        Op = QueueOp.End,
        Id = r.ItemId,
        Lease = r.Lease,
        State = AttemptRecords.StateWord(r.End),
        Run = r.Run,
        Exit = r.ExitCode,
        Reason = r.Reason,
    };

    private static string NewLeaseId() => "L" + Guid.NewGuid().ToString("N")[..16];

    private void RunNotify(IReadOnlyList<string> argv, RunnerSummary summary, QueueState state)
    {
        var text = new StringBuilder();
        text.Append("lab queue: ").Append(summary.OneLine());
        var env = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["LAB_QUEUE_SUMMARY"] = text.ToString(),
            ["LAB_QUEUE_DONE"] = summary.Done.ToString(CultureInfo.InvariantCulture),
            ["LAB_QUEUE_FAILED"] = summary.Failed.ToString(CultureInfo.InvariantCulture),
            ["LAB_QUEUE_INTERRUPTED"] = summary.Interrupted.ToString(CultureInfo.InvariantCulture),
            ["LAB_QUEUE_PENDING"] = state.PendingInRunOrder().Count.ToString(CultureInfo.InvariantCulture),
            ["LAB_QUEUE_REASON"] = summary.Ending,
            [Workspace.EnvironmentVariable] = _workspace.Root,
        };
        try
        {
            using var child = ChildProcess.Start(new ChildStartInfo { Argv = argv, Environment = env, CaptureOutput = false, NullStdin = true });
            var wait = child.WaitForExitAsync();
            if (!wait.Wait(TimeSpan.FromSeconds(60)))
            {
                child.Signal(Native.Libc.SIGKILL);
                _options.Progress?.Invoke("--notify command still running after 60s: killed");
            }
        }
        catch (ChildStartException e)
        {
            _options.Progress?.Invoke("--notify: " + e.Message);
        }
    }
}
