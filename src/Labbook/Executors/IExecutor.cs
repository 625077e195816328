using Labbook.Queue;
using Labbook.Workspaces;

namespace Labbook.Executors;

/// <summary>Where an attempt was placed: a slot name and the GPUs it was given.</summary>
/// <param name="Slot">The slot name shown in <c>lab queue</c> and recorded in run.json.</param>
/// <param name="Gpus">The value of <c>CUDA_VISIBLE_DEVICES</c>, or null.</param>
public sealed record Placement(string Slot, string? Gpus);

/// <summary>One attempt of one item, to start.</summary>
public sealed class ExecutionRequest
{
    /// <summary>The workspace.</summary>
    public required Workspace Workspace { get; init; }

    /// <summary>The item.</summary>
    public required QueueItem Item { get; init; }

    /// <summary>The lease this attempt runs under (also given to the child as <c>LAB_QUEUE_LEASE</c>).</summary>
    public required string Lease { get; init; }

    /// <summary>Where it was placed.</summary>
    public required Placement Placement { get; init; }

    /// <summary>Extra environment for the child (params as <c>LAB_PARAM_*</c>, the item and lease ids).</summary>
    public required IReadOnlyDictionary<string, string?> Environment { get; init; }

    /// <summary>Time between SIGTERM and SIGKILL when stopping.</summary>
    public TimeSpan KillGrace { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>What starting an attempt produced, recorded in the journal's <c>start</c> op.</summary>
/// <param name="Run">The run id, when the run folder already exists (local), else null (it appears later).</param>
/// <param name="ChildPid">The child's pid (local).</param>
/// <param name="External">The executor's own id (a Slurm job id).</param>
public sealed record ExecutionStarted(string? Run, int? ChildPid, string? External);

/// <summary>How an attempt ended.</summary>
public enum AttemptEnd
{
    /// <summary>Exit code 0.</summary>
    Done,

    /// <summary>Non-zero exit, a signal from the item itself, a timeout, or a failure to start: counts against the item's retries.</summary>
    Failed,

    /// <summary>Cut short from outside (runner died or was stopped, node failure): retried up to <see cref="QueueState.MaxInterruptions"/> times.</summary>
    Interrupted,
}

/// <summary>The end of an attempt.</summary>
/// <param name="Lease">The lease id.</param>
/// <param name="ItemId">The item id.</param>
/// <param name="End">How it ended.</param>
/// <param name="Run">The run id, when known.</param>
/// <param name="ExitCode">The exit code, when known.</param>
/// <param name="Reason">Why, in words.</param>
public sealed record ExecutionResult(string Lease, string ItemId, AttemptEnd End, string? Run, int? ExitCode, string? Reason)
{
    /// <summary>True when the attempt failed because its run's files could not be written (a full disk): the runner stops.</summary>
    public bool StorageFailed { get; init; }
}

/// <summary>
/// Runs queue items somewhere and reports how they ended. One job: execution. The runner keeps
/// the journal, the order, retries and deadlines; an executor only places, starts, watches,
/// cancels and reconciles attempts.
/// <para>
/// Two shapes fit: in-process slots (<see cref="LocalSlotsExecutor"/>: the runner must stay
/// alive, and a dead runner's attempts are lost) and submit-and-walk-away (Slurm: the attempt
/// lives on in the cluster, and any later process reconciles its state with
/// <see cref="Reconcile"/>). Results come back by polling, which both shapes can do.
/// </para>
/// </summary>
public interface IExecutor : IDisposable
{
    /// <summary>The kind written in lease ops (<c>local</c>, <c>slurm</c>).</summary>
    string Kind { get; }

    /// <summary>The slots, for status and plans (<c>1</c>, <c>2</c>, or <c>gpu0</c>...).</summary>
    IReadOnlyList<string> Slots { get; }

    /// <summary>Whether the item could ever run here; when not, <paramref name="why"/> says why.</summary>
    bool CanRun(QueueItem item, out string? why);

    /// <summary>Reserves room for the item now; null when there is none. Released when its result is polled or on <see cref="Release"/>.</summary>
    Placement? TryPlace(QueueItem item);

    /// <summary>Gives back a placement that was not started.</summary>
    void Release(Placement placement);

    /// <summary>Starts an attempt in a placement from <see cref="TryPlace"/>.</summary>
    ExecutionStarted Start(ExecutionRequest request);

    /// <summary>Waits up to <paramref name="wait"/> for attempts to end; returns every ended one (possibly none).</summary>
    IReadOnlyList<ExecutionResult> Poll(TimeSpan wait);

    /// <summary>Stops an attempt started here; it ends as interrupted, with <paramref name="reason"/>.</summary>
    void Cancel(string lease, string reason);

    /// <summary>
    /// For an attempt this process did not start (another runner's, or one from before a crash):
    /// null while it lives; else its end, after making sure nothing of it still runs (a local
    /// executor kills the orphaned child of a dead runner). Only asked about leases of its kind.
    /// </summary>
    ExecutionResult? Reconcile(ItemView item, QueueState state, DateTime utcNow);

    /// <summary>
    /// Called before the queue's lock is taken for a write that will <see cref="Reconcile"/> attempts of
    /// <paramref name="state"/> (read without the lock): asks slow outside sources (a Slurm controller) now, so that
    /// <see cref="Reconcile"/> under the lock answers from what it learnt and never makes every queue writer wait.
    /// Default: nothing to ask.
    /// </summary>
    void PrepareReconcile(QueueState state)
    {
    }
}

/// <summary>How starting one attempt of a batch went: <see cref="Started"/>, or <see cref="Error"/>.</summary>
/// <param name="Started">What it produced.</param>
/// <param name="Error">Why it could not start.</param>
public sealed record BatchStart(ExecutionStarted? Started, string? Error);

/// <summary>
/// An executor that starts many attempts at once (a Slurm job array) and may walk away: when
/// <see cref="WalksAway"/>, the runner submits what is pending and ends at once, and later
/// processes learn how attempts ended through <see cref="IExecutor.Reconcile"/>.
/// </summary>
public interface IBatchExecutor : IExecutor
{
    /// <summary>True when attempts live on without this process (the runner does not wait for them).</summary>
    bool WalksAway { get; }

    /// <summary>Starts every request (placements from <see cref="IExecutor.TryPlace"/>); one result per request, in order.</summary>
    IReadOnlyList<BatchStart> StartAll(IReadOnlyList<ExecutionRequest> requests);
}
