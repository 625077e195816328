using System.Collections.Concurrent;
using System.Globalization;
using Labbook.Processes;
using Labbook.Queue;
using Labbook.Runs;

namespace Labbook.Executors;

/// <summary>
/// Runs items as child processes of this process on a fixed set of slots: N plain slots
/// (<c>-j N</c>), or one slot per GPU (<c>--gpus 0,1</c>) where an item gets
/// <c>CUDA_VISIBLE_DEVICES</c> set to its GPUs and an item asking for K GPUs takes K slots.
/// </summary>
public sealed class LocalSlotsExecutor : IExecutor
{
    private readonly string?[] _gpuIds;
    private readonly bool[] _busy;
    private readonly Lock _gate = new();
    private readonly ConcurrentQueue<ExecutionResult> _results = new();

    // Spin count 1: a runner waiting for results should sleep, not spin (it showed as tens of thousands of sched_yield calls).
    private readonly ManualResetEventSlim _resultReady = new(false, 1);
    private readonly ConcurrentDictionary<string, (RunHandle Handle, int[] Slots, string? Cancelled)> _running = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _cancelReasons = new(StringComparer.Ordinal);

    private LocalSlotsExecutor(string?[] gpuIds)
    {
        _gpuIds = gpuIds;
        _busy = new bool[gpuIds.Length];
        Slots = gpuIds.Select((g, i) => g is null ? (i + 1).ToString(CultureInfo.InvariantCulture) : "gpu" + g).ToList();
    }

    /// <summary>N plain slots.</summary>
    public static LocalSlotsExecutor WithSlots(int count) =>
        count < 1 ? throw new ArgumentOutOfRangeException(nameof(count), "at least one slot") : new LocalSlotsExecutor(new string?[count]);

    /// <summary>One slot per GPU id (ids as the driver names them, e.g. 0,1 or GPU UUIDs).</summary>
    public static LocalSlotsExecutor WithGpus(IReadOnlyList<string> gpuIds)
    {
        ArgumentNullException.ThrowIfNull(gpuIds);
        if (gpuIds.Count == 0 || gpuIds.Distinct(StringComparer.Ordinal).Count() != gpuIds.Count || gpuIds.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("--gpus needs distinct, non-empty GPU ids (e.g. 0,1,2,3)");
        }
        return new LocalSlotsExecutor([.. gpuIds]);
    }

    /// <summary>True when slots are GPUs.</summary>
    public bool HasGpus => _gpuIds.Length > 0 && _gpuIds[0] is not null;

    /// <inheritdoc/>
    public string Kind => "local";

    /// <inheritdoc/>
    public IReadOnlyList<string> Slots { get; }

