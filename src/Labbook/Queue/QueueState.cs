using System.Globalization;
using Labbook.Processes;
using Labbook.Runs;

namespace Labbook.Queue;

/// <summary>The attempt of an item that a runner holds.</summary>
public sealed class LeaseView
{
    /// <summary>The lease id.</summary>
    public required string Id { get; init; }

    /// <summary>The runner holding it.</summary>
    public required string Runner { get; init; }

    /// <summary>The attempt number, from 1.</summary>
    public int Attempt { get; init; }

    /// <summary>The slot.</summary>
    public string? Slot { get; init; }

    /// <summary>GPU ids.</summary>
    public string? Gpus { get; init; }

    /// <summary>The executor kind.</summary>
    public string Executor { get; init; } = "local";

    /// <summary>When the lease was taken.</summary>
    public DateTime Since { get; init; }

    /// <summary>The run id, once started.</summary>
    public string? Run { get; set; }

    /// <summary>The child's pid, once started.</summary>
    public int? ChildPid { get; set; }

    /// <summary>The executor's id for the attempt.</summary>
    public string? External { get; set; }

    /// <summary>When the run started.</summary>
    public DateTime? Started { get; set; }
}

/// <summary>An item with its state as replayed from the journal.</summary>
public sealed class ItemView
{
    /// <summary>The item as added.</summary>
    public required QueueItem Item { get; init; }

    /// <summary>The state recorded in the journal.</summary>
    public ItemState State { get; set; }

    /// <summary>When it was added.</summary>
    public DateTime Added { get; init; }

    /// <summary>Attempts started so far.</summary>
    public int Attempts { get; set; }

    /// <summary>Attempts that failed or timed out.</summary>
    public int Failures { get; set; }

    /// <summary>Attempts cut short because their runner died or was stopped.</summary>
    public int Interruptions { get; set; }

    /// <summary>The current lease while running.</summary>
    public LeaseView? Lease { get; set; }

    /// <summary>Every run made for the item, oldest first.</summary>
    public List<string> Runs { get; } = [];

    /// <summary>How the last attempt ended, in words.</summary>
    public string? LastReason { get; set; }

    /// <summary>The last attempt's exit code.</summary>
    public int? LastExit { get; set; }

    /// <summary>Why the last runner left this pending item unstarted; cleared when it is leased.</summary>
    public string? Skipped { get; set; }

    /// <summary>When the item reached a final state.</summary>
    public DateTime? Ended { get; set; }

    /// <summary>When the last attempt started.</summary>
    public DateTime? LastStarted { get; set; }

    /// <summary>The item id.</summary>
    public string Id => Item.Id;
}

/// <summary>A runner as recorded in the journal.</summary>
public sealed class RunnerView
{
    /// <summary>The runner id.</summary>
    public required string Id { get; init; }

    /// <summary>Host.</summary>
    public string Host { get; init; } = "";

    /// <summary>Process id.</summary>
    public int Pid { get; init; }

    /// <summary>Process start ticks.</summary>
    public long PidStart { get; init; }

    /// <summary>Boot id.</summary>
    public string? Boot { get; init; }

    /// <summary>Log file of a detached runner.</summary>
    public string? Log { get; init; }

    /// <summary>Its slots.</summary>
    public List<string> Slots { get; init; } = [];

    /// <summary>Start time.</summary>
    public DateTime Started { get; init; }

    /// <summary>Last heartbeat.</summary>
    public DateTime LastBeat { get; set; }

    /// <summary>When it ended cleanly.</summary>
    public DateTime? Ended { get; set; }

    /// <summary>
    /// Whether the runner still lives: on its own host its pid and start time decide; from another
    /// host its heartbeat, which must be younger than <see cref="QueueState.LeaseGrace"/>.
    /// </summary>
    public bool IsAlive(DateTime utcNow)
    {
        if (Ended is not null)
        {
            return false;
        }
        if (ProcessIdentity.IsAlive(Host, Pid, PidStart, Boot) is { } known)
        {
            return known;
        }
        return utcNow - LastBeat <= QueueState.LeaseGrace;
    }
}

