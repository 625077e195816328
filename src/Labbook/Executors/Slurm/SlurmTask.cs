using System.Globalization;
using Labbook.Queue;
using Labbook.Runs;
using Labbook.Workspaces;

namespace Labbook.Executors.Slurm;

/// <summary>
/// The work of one Slurm job (or array task) on its node: check that its lease is still the item's
/// (a stopped or finished item is left alone), run the item as a recorded run (the run folder is
/// written here, on the shared file system), and record the end in the queue's journal. When Slurm
/// signals the job (time limit, scancel, preemption), the cause is asked of the controller and
/// written into run.json; an attempt cut short by preemption or a node failure is left for
/// <see cref="SlurmExecutor.Reconcile"/>, since Slurm may requeue the job.
/// </summary>
public sealed class SlurmTask : IDisposable
{
    private readonly Workspace _workspace;
    private readonly ISlurmCli? _cli;
    private readonly SlurmSettings _settings;
    private readonly Lock _gate = new();
    private RunHandle? _handle;
    private SlurmJobState? _cause;
    private bool _terminated;
    private readonly ManualResetEventSlim _causeKnown = new(false);

    /// <summary>Creates the task of job <paramref name="jobId"/> for <paramref name="itemId"/> under <paramref name="lease"/>.</summary>
    public SlurmTask(Workspace workspace, string itemId, string lease, string jobId, SlurmSettings? settings = null, ISlurmCli? cli = null)
    {
        _settings = settings ?? new SlurmSettings();
        _workspace = workspace ?? throw new ArgumentNullException(nameof(workspace));
        ItemId = itemId ?? throw new ArgumentNullException(nameof(itemId));
        Lease = lease ?? throw new ArgumentNullException(nameof(lease));
        JobId = jobId ?? throw new ArgumentNullException(nameof(jobId));
        _cli = cli;
    }

    /// <summary>The job id of this task as Slurm's environment gives it (<c>123</c> or <c>123_4</c>).</summary>
    public static string? JobIdFromEnvironment(IReadOnlyDictionary<string, string?> env)
    {
        ArgumentNullException.ThrowIfNull(env);
        string? Get(string k) => env.TryGetValue(k, out var v) && !string.IsNullOrEmpty(v) ? v : null;
        return Get("SLURM_ARRAY_JOB_ID") is { } array && Get("SLURM_ARRAY_TASK_ID") is { } task ? array + "_" + task : Get("SLURM_JOB_ID");
    }

    /// <summary>The item.</summary>
    public string ItemId { get; }

    /// <summary>The lease (replaced when a pending item is taken by a hand-resubmitted script).</summary>
    public string Lease { get; private set; }

    /// <summary>The job id.</summary>
    public string JobId { get; }

