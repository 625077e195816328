using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Labbook.Tuning.Storages.Journal;

namespace Labbook.Tuning;

/// <summary>
/// A hyperparameter search: a named set of trials in a storage, a sampler that proposes parameters and
/// an optional pruner, as in Optuna. Create or load one with <see cref="Create"/> or <see cref="Load"/>,
/// then call <see cref="Optimize"/>, or drive it with <see cref="Ask"/> and <see cref="Tell(Trial, double)"/>.
/// </summary>
public sealed class Study : ITrialHistory
{
    /// <summary>The system attribute holding a running trial's last heartbeat (UTC, ISO 8601). Optuna ignores it.</summary>
    public const string HeartbeatAttr = "labbook:heartbeat";

    /// <summary>
    /// The system attribute naming the process that runs a trial (host, pid, process start, boot id), written with the
    /// trial's creation: a running trial whose process is known dead (same host) is stale at once, without waiting
    /// for the grace period, even when the process died before its first heartbeat.
    /// </summary>
    public const string OwnerAttr = "labbook:owner";

    /// <summary>The system attribute holding why a trial failed (the exception, NaN, or a stale heartbeat).</summary>
    public const string FailReasonAttr = "fail_reason";

    /// <summary>Optuna's system attribute for the parameters of an enqueued trial (external values).</summary>
    public const string FixedParamsAttr = "fixed_params";

    /// <summary>Optuna's system attribute linking a retried trial to the number of the trial it repeats.</summary>
    public const string FailedTrialAttr = "failed_trial";

    /// <summary>Optuna's system attribute listing the numbers of all earlier attempts of a retried trial.</summary>
    public const string RetryHistoryAttr = "retry_history";

    internal static readonly TimeSpan ParamFlushDelay = TimeSpan.FromMilliseconds(200);

    private readonly int _studyId;
    private readonly ConcurrentDictionary<int, Trial> _running = new();
    private readonly TimeSpan _heartbeatInterval;
    private readonly TimeSpan _gracePeriod;
    private readonly int _retryFailed;
    private readonly Lock _heartbeatGate = new();
    private Timer? _heartbeatTimer;
    private long _lastReclaimTicks;

    // Trials [0, _settled) have left WAITING, which they never re-enter: Ask looks for waiting trials after them only,
    // and _settledCounted of them count towards a total budget (so a long study is not rescanned on every Ask).
    private int _settled;
    private int _settledCounted;
    private volatile bool _stopRequested;