/// <summary>
/// The queue as replayed from its journal: items in order with their states, runners, pause and
/// stop requests. Apply ops in journal order; the result depends on nothing else.
/// </summary>
public sealed class QueueState
{
    /// <summary>An item whose runner died this many times is not retried any more (it may be what kills the runner).</summary>
    public const int MaxInterruptions = 3;

    /// <summary>How long a runner on another host may go without a heartbeat before its leases expire.</summary>
    public static readonly TimeSpan LeaseGrace = Heartbeat.GracePeriod;

    private readonly Dictionary<string, ItemView> _items = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    /// <summary>Items by id, including removed ones.</summary>
    public IReadOnlyDictionary<string, ItemView> Items => _items;

    /// <summary>Items not removed, in queue order (ignoring priority).</summary>
    public IEnumerable<ItemView> Ordered => _order.Select(id => _items[id]);

    /// <summary>Runners by id.</summary>
    public Dictionary<string, RunnerView> Runners { get; } = new(StringComparer.Ordinal);

    /// <summary>Runners asked to stop, with whether to stop their items now.</summary>
    public Dictionary<string, bool> StopRequests { get; } = new(StringComparer.Ordinal);

    /// <summary>True while paused.</summary>
    public bool Paused { get; private set; }

    /// <summary>The number the next added item gets.</summary>
    public int NextNumber { get; private set; } = 1;

    /// <summary>Ops applied.</summary>
    public int OpCount { get; private set; }

    /// <summary>The position (1-based) of an item in <see cref="Ordered"/>, or 0.</summary>
    public int PositionOf(string id) => _order.IndexOf(id) + 1;

    /// <summary>Pending items in the order a runner takes them: priority (high first), then queue order.</summary>
    public List<ItemView> PendingInRunOrder()
    {
        var pending = new List<(ItemView Item, int Position)>();
        for (var i = 0; i < _order.Count; i++)
        {
            var view = _items[_order[i]];
            if (view.State == ItemState.Pending)
            {
                pending.Add((view, i));
            }
        }
        return pending.OrderByDescending(p => p.Item.Item.Priority).ThenBy(p => p.Position).Select(p => p.Item).ToList();
    }

