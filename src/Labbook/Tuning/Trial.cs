using System.Text.Json.Nodes;

namespace Labbook.Tuning;

/// <summary>
/// One evaluation of the objective, handed to it by <see cref="Study.Optimize"/> or <see cref="Study.Ask"/>.
/// Parameters are defined by run: each <c>Suggest*</c> call draws a value (or returns the enqueued one,
/// or the one already suggested under that name in this trial).
/// </summary>
public sealed class Trial
{
    private readonly Study _study;
    private readonly Lock _gate = new();
    private readonly Lock _writeGate = new();
    private readonly Dictionary<string, double> _params = [];
    private readonly Dictionary<string, Distribution> _distributions = [];
    private readonly Dictionary<int, double> _intermediate = [];
    private readonly Dictionary<string, JsonNode?> _userAttrs = [];
    private readonly Dictionary<string, JsonNode?> _systemAttrs = [];
    private readonly IReadOnlyDictionary<string, object?> _fixedParams;
    private readonly IReadOnlyDictionary<string, Distribution> _relativeSpace;
    private readonly IReadOnlyDictionary<string, double> _relativeParams;
    private readonly List<TrialParam> _pending = [];
    private Timer? _flushTimer;

    internal Trial(Study study, FrozenTrial started, IReadOnlyDictionary<string, object?> fixedParams)
    {
        _study = study;
        TrialId = started.TrialId;
        Number = started.Number;
        DatetimeStart = started.DatetimeStart ?? DateTime.Now;
        foreach (var (k, v) in started.InternalParams)
        {
            _params[k] = v;
            _distributions[k] = started.Distributions[k];
        }
        foreach (var (k, v) in started.UserAttrs)
        {
            _userAttrs[k] = v;
        }
        foreach (var (k, v) in started.SystemAttrs)
        {
            _systemAttrs[k] = v;
        }
        _fixedParams = fixedParams;
        var frozen = Snapshot();
        _relativeSpace = study.Sampler.InferRelativeSearchSpace(study, frozen);
        _relativeParams = _relativeSpace.Count == 0
            ? new Dictionary<string, double>()
            : study.Sampler.SampleRelative(study, frozen, _relativeSpace);
    }

    /// <summary>The trial's number in its study (0, 1, 2, ...).</summary>
    public int Number { get; }

    /// <summary>The storage-wide id.</summary>
    public int TrialId { get; }

    /// <summary>When the trial started.</summary>
    public DateTime DatetimeStart { get; }

    /// <summary>The study this trial belongs to.</summary>
    public Study Study => _study;

    /// <summary>The parameters suggested so far, as the objective saw them.</summary>
    public IReadOnlyDictionary<string, object?> Params
    {
        get
        {
            lock (_gate)
            {
                return _params.ToDictionary(p => p.Key, p => _distributions[p.Key].ToExternal(p.Value));
            }
        }
    }