    private Study(string name, int studyId, StudyDirection direction, IStudyStorage storage, ISampler sampler, IPruner? pruner,
        TimeSpan? heartbeatInterval, TimeSpan? gracePeriod, int retryFailed)
    {
        Name = name;
        _studyId = studyId;
        Direction = direction;
        Storage = storage;
        Sampler = sampler;
        Pruner = pruner;
        _heartbeatInterval = heartbeatInterval ?? TimeSpan.FromSeconds(10);
        _gracePeriod = gracePeriod ?? TimeSpan.FromSeconds(60);
        if (_heartbeatInterval <= TimeSpan.Zero || _gracePeriod <= _heartbeatInterval)
        {
            throw new ArgumentException("the heartbeat interval must be positive and shorter than the grace period");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(retryFailed);
        _retryFailed = retryFailed;
        ReclaimStaleTrials();
    }

    /// <summary>The sampler used when none is given. One place, so the default can change in one line.</summary>
    public static ISampler CreateDefaultSampler(int? seed = null) => DefaultSampler.Create(seed);

    /// <summary>The study's name.</summary>
    public string Name { get; }

    /// <inheritdoc/>
    string ITrialHistory.StudyName => Name;

    /// <inheritdoc/>
    void ITrialHistory.SetTrialSystemAttr(FrozenTrial trial, string key, JsonNode? value) =>
        Storage.SetTrialSystemAttr(trial.TrialId, key, value);

    /// <inheritdoc/>
    public StudyDirection Direction { get; }

    /// <summary>Where the trials live.</summary>
    public IStudyStorage Storage { get; }

    /// <summary>The sampler proposing parameters.</summary>
    public ISampler Sampler { get; }

    /// <summary>The pruner, or null (no pruning).</summary>
    public IPruner? Pruner { get; }

    /// <summary>
    /// Creates a study, or (with <paramref name="loadIfExists"/>) continues the one with that name.
    /// </summary>
    /// <param name="name">The study name; null makes a unique one.</param>
    /// <param name="direction">Minimize or maximize the objective.</param>
    /// <param name="sampler">The sampler; null uses <see cref="CreateDefaultSampler"/>.</param>
    /// <param name="storage">Where to keep trials; null keeps them in memory.</param>
    /// <param name="loadIfExists">Continue an existing study of that name instead of failing.</param>
    /// <param name="pruner">The pruner, or null.</param>
    /// <param name="heartbeatInterval">How often a running trial's heartbeat is written to a shared storage (default 10 s).</param>
    /// <param name="gracePeriod">A running trial whose heartbeat is older than this is failed as stale (default 60 s).</param>
    /// <param name="retryFailed">How many times a stale-failed trial is re-enqueued with the same parameters (default 0).</param>
    public static Study Create(
        string? name = null,
        StudyDirection direction = StudyDirection.Minimize,
        ISampler? sampler = null,
        IStudyStorage? storage = null,
        bool loadIfExists = false,
        IPruner? pruner = null,
        TimeSpan? heartbeatInterval = null,
        TimeSpan? gracePeriod = null,
        int retryFailed = 0)
    {
        if (direction is not (StudyDirection.Minimize or StudyDirection.Maximize))
        {
            throw new ArgumentException("direction must be Minimize or Maximize", nameof(direction));
        }
        storage ??= new InMemoryStorage();
        name ??= "no-name-" + Guid.NewGuid().ToString();
        var studyId = storage.Exclusive(() =>
        {
            if (storage.FindStudy(name) is { } existing)
            {
                return loadIfExists ? existing : throw new DuplicateStudyException(name);
            }
            return storage.CreateStudy(name, direction);
        });
        var directions = storage.GetStudyDirections(studyId);
        if (directions.Count != 1)
        {
            throw new NotSupportedException($"study '{name}' has {directions.Count} objectives; Labbook studies have one");
        }
        if (directions[0] != direction)
        {
            throw new ArgumentException($"study '{name}' exists with direction {directions[0]}, not {direction}", nameof(direction));
        }
        return new Study(name, studyId, direction, storage, sampler ?? CreateDefaultSampler(), pruner, heartbeatInterval, gracePeriod, retryFailed);
    }

    /// <summary>Loads an existing study by name; throws <see cref="KeyNotFoundException"/> when there is none.</summary>
    public static Study Load(
        string name,
        IStudyStorage storage,
        ISampler? sampler = null,
        IPruner? pruner = null,
        TimeSpan? heartbeatInterval = null,
        TimeSpan? gracePeriod = null,
        int retryFailed = 0)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(storage);
        var studyId = storage.FindStudy(name) ?? throw new KeyNotFoundException($"no study named '{name}' in {storage}");
        var directions = storage.GetStudyDirections(studyId);
        if (directions.Count != 1)
        {
            throw new NotSupportedException($"study '{name}' has {directions.Count} objectives; Labbook studies have one");
        }
        return new Study(name, studyId, directions[0], storage, sampler ?? CreateDefaultSampler(), pruner, heartbeatInterval, gracePeriod, retryFailed);
    }

    /// <summary>All trials, in number order.</summary>
    public IReadOnlyList<FrozenTrial> Trials => Storage.GetAllTrials(_studyId);

    /// <inheritdoc/>
    public IReadOnlyList<FrozenTrial> GetTrials(params TrialState[] states)
    {
        var all = Storage.GetAllTrials(_studyId);
        if (states is null || states.Length == 0)
        {
            return all;
        }
        // Samplers call this once per trial over the whole history: a plain loop, no LINQ or comparer per trial.
        var result = new List<FrozenTrial>(all.Count);
        foreach (var t in all)
        {
            foreach (var state in states)
            {
                if (t.State == state)
                {
                    result.Add(t);
                    break;
                }
            }
        }
        return result;
    }

