using Labbook.Executors;
using Labbook.Queue;

namespace Labbook.Tests.Queue;

internal sealed class ManualClock(DateTime start) : IClock
{
    private DateTime _now = start;

    /// <summary>When set, every read advances the clock by this much.</summary>
    public TimeSpan Step { get; set; }

    public DateTime UtcNow
    {
        get
        {
            var t = _now;
            _now += Step;
            return t;
        }
        set => _now = value;
    }
}

/// <summary>An executor whose attempts end at once, each advancing the clock by the item's est and ending as told.</summary>
internal sealed class InstantExecutor(ManualClock clock, int slots, Func<QueueItem, AttemptEnd>? outcome = null) : IExecutor
{
    private readonly Queue<ExecutionResult> _done = new();
    private int _busy;

    public List<(string Item, DateTime Start)> Started { get; } = [];

    public string Kind => "local";

    public IReadOnlyList<string> Slots { get; } = [.. Enumerable.Range(1, slots).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    public bool CanRun(QueueItem item, out string? why)
    {
        why = null;
        return true;
    }

    public Placement? TryPlace(QueueItem item)
    {
        if (_busy >= Slots.Count)
        {
            return null;
        }
        _busy++;
        return new Placement(_busy.ToString(System.Globalization.CultureInfo.InvariantCulture), null);
    }

    public void Release(Placement placement) => _busy--;

    public ExecutionStarted Start(ExecutionRequest request)
    {
        Started.Add((request.Item.Id, clock.UtcNow));
        clock.UtcNow += TimeSpan.FromSeconds(request.Item.EstS ?? 0);
        _done.Enqueue(new ExecutionResult(request.Lease, request.Item.Id, outcome?.Invoke(request.Item) ?? AttemptEnd.Done, null, 0, null));
        return new ExecutionStarted(null, null, null);
    }

    public IReadOnlyList<ExecutionResult> Poll(TimeSpan wait)
    {
        var list = new List<ExecutionResult>();
        while (_done.TryDequeue(out var r))
        {
            list.Add(r);
            _busy--;
        }
        if (list.Count == 0)
        {
            clock.UtcNow += wait;
        }
        return list;
    }

    public void Cancel(string lease, string reason)
    {
    }

    public ExecutionResult? Reconcile(ItemView item, QueueState state, DateTime utcNow) => null;

    public void Dispose()
    {
    }
}