    /// <inheritdoc/>
    public bool CanRun(QueueItem item, out string? why)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (item.Gpus > 0 && !HasGpus)
        {
            why = $"asks for {item.Gpus} GPU(s) but the runner has plain slots (start it with --gpus)";
            return false;
        }
        if (item.Gpus > _busy.Length)
        {
            why = $"asks for {item.Gpus} GPUs but the runner has {_busy.Length}";
            return false;
        }
        why = null;
        return true;
    }

    /// <summary>The number of slots an item takes here.</summary>
    private static int Width(QueueItem item) => Math.Max(1, item.Gpus);

    /// <inheritdoc/>
    public Placement? TryPlace(QueueItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (!CanRun(item, out _))
        {
            return null;
        }
        lock (_gate)
        {
            var free = Enumerable.Range(0, _busy.Length).Where(i => !_busy[i]).Take(Width(item)).ToArray();
            if (free.Length < Width(item))
            {
                return null;
            }
            foreach (var i in free)
            {
                _busy[i] = true;
            }
            var slot = string.Join('+', free.Select(i => Slots[i]));
            var gpus = HasGpus ? string.Join(',', free.Select(i => _gpuIds[i])) : null;
            return new Placement(slot, gpus);
        }
    }

    /// <inheritdoc/>
    public void Release(Placement placement)
    {
        ArgumentNullException.ThrowIfNull(placement);
        lock (_gate)
        {
            foreach (var index in SlotIndexes(placement))
            {
                _busy[index] = false;
            }
        }
    }

    /// <summary>Slots in use now.</summary>
    public int BusySlots
    {
        get
        {
            lock (_gate)
            {
                return _busy.Count(b => b);
            }
        }
    }

    /// <inheritdoc/>
    public ExecutionStarted Start(ExecutionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var item = request.Item;
        var handle = RunLauncher.Start(item.ToRunRequest(request.Workspace, item.ResolvedArgv()) with
        {
            Slot = request.Placement.Slot,
            Gpus = request.Placement.Gpus,
            WorkingDirectory = item.Cwd,
            Environment = request.Environment,
            KillGrace = request.KillGrace,
            // Nobody watches a queue: what an item leaves running would hold its slot's GPU under the next item.
            KillLeftovers = true,
        });
        var slots = SlotIndexes(request.Placement);
        _running[request.Lease] = (handle, slots, null);
        _ = handle.Completion.ContinueWith(task => Finished(request, task), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return new ExecutionStarted(handle.Id, handle.ChildPid, null);
    }

    /// <inheritdoc/>
    public IReadOnlyList<ExecutionResult> Poll(TimeSpan wait)
    {
        var list = new List<ExecutionResult>();
        _resultReady.Reset();
        while (_results.TryDequeue(out var r))
        {
            list.Add(r);
        }
        if (list.Count == 0 && wait > TimeSpan.Zero && _resultReady.Wait(wait))
        {
            while (_results.TryDequeue(out var r))
            {
                list.Add(r);
            }
        }
        return list;
    }

    /// <inheritdoc/>
    public void Cancel(string lease, string reason)
    {
        if (_running.TryGetValue(lease, out var entry))
        {
            _cancelReasons.TryAdd(lease, reason);
            entry.Handle.Stop(RunStatus.Killed, reason);
        }
    }

    /// <inheritdoc/>
    public ExecutionResult? Reconcile(ItemView item, QueueState state, DateTime utcNow)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(state);
        if (item.Lease is not { Executor: "local" } lease || !state.IsOrphaned(item, utcNow))
        {
            return null;
        }
        state.Runners.TryGetValue(lease.Runner, out var runner);
        var sameHost = runner is null || string.Equals(runner.Host, ProcessIdentity.HostName, StringComparison.Ordinal);
        string reason;
        if (sameHost)
        {
            var killed = Orphans.Kill(lease.Id, TimeSpan.FromSeconds(5));
            reason = killed > 0 ? $"its runner died; {killed} orphaned process(es) killed" : "its runner died";
        }
        else
        {
            reason = $"its runner on {runner!.Host} stopped beating (orphans there, if any, are not reachable from {ProcessIdentity.HostName})";
        }
        return new ExecutionResult(lease.Id, item.Id, AttemptEnd.Interrupted, lease.Run, null, reason);
    }

    /// <inheritdoc/>
    public void Dispose() => _resultReady.Dispose();

    private void Finished(ExecutionRequest request, Task<RunOutcome> task)
    {
        _running.TryRemove(request.Lease, out var entry);
        lock (_gate)
        {
            foreach (var i in entry.Slots ?? SlotIndexes(request.Placement))
            {
                _busy[i] = false;
            }
        }
        ExecutionResult result;
        if (task.IsCompletedSuccessfully)
        {
            var outcome = task.Result;
            if (_cancelReasons.TryRemove(request.Lease, out var cancelled) && outcome.Status != RunStatus.Completed)
            {
                result = new ExecutionResult(request.Lease, request.Item.Id, AttemptEnd.Interrupted, outcome.Id, outcome.ExitCode, cancelled);
            }
            else
            {
                var end = outcome.Status == RunStatus.Completed ? AttemptEnd.Done : AttemptEnd.Failed;
                result = new ExecutionResult(request.Lease, request.Item.Id, end, outcome.Id, outcome.ExitCode, outcome.Reason) { StorageFailed = outcome.StorageFailed };
            }
        }
        else
        {
            result = new ExecutionResult(request.Lease, request.Item.Id, AttemptEnd.Failed, null, null, (task.Exception?.InnerException is { } startError ? Text.ErrorText.Of(startError) : "could not start"));
        }
        _results.Enqueue(result);
        _resultReady.Set();
    }

    private int[] SlotIndexes(Placement placement)
    {
        var names = placement.Slot.Split('+');
        return names.Select(n => Slots.ToList().IndexOf(n)).Where(i => i >= 0).ToArray();
    }
}