    /// <summary>The best completed trial; throws <see cref="InvalidOperationException"/> when none has completed.</summary>
    public FrozenTrial BestTrial
    {
        get
        {
            FrozenTrial? best = null;
            foreach (var t in Storage.GetAllTrials(_studyId))
            {
                if (t.State != TrialState.Complete || t.Value is not { } v || double.IsNaN(v))
                {
                    continue;
                }
                if (best is null || (Direction == StudyDirection.Maximize ? v > best.Value!.Value : v < best.Value!.Value))
                {
                    best = t;
                }
            }
            return best ?? throw new InvalidOperationException($"study '{Name}' has no completed trial yet");
        }
    }

    /// <summary>The value of <see cref="BestTrial"/>.</summary>
    public double BestValue => BestTrial.Value!.Value;

    /// <summary>The parameters of <see cref="BestTrial"/>.</summary>
    public IReadOnlyDictionary<string, object?> BestParams => BestTrial.Params;

    /// <summary>The study's user attributes.</summary>
    public IReadOnlyDictionary<string, JsonNode?> UserAttrs => Storage.GetStudyUserAttrs(_studyId);

    /// <summary>Sets a study user attribute (a string, bool, number, null or <see cref="JsonNode"/>).</summary>
    public void SetUserAttr(string key, object? value) => Storage.SetStudyUserAttr(_studyId, key, JsonAttr.ToNode(value));

    /// <summary>Asks <see cref="Optimize"/> to start no new trial (running trials finish). Samplers may call it, e.g. when a grid is exhausted.</summary>
    public void Stop() => _stopRequested = true;

    /// <summary>
    /// Enqueues a trial with fixed parameters (external values); it runs before any newly sampled trial.
    /// Parameters not given are sampled as usual. Stored as Optuna does (a WAITING trial with the
    /// <c>fixed_params</c> system attribute), so Optuna workers run it too.
    /// </summary>
    public void EnqueueTrial(IDictionary<string, object?> parameters, IDictionary<string, object?>? userAttrs = null, bool skipIfExists = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var fixedParams = new JsonObject();
        foreach (var (k, v) in parameters)
        {
            fixedParams[k] = JsonAttr.ToNode(v);
        }
        var template = new FrozenTrial
        {
            Number = -1,
            TrialId = -1,
            State = TrialState.Waiting,
            UserAttrs = userAttrs?.ToDictionary(p => p.Key, p => JsonAttr.ToNode(p.Value)) ?? [],
            SystemAttrs = new Dictionary<string, JsonNode?> { [FixedParamsAttr] = fixedParams },
        };
        Storage.Exclusive(() =>
        {
            if (skipIfExists && Storage.GetAllTrials(_studyId).Any(t => SameFixedParams(t, parameters)))
            {
                return -1;
            }
            return Storage.CreateTrial(_studyId, template);
        });
    }

    /// <summary>Starts a new trial (an enqueued one first) for the ask-and-tell interface.</summary>
    public Trial Ask() => TryAsk(null) ?? throw new InvalidOperationException("no trial could be started");

    /// <summary>Finishes <paramref name="trial"/> with its objective value (NaN fails it).</summary>
    public FrozenTrial Tell(Trial trial, double value) =>
        double.IsNaN(value)
            ? Finish(trial, TrialState.Fail, null, "the objective returned NaN")
            : Finish(trial, TrialState.Complete, value, null);

    /// <summary>
    /// Finishes <paramref name="trial"/> as <see cref="TrialState.Fail"/> or <see cref="TrialState.Pruned"/>
    /// (a pruned trial keeps its last reported value), or as Complete with <paramref name="value"/>.
    /// </summary>
    public FrozenTrial Tell(Trial trial, TrialState state, double? value = null)
    {
        ArgumentNullException.ThrowIfNull(trial);
        return state switch
        {
            TrialState.Complete when value is { } v => Tell(trial, v),
            TrialState.Complete => throw new ArgumentException("a completed trial needs a value", nameof(value)),
            TrialState.Pruned => Finish(trial, TrialState.Pruned, value ?? trial.LastIntermediateValue, null),
            TrialState.Fail => Finish(trial, TrialState.Fail, null, "told as failed"),
            _ => throw new ArgumentException("a trial can only be told Complete, Pruned or Fail", nameof(state)),
        };
    }