    /// <summary>Resolves a user's item reference: an id (<c>q3</c>) or its number (<c>3</c>).</summary>
    public ItemView? Find(string reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (_items.TryGetValue(reference, out var v))
        {
            return v;
        }
        return int.TryParse(reference, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && _items.TryGetValue("q" + n.ToString(CultureInfo.InvariantCulture), out var byNumber) ? byNumber : null;
    }

    /// <summary>Applies one op.</summary>
    public void Apply(QueueOp op)
    {
        ArgumentNullException.ThrowIfNull(op);
        OpCount++;
        switch (op.Op)
        {
            case QueueOp.Add when op.Item is { } item && item.Id.Length > 0 && !_items.ContainsKey(item.Id):
                _items[item.Id] = new ItemView { Item = item, State = ItemState.Pending, Added = op.T };
                _order.Add(item.Id);
                if (item.Id.StartsWith('q') && int.TryParse(item.Id.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= NextNumber)
                {
                    NextNumber = n + 1;
                }
                break;
            case QueueOp.LeaseOp when Get(op.Id) is { State: ItemState.Pending } view && op.Lease is { } lease && op.Runner is { } runner:
                view.State = ItemState.Running;
                view.Skipped = null;
                view.Attempts = op.Attempt ?? view.Attempts + 1;
                view.Lease = new LeaseView { Id = lease, Runner = runner, Attempt = view.Attempts, Slot = op.Slot, Gpus = op.Gpus, Executor = op.Executor ?? "local", Since = op.T };
                break;
            case QueueOp.Start when Get(op.Id) is { Lease: { } lease } view && lease.Id == op.Lease:
                lease.Run = op.Run ?? lease.Run;
                lease.ChildPid = op.ChildPid ?? lease.ChildPid;
                lease.External = op.External ?? lease.External;
                lease.Started = op.T;
                view.LastStarted = op.T;
                if (op.Run is { } run)
                {
                    view.Runs.Add(run);
                }
                break;
            case QueueOp.End when Get(op.Id) is { Lease: { } lease } view && lease.Id == op.Lease:
                view.Lease = null;
                view.LastReason = op.Reason;
                view.LastExit = op.Exit;
                switch (op.State)
                {
                    case "done":
                        view.State = ItemState.Done;
                        break;
                    case "interrupted":
                        view.Interruptions++;
                        view.State = view.Interruptions >= MaxInterruptions ? ItemState.Interrupted : ItemState.Pending;
                        break;
                    default:
                        view.Failures++;
                        view.State = view.Failures > view.Item.Retries ? ItemState.Failed : ItemState.Pending;
                        break;
                }
                if (view.State.IsFinal())
                {
                    view.Ended = op.T;
                }
                break;
            case QueueOp.Remove:
                foreach (var id in op.Ids ?? (op.Id is { } one ? [one] : []))
                {
                    if (Get(id) is { } removed && removed.State != ItemState.Running && removed.State != ItemState.Removed)
                    {
                        removed.State = ItemState.Removed;
                        removed.Ended = op.T;
                        _order.Remove(id);
                    }
                }
                break;
            case QueueOp.Move when Get(op.Id) is { State: not ItemState.Removed } moved:
                _order.Remove(moved.Id);
                var at = op.Before is { } before ? _order.IndexOf(before) : -1;
                _order.Insert(at < 0 ? _order.Count : at, moved.Id);
                break;
            case QueueOp.Skip when Get(op.Id) is { State: ItemState.Pending } skipped:
                skipped.Skipped = op.Reason ?? "skipped";
                break;
            case QueueOp.Pause:
                Paused = true;
                break;
            case QueueOp.Resume:
                Paused = false;
                break;
            case QueueOp.RunnerStart when op.Runner is { } id:
                Runners[id] = new RunnerView
                {
                    Id = id,
                    Host = op.Host ?? "",
                    Pid = op.Pid ?? 0,
                    PidStart = op.PidStart ?? 0,
                    Boot = op.Boot,
                    Log = op.Log,
                    Slots = op.Slots ?? [],
                    Started = op.T,
                    LastBeat = op.T,
                };
                break;
            case QueueOp.Beat when op.Runner is { } id && Runners.TryGetValue(id, out var beating):
                beating.LastBeat = op.T;
                break;
            case QueueOp.RunnerEnd when op.Runner is { } id && Runners.TryGetValue(id, out var ending):
                ending.Ended = op.T;
                break;
            case QueueOp.Stop:
                foreach (var id in op.Ids ?? [])
                {
                    StopRequests[id] = (StopRequests.TryGetValue(id, out var now) && now) || op.Now == true;
                }
                break;
        }
    }

    /// <summary>Runners that are alive now.</summary>
    public List<RunnerView> LiveRunners(DateTime utcNow) => Runners.Values.Where(r => r.IsAlive(utcNow)).ToList();

    /// <summary>
    /// True when a locally running item's runner is gone: the item waits to be marked interrupted by
    /// the next writer. Executors that walk away (Slurm) decide for their own leases.
    /// </summary>
    public bool IsOrphaned(ItemView view, DateTime utcNow)
    {
        ArgumentNullException.ThrowIfNull(view);
        return view.State == ItemState.Running && view.Lease is { Executor: "local" } lease && (!Runners.TryGetValue(lease.Runner, out var r) || !r.IsAlive(utcNow));
    }

    private ItemView? Get(string? id) => id is not null && _items.TryGetValue(id, out var v) ? v : null;
}