    /// <summary>Kill grace for the run's child after Slurm's SIGTERM (Slurm's own KillWait is usually 30 s).</summary>
    public TimeSpan KillGrace { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Checks the lease under the journal lock and starts the run. Null (with
    /// <paramref name="message"/>) when there is nothing to do.
    /// </summary>
    public RunHandle? Start(Stream? echo, Action<string>? warn, out string? message)
    {
        using var journal = _workspace.OpenQueue();
        QueueItem? item = null;
        string? why = null;
        var attempt = 0;
        journal.Write(w =>
        {
            if (w.State.Items.TryGetValue(ItemId, out var view) is false)
            {
                why = $"no queue item {ItemId} in {w.State.Items.Count} item(s)";
                return 0;
            }
            if (view.State == ItemState.Running && view.Lease?.Id == Lease)
            {
                item = view.Item;
                attempt = view.Lease.Attempt;
                return 0;
            }
            if (view.State == ItemState.Pending)
            {
                // A script resubmitted by hand: take the pending item under a lease of this job.
                Lease = "L" + Guid.NewGuid().ToString("N")[..16];
                attempt = view.Attempts + 1;
                w.Append(new QueueOp { Op = QueueOp.LeaseOp, Id = ItemId, Lease = Lease, Runner = "slurm-job-" + JobId, Attempt = attempt, Slot = SlurmExecutor.KindName, Executor = SlurmExecutor.KindName });
                w.Append(new QueueOp { Op = QueueOp.Start, Id = ItemId, Lease = Lease, External = JobId });
                item = view.Item;
                return 0;
            }
            why = $"{ItemId} is {view.State.ToText()} and lease {Lease} is no longer its own: nothing to do";
            return 0;
        });
        if (item is null)
        {
            message = why;
            return null;
        }
        var env = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            [Processes.Orphans.LeaseVariable] = Lease,
            ["LAB_QUEUE_ITEM"] = ItemId,
            ["LAB_QUEUE_ATTEMPT"] = attempt.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (k, v) in item.Params)
        {
            env[Placeholders.EnvironmentName(k)] = Placeholders.Text(v);
        }
        IReadOnlyList<string> argv;
        try
        {
            argv = item.ResolvedArgv();
        }
        catch (FormatException e)
        {
            End(AttemptEnd.Failed, null, null, e.Message);
            message = e.Message;
            return null;
        }
        var handle = RunLauncher.Start(item.ToRunRequest(_workspace, argv) with
        {
            Slot = SlurmExecutor.KindName,
            SlurmJob = JobId,
            WorkingDirectory = item.Cwd is { } cwd && Directory.Exists(cwd) ? cwd : null,
            Environment = env,
            Echo = echo,
            KillGrace = KillGrace,
            Warn = warn,
        });
        journal.Append(new QueueOp { Op = QueueOp.Start, Id = ItemId, Lease = Lease, Run = handle.Id, External = JobId });
        bool terminated;
        lock (_gate)
        {
            _handle = handle;
            terminated = _terminated;
        }
        if (terminated)
        {
            Terminate();
        }
        message = null;
        return handle;
    }

    /// <summary>Slurm sent SIGTERM: asks the controller why (its state is already TIMEOUT, CANCELLED...), then stops the run with that cause.</summary>
    public void Terminate()
    {
        RunHandle? handle;
        lock (_gate)
        {
            _terminated = true;
            handle = _handle;
        }
        if (handle is null)
        {
            return;
        }
        var cause = ResolveCause();
        handle.Stop(RunStatus.Killed, SlurmStates.KillCause(cause));
    }

    /// <summary>
    /// Asks Slurm once why the job is being ended (<see cref="SlurmExecutor.EndCause"/>); when it cannot
    /// tell, the cause is left for reconciling.
    /// </summary>
    private SlurmJobState? ResolveCause()
    {
        lock (_gate)
        {
            if (_causeKnown.IsSet)
            {
                return _cause;
            }
        }
        SlurmJobState? cause;
        using (var slurm = new SlurmExecutor(_settings, _cli))
        {
            cause = slurm.EndCause(JobId);
        }
        lock (_gate)
        {
            if (!_causeKnown.IsSet)
            {
                _cause = cause;
                _causeKnown.Set();
            }
            return _cause;
        }
    }

    /// <summary>Records the end of the attempt in the journal (unless it is Slurm's to decide) and returns the exit code for the job.</summary>
    public int Finish(RunOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        bool terminated;
        lock (_gate)
        {
            terminated = _terminated;
        }
        // Slurm signals every process of the job at once: the command often dies of it before this
        // process has handled its own SIGTERM, so a command killed by a signal counts as Slurm's doing too.
        // A shell that traps nothing exits 128+signal after its child dies of it: that is the signal too.
        var signalled = outcome.Signal is Native.Libc.SIGTERM or Native.Libc.SIGKILL || outcome.ExitCode is 128 + Native.Libc.SIGTERM or 128 + Native.Libc.SIGKILL;
        var slurmsDoing = outcome.Status != RunStatus.Completed && (terminated || signalled);
        SlurmJobState? cause = slurmsDoing ? ResolveCause() : null;
        if (slurmsDoing)
        {
            RecordCause(outcome, cause);
            if (cause is not null && SlurmStates.Outcome(cause) is { End: not AttemptEnd.Interrupted } slurmEnd)
            {
                End(slurmEnd.End, outcome.Id, null, slurmEnd.Reason);
            }
            // Preempted, node failure or a cause not known yet: Slurm may requeue the job; the next
            // lab command that writes the queue reads the final state and decides.
        }
        else
        {
            var end = outcome.Status == RunStatus.Completed ? AttemptEnd.Done : AttemptEnd.Failed;
            End(end, outcome.Id, outcome.ExitCode, outcome.Reason);
        }
        return outcome.ShellExitCode;
    }

    private void RecordCause(RunOutcome outcome, SlurmJobState? cause)
    {
        var store = new RunStore(_workspace);
        if (store.Load(outcome.Id, withSummary: false) is { Record: var record })
        {
            record.Status = RunStatus.Killed;
            record.Reason = SlurmStates.KillCause(cause) + (outcome.Signal is { } s ? $" (ended by {RunLauncher.SignalName(s)})" : "");
            RunStore.WriteRecord(outcome.Directory, record);
        }
    }

    private void End(AttemptEnd end, string? run, int? exit, string? reason)
    {
        using var journal = _workspace.OpenQueue();
        journal.Write(w =>
        {
            if (w.State.Items.TryGetValue(ItemId, out var view) && view.State == ItemState.Running && view.Lease?.Id == Lease)
            {
                w.Append(new QueueOp
                {
                    Op = QueueOp.End,
                    Id = ItemId,
                    Lease = Lease,
                    State = end switch { AttemptEnd.Done => "done", AttemptEnd.Interrupted => "interrupted", _ => "failed" },
                    Run = run,
                    Exit = exit,
                    Reason = reason,
                });
            }
            return 0;
        });
    }

    /// <inheritdoc/>
    public void Dispose() => _causeKnown.Dispose();
}