    /// <summary>
    /// Runs the objective on new trials until a budget is used: <paramref name="nTrials"/> in this call,
    /// <paramref name="timeout"/>, or <paramref name="totalTrials"/> in the whole study (counting trials
    /// already there, also those of other processes, so relaunching is idempotent). With no budget it runs
    /// until cancelled or stopped. An exception or NaN from the objective fails that trial (the reason is
    /// kept in its <c>fail_reason</c> system attribute) and the search goes on; <see cref="TrialPrunedException"/>
    /// records the trial as pruned.
    /// </summary>
    /// <param name="objective">Returns the value to minimize or maximize.</param>
    /// <param name="nTrials">How many trials this call runs at most.</param>
    /// <param name="timeout">Starts no trial after this much time.</param>
    /// <param name="nJobs">Threads evaluating trials in parallel (-1: one per processor).</param>
    /// <param name="totalTrials">The study-wide budget: trials that started (any state but waiting; a retry counts as its original).</param>
    /// <param name="callbacks">Called after each finished trial.</param>
    /// <param name="cancellationToken">Starts no new trial once cancelled.</param>
    public void Optimize(
        Func<Trial, double> objective,
        int? nTrials = null,
        TimeSpan? timeout = null,
        int nJobs = 1,
        int? totalTrials = null,
        IReadOnlyList<Action<Study, FrozenTrial>>? callbacks = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(objective);
        if (nJobs == -1)
        {
            nJobs = Environment.ProcessorCount;
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(nJobs, 1);
        _stopRequested = false;
        // A timeout beyond the calendar means none (DateTime.UtcNow + t would throw).
        var deadline = timeout is { } t && t < DateTime.MaxValue - DateTime.UtcNow ? DateTime.UtcNow + t : DateTime.MaxValue;
        var started = 0;
        void Work()
        {
            while (!_stopRequested && !cancellationToken.IsCancellationRequested && DateTime.UtcNow < deadline)
            {
                if (nTrials is { } n && Interlocked.Increment(ref started) > n)
                {
                    return;
                }
                var trial = TryAsk(totalTrials);
                if (trial is null)
                {
                    return;
                }
                var frozen = Run(trial, objective);
                if (callbacks is not null)
                {
                    foreach (var callback in callbacks)
                    {
                        callback(this, frozen);
                    }
                }
            }
        }
        try
        {
            RunWorkers(Work, nJobs);
        }
        catch (Exception)
        {
            try
            {
                Storage.Flush();
            }
            catch (IOException)
            {
                // The objective's (or the storage's) exception is the one to report.
            }
            throw;
        }
        // Group commit (the journal's default) defers fsyncs: the results are durable when Optimize returns.
        Storage.Flush();
    }

    private void RunWorkers(Action work, int nJobs)
    {
        if (nJobs == 1)
        {
            work();
            return;
        }
        Exception? failure = null;
        void Guarded()
        {
            try
            {
                work();
            }
            catch (Exception ex)
            {
                Interlocked.CompareExchange(ref failure, ex, null);
                _stopRequested = true;
            }
        }
        var threads = Enumerable.Range(0, nJobs).Select(_ => new Thread(Guarded) { IsBackground = true }).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }
        foreach (var thread in threads)
        {
            thread.Join();
        }
        if (failure is not null)
        {
            throw failure;
        }
    }