    /// <summary>The distributions of the parameters suggested so far.</summary>
    public IReadOnlyDictionary<string, Distribution> Distributions
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, Distribution>(_distributions);
            }
        }
    }

    /// <summary>The user attributes set so far.</summary>
    public IReadOnlyDictionary<string, JsonNode?> UserAttrs
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, JsonNode?>(_userAttrs);
            }
        }
    }

    /// <summary>Suggests a real value in [<paramref name="low"/>, <paramref name="high"/>], log-scaled or on a <paramref name="step"/> grid.</summary>
    public double SuggestFloat(string name, double low, double high, bool log = false, double? step = null) =>
        (double)Suggest(name, new FloatDistribution(low, high, log, step))!;

    /// <summary>Suggests an integer in [<paramref name="low"/>, <paramref name="high"/>] on a <paramref name="step"/> grid, optionally log-scaled.</summary>
    public int SuggestInt(string name, int low, int high, int step = 1, bool log = false) =>
        checked((int)(long)Suggest(name, new IntDistribution(low, high, log, step))!);

    /// <summary>Suggests a 64-bit integer (see <see cref="SuggestInt"/>).</summary>
    public long SuggestLong(string name, long low, long high, long step = 1, bool log = false) =>
        (long)Suggest(name, new IntDistribution(low, high, log, step))!;

    /// <summary>Suggests one of <paramref name="choices"/> (null, bool, integers, floating-point numbers or strings).</summary>
    public T SuggestCategorical<T>(string name, T[] choices)
    {
        ArgumentNullException.ThrowIfNull(choices);
        var value = Suggest(name, new CategoricalDistribution(choices.Select(c => (object?)c).ToArray()));
        return value switch
        {
            T t => t,
            null => default!,
            long l when typeof(T) == typeof(int) => (T)(object)checked((int)l),
            double d when typeof(T) == typeof(float) => (T)(object)(float)d,
            _ => (T)value,
        };
    }

    /// <summary>Reports an intermediate value at <paramref name="step"/> for pruners (a later report at the same step replaces it).</summary>
    public void Report(double value, int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        Flush();
        _study.Storage.SetTrialIntermediateValue(TrialId, step, value);
        lock (_gate)
        {
            _intermediate[step] = value;
        }
    }

    /// <summary>
    /// Whether the study's pruner says to stop this trial now. When true, the objective should
    /// <c>throw new TrialPrunedException()</c> (which records the trial as pruned with its last reported value).
    /// </summary>
    public bool ShouldPrune()
    {
        if (_study.Pruner is not { } pruner)
        {
            return false;
        }
        Flush();
        // The stored trial, not the local view: pruners read their own bookkeeping from its system attributes.
        return pruner.Prune(_study, _study.Storage.GetTrial(TrialId));
    }

    /// <summary>Sets a user attribute: a string, bool, number, null, or a <see cref="JsonNode"/>.</summary>
    public void SetUserAttr(string key, object? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        var node = JsonAttr.ToNode(value);
        Flush();
        _study.Storage.SetTrialUserAttr(TrialId, key, node);
        lock (_gate)
        {
            _userAttrs[key] = node;
        }
    }

    /// <summary>A snapshot of the trial as samplers and pruners see it (RUNNING, with what this process knows).</summary>
    internal FrozenTrial Snapshot()
    {
        lock (_gate)
        {
            return new FrozenTrial
            {
                Number = Number,
                TrialId = TrialId,
                State = TrialState.Running,
                InternalParams = new Dictionary<string, double>(_params),
                Distributions = new Dictionary<string, Distribution>(_distributions),
                IntermediateValues = new Dictionary<int, double>(_intermediate),
                UserAttrs = new Dictionary<string, JsonNode?>(_userAttrs),
                SystemAttrs = new Dictionary<string, JsonNode?>(_systemAttrs),
                DatetimeStart = DatetimeStart,
            };
        }
    }

    /// <summary>The last reported intermediate value, or null.</summary>
    internal double? LastIntermediateValue
    {
        get
        {
            lock (_gate)
            {
                return _intermediate.Count == 0 ? null : _intermediate[_intermediate.Keys.Max()];
            }
        }
    }

    /// <summary>Takes the parameters not yet written (the finishing write carries them).</summary>
    internal TrialParam[] TakePending()
    {
        lock (_gate)
        {
            TrialParam[] batch = [.. _pending];
            _pending.Clear();
            _flushTimer?.Dispose();
            _flushTimer = null;
            return batch;
        }
    }

    /// <summary>Writes buffered parameters (one durable write for all suggests made since the last flush).</summary>
    internal void Flush()
    {
        lock (_writeGate)
        {
            var batch = TakePending();
            if (batch.Length > 0)
            {
                _study.Storage.SetTrialParams(TrialId, batch);
            }
        }
    }

    /// <summary>
    /// Held while buffered parameters are written, so that a background flush can never land after the
    /// write that finishes the trial (replay ignores anything written to a finished trial).
    /// </summary>
    internal Lock WriteGate => _writeGate;

    private object? Suggest(string name, Distribution distribution)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_gate)
        {
            if (_distributions.TryGetValue(name, out var existing))
            {
                if (!Storages.StorageModel.Compatible(existing, distribution))
                {
                    throw new ArgumentException($"parameter '{name}' was already suggested in this trial from {existing}; it cannot now come from {distribution}");
                }
                return existing.ToExternal(_params[name]);
            }
        }
        double value;
        if (_fixedParams.TryGetValue(name, out var fixedValue))
        {
            value = distribution.ToInternal(fixedValue);
        }
        else if (distribution.IsSingle)
        {
            value = distribution switch
            {
                FloatDistribution f => f.Low,
                IntDistribution i => i.Low,
                _ => 0,
            };
        }
        else if (_relativeParams.TryGetValue(name, out var relative) && _relativeSpace.TryGetValue(name, out var relDist) && relDist.Equals(distribution))
        {
            value = relative;
        }
        else
        {
            value = _study.Sampler.SampleIndependent(_study, Snapshot(), name, distribution);
        }
        var param = new TrialParam(name, value, distribution);
        if (_study.Storage.IsShared)
        {
            lock (_gate)
            {
                _pending.Add(param);
                // Suggests come in bursts at the start of an objective: write the burst once, shortly after.
                _flushTimer ??= new Timer(_ => FlushQuietly(), null, Study.ParamFlushDelay, Timeout.InfiniteTimeSpan);
            }
        }
        else
        {
            _study.Storage.SetTrialParams(TrialId, [param]);
        }
        lock (_gate)
        {
            _params[name] = value;
            _distributions[name] = distribution;
        }
        return distribution.ToExternal(value);
    }

    private void FlushQuietly()
    {
        try
        {
            Flush();
        }
        catch (Exception)
        {
            // The trial finished (or the storage failed) meanwhile; the finishing path flushes and reports errors.
        }
    }
}

/// <summary>
/// Thrown by an objective to fail its trial with a reason in the objective's own words: the study records the message
/// as it is, where any other exception is recorded with its type name in front (as Optuna does).
/// </summary>
public class TrialFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TrialFailedException()
        : base("the trial failed")
    {
    }

    /// <summary>Creates the exception with the reason to record.</summary>
    public TrialFailedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the reason to record and its cause.</summary>
    public TrialFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Thrown by an objective to stop a trial the pruner condemned; the trial is recorded as pruned.</summary>
public sealed class TrialPrunedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TrialPrunedException()
        : base("the trial was pruned")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public TrialPrunedException(string message)
        : base(message)
    {
    }
}

/// <summary>Converts attribute values to JSON nodes.</summary>
internal static class JsonAttr
{
    public static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        JsonNode n => n.DeepClone(),
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create((long)i),
        long l => JsonValue.Create(l),
        double d => JsonValue.Create(d),
        float f => JsonValue.Create((double)f),
        decimal m => JsonValue.Create((double)m),
        DateTime dt => JsonValue.Create(dt.ToString("O", System.Globalization.CultureInfo.InvariantCulture)),
        IEnumerable<object?> items => new JsonArray(items.Select(ToNode).ToArray()),
        _ => throw new ArgumentException($"an attribute value must be a string, bool, number, null, a list of those or a JsonNode (got {value.GetType().Name})"),
    };
}