    private FrozenTrial Run(Trial trial, Func<Trial, double> objective)
    {
        // A result that cannot be recorded because another worker already failed the trial (e.g. as stale after this
        // process was suspended) is dropped: the search goes on, as it does for any failed trial.
        double value;
        try
        {
            value = objective(trial);
        }
        catch (TrialPrunedException)
        {
            return Finish(trial, TrialState.Pruned, trial.LastIntermediateValue, null, throwIfNotRecorded: false);
        }
        catch (TrialFailedException ex)
        {
            return Finish(trial, TrialState.Fail, null, ex.Message, throwIfNotRecorded: false);
        }
        catch (Exception ex)
        {
            return Finish(trial, TrialState.Fail, null, $"{ex.GetType().Name}: {ex.Message}", throwIfNotRecorded: false);
        }
        return double.IsNaN(value)
            ? Finish(trial, TrialState.Fail, null, "the objective returned NaN", throwIfNotRecorded: false)
            : Finish(trial, TrialState.Complete, value, null, throwIfNotRecorded: false);
    }

    /// <summary>Writes all trials as CSV (see <see cref="TrialsCsv"/>).</summary>
    public void WriteTrialsCsv(TextWriter writer) => TrialsCsv.Write(writer, Trials);

    /// <summary>Writes all trials as CSV to <paramref name="path"/>, atomically (write, then rename).</summary>
    public void WriteTrialsCsv(string path) => TrialsCsv.Write(path, Trials);

    /// <summary>
    /// Fails running trials whose heartbeat is older than the grace period (their worker died), and
    /// re-enqueues them with the same parameters when retries are allowed. Called when a study is opened,
    /// asked from or optimized; returns the numbers of the trials it failed.
    /// </summary>
    public IReadOnlyList<int> ReclaimStaleTrials()
    {
        if (!Storage.IsShared)
        {
            return [];
        }
        Interlocked.Exchange(ref _lastReclaimTicks, DateTime.UtcNow.Ticks);
        var now = DateTime.UtcNow;
        bool HeartbeatExpired(FrozenTrial t) =>
            t.SystemAttrs.TryGetValue(HeartbeatAttr, out var hb)
            && hb is JsonValue v && v.TryGetValue<string>(out var s)
            && DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var beat)
            && now - beat > _gracePeriod;
        bool IsStale(FrozenTrial t) =>
            t.State == TrialState.Running
            && !_running.ContainsKey(t.TrialId)
            && (HeartbeatExpired(t) || OwnerIsDead(t));
        if (!Storage.GetAllTrials(_studyId).Any(IsStale))
        {
            return [];
        }
        return Storage.Exclusive(() =>
        {
            var failed = new List<int>();
            foreach (var t in Storage.GetAllTrials(_studyId).Where(IsStale))
            {
                var beat = t.SystemAttrs.TryGetValue(HeartbeatAttr, out var hb) ? (string?)hb : null;
                var reason = HeartbeatExpired(t) || t.SystemAttrs[OwnerAttr] is not JsonObject owner
                    ? $"stale: no heartbeat since {beat} (grace period {_gracePeriod.TotalSeconds:0} s)"
                    : $"stale: its process ({owner["pid"]} on {owner["host"]}) is gone";
                Storage.SetTrialSystemAttr(t.TrialId, FailReasonAttr, JsonValue.Create(reason));
                if (!Storage.SetTrialStateValues(t.TrialId, TrialState.Fail))
                {
                    continue;
                }
                failed.Add(t.Number);
                var history = t.SystemAttrs.TryGetValue(RetryHistoryAttr, out var h) && h is JsonArray arr
                    ? arr.Select(JournalOps.AsInt).ToList()
                    : [];
                if (history.Count < _retryFailed)
                {
                    history.Add(t.Number);
                    var fixedParams = new JsonObject();
                    foreach (var (k, v) in t.Params)
                    {
                        fixedParams[k] = JsonAttr.ToNode(v);
                    }
                    var systemAttrs = new Dictionary<string, JsonNode?>
                    {
                        [FixedParamsAttr] = fixedParams,
                        [FailedTrialAttr] = JsonValue.Create((long)(t.SystemAttrs.TryGetValue(FailedTrialAttr, out var orig) && orig is not null ? JournalOps.AsInt(orig) : t.Number)),
                        [RetryHistoryAttr] = new JsonArray(history.Select(n => (JsonNode?)JsonValue.Create((long)n)).ToArray()),
                    };
                    Storage.CreateTrial(_studyId, new FrozenTrial
                    {
                        Number = -1,
                        TrialId = -1,
                        State = TrialState.Waiting,
                        InternalParams = t.InternalParams,
                        Distributions = t.Distributions,
                        UserAttrs = t.UserAttrs,
                        SystemAttrs = systemAttrs,
                    });
                }
            }
            return (IReadOnlyList<int>)failed;
        });
    }

    /// <summary>How many trials count towards a <c>totalTrials</c> budget: every started trial, a retry counting as its original.</summary>
    public static int CountTowardsBudget(IReadOnlyList<FrozenTrial> trials)
    {
        ArgumentNullException.ThrowIfNull(trials);
        return trials.Count(CountsTowardsBudget);
    }

    private static bool CountsTowardsBudget(FrozenTrial trial) => trial.State != TrialState.Waiting && !trial.SystemAttrs.ContainsKey(FailedTrialAttr);

    private Trial? TryAsk(int? totalTrials)
    {
        if (Storage.IsShared && DateTime.UtcNow.Ticks - Interlocked.Read(ref _lastReclaimTicks) > TimeSpan.TicksPerSecond)
        {
            ReclaimStaleTrials();
        }
        var started = Storage.Exclusive(() =>
        {
            var trials = Storage.GetAllTrials(_studyId);
            while (_settled < trials.Count && trials[_settled].State != TrialState.Waiting)
            {
                _settledCounted += CountsTowardsBudget(trials[_settled]) ? 1 : 0;
                _settled++;
            }
            var counted = _settledCounted;
            for (var i = _settled; i < trials.Count; i++)
            {
                counted += CountsTowardsBudget(trials[i]) ? 1 : 0;
            }
            var budgetLeft = (totalTrials is not { } total || counted < total)
                && !(Sampler is IExhaustibleSampler finite && finite.IsExhausted(this));
            for (var i = _settled; i < trials.Count; i++)
            {
                var t = trials[i];
                if (t.State != TrialState.Waiting || (!budgetLeft && !t.SystemAttrs.ContainsKey(FailedTrialAttr)))
                {
                    continue;
                }
                if (Storage.SetTrialStateValues(t.TrialId, TrialState.Running))
                {
                    if (Storage.IsShared)
                    {
                        Storage.SetTrialSystemAttr(t.TrialId, OwnerAttr, OwnerNow());
                        Storage.SetTrialSystemAttr(t.TrialId, HeartbeatAttr, HeartbeatNow());
                    }
                    return BeforeTrial(t.TrialId);
                }
            }
            if (!budgetLeft)
            {
                return null;
            }
            var id = Storage.IsShared
                ? Storage.CreateTrial(_studyId, new FrozenTrial
                {
                    Number = -1,
                    TrialId = -1,
                    State = TrialState.Running,
                    DatetimeStart = DateTime.Now,
                    SystemAttrs = new Dictionary<string, JsonNode?> { [HeartbeatAttr] = HeartbeatNow(), [OwnerAttr] = OwnerNow() },
                })
                : Storage.CreateTrial(_studyId);
            return BeforeTrial(id);
        });
        if (started is null)
        {
            return null;
        }
        var fixedParams = new Dictionary<string, object?>();
        if (started.SystemAttrs.TryGetValue(FixedParamsAttr, out var fp) && fp is JsonObject obj)
        {
            foreach (var (k, v) in obj)
            {
                fixedParams[k] = Storages.Journal.DistributionJson.NodeToChoice(v);
            }
        }
        var trial = new Trial(this, started, fixedParams);
        if (Storage.IsShared)
        {
            _running[trial.TrialId] = trial;
            EnsureHeartbeat();
        }
        return trial;
    }

    private FrozenTrial BeforeTrial(int trialId)
    {
        Sampler.BeforeTrial(this, Storage.GetTrial(trialId));
        return Storage.GetTrial(trialId);
    }

    private FrozenTrial Finish(Trial trial, TrialState state, double? value, string? failReason, bool throwIfNotRecorded = true)
    {
        ArgumentNullException.ThrowIfNull(trial);
        if (!ReferenceEquals(trial.Study, this))
        {
            throw new ArgumentException("the trial belongs to another study", nameof(trial));
        }
        if (value is { } v && double.IsNaN(v) && state == TrialState.Pruned)
        {
            value = null;
        }
        Sampler.AfterTrial(this, trial.Snapshot(), state, value);
        bool recorded;
        lock (trial.WriteGate)
        {
            var pending = trial.TakePending();
            try
            {
                recorded = Storage.FinishTrial(trial.TrialId, pending, FailAttrs(failReason), state, value is { } x ? [x] : null);
            }
            catch (ArgumentException ex)
            {
                // A parameter incompatible with an earlier trial's (found when the buffered suggests were written).
                recorded = Storage.FinishTrial(trial.TrialId, [], FailAttrs(ex.Message), TrialState.Fail, null);
            }
        }
        _running.TryRemove(trial.TrialId, out _);
        lock (_heartbeatGate)
        {
            if (_running.IsEmpty)
            {
                _heartbeatTimer?.Dispose();
                _heartbeatTimer = null;
            }
        }
        var stored = Storage.GetTrial(trial.TrialId);
        if (!recorded && throwIfNotRecorded)
        {
            throw new InvalidOperationException(
                $"trial {trial.Number} was already finished as {stored.State} (by another worker, e.g. as stale); its result was not recorded");
        }
        return stored;
    }

    private static Dictionary<string, JsonNode?> FailAttrs(string? reason) =>
        reason is null ? [] : new Dictionary<string, JsonNode?> { [FailReasonAttr] = JsonValue.Create(reason) };

    private static readonly long OwnerStart = Processes.ProcessIdentity.StartTicks(Environment.ProcessId) ?? 0;

    private static JsonObject OwnerNow() => new()
    {
        ["host"] = Processes.ProcessIdentity.HostName,
        ["pid"] = Environment.ProcessId,
        ["start"] = OwnerStart,
        ["boot"] = Processes.ProcessIdentity.BootId,
    };

    /// <summary>True when the trial's owner (<see cref="OwnerAttr"/>) is known to be gone: on this host, its process is not running.</summary>
    internal static bool OwnerIsDead(FrozenTrial trial) =>
        trial.SystemAttrs.TryGetValue(OwnerAttr, out var node) && node is JsonObject owner
        && (string?)owner["host"] is { } host && owner["pid"] is JsonValue pid && owner["start"] is JsonValue start
        && Processes.ProcessIdentity.IsAlive(host, (int)pid.GetValue<long>(), start.GetValue<long>(), (string?)owner["boot"]) == false;

    private static JsonValue HeartbeatNow() =>
        JsonValue.Create(DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));

    private void EnsureHeartbeat()
    {
        lock (_heartbeatGate)
        {
            _heartbeatTimer ??= new Timer(_ => Beat(), null, _heartbeatInterval, _heartbeatInterval);
        }
    }

    private void Beat()
    {
        if (!_heartbeatGate.TryEnter())
        {
            return;
        }
        try
        {
            foreach (var trial in _running.Values)
            {
                try
                {
                    trial.Flush();
                    Storage.SetTrialSystemAttr(trial.TrialId, HeartbeatAttr, HeartbeatNow());
                }
                catch (Exception)
                {
                    // The trial finished meanwhile, or the storage is briefly unavailable: the next beat retries.
                }
            }
        }
        finally
        {
            _heartbeatGate.Exit();
        }
    }

    private static bool SameFixedParams(FrozenTrial t, IDictionary<string, object?> parameters)
    {
        if (t.SystemAttrs.TryGetValue(FixedParamsAttr, out var fp) && fp is JsonObject obj)
        {
            return obj.Count == parameters.Count
                && parameters.All(p => obj.TryGetPropertyValue(p.Key, out var v) && Equals(Storages.Journal.DistributionJson.NodeToChoice(v), Normalize(p.Value)));
        }
        return false;
    }

    private static object? Normalize(object? v) => v switch
    {
        int i => (long)i,
        float f => (double)f,
        _ => v,
    };
}
