using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace Labbook.Tuning.Storages;

/// <summary>
/// The state of a storage, changed only through Optuna's journal operations with Optuna's replay rules
/// (ops on unknown or finished trials are skipped, duplicate study names are skipped, a RUNNING op on a
/// running trial is skipped, a param incompatible with an earlier trial's is skipped). The in-memory and
/// the journal storages share it, so both behave the same. Not thread-safe: callers lock.
/// </summary>
internal sealed class StorageModel
{
    private readonly Dictionary<int, StudyRecord> _studies = [];
    private readonly List<TrialRecord> _trials = [];
    private int _nextStudyId;

    public int TrialCount => _trials.Count;

    public int? FindStudy(string name)
    {
        foreach (var (id, s) in _studies)
        {
            if (s.Name == name)
            {
                return id;
            }
        }
        return null;
    }

    public IReadOnlyList<string> StudyNames() => _studies.OrderBy(p => p.Key).Select(p => p.Value.Name).ToArray();

    public StudyRecord Study(int studyId) =>
        _studies.TryGetValue(studyId, out var s) ? s : throw new KeyError($"no study with id {studyId}");

    public bool StudyExists(int studyId) => _studies.ContainsKey(studyId);

    public TrialRecord Trial(int trialId) =>
        trialId >= 0 && trialId < _trials.Count ? _trials[trialId] : throw new KeyError($"no trial with id {trialId}");

    public bool TrialExists(int trialId) => trialId >= 0 && trialId < _trials.Count;

    public int? CreateStudy(string name, IReadOnlyList<StudyDirection> directions)
    {
        if (FindStudy(name) is not null)
        {
            return null;
        }
        var id = _nextStudyId++;
        _studies[id] = new StudyRecord(name, directions.ToArray());
        return id;
    }

    public bool DeleteStudy(int studyId) => _studies.Remove(studyId);

    public bool SetStudyAttr(int studyId, bool user, string key, JsonNode? value)
    {
        if (!_studies.TryGetValue(studyId, out var s))
        {
            return false;
        }
        (user ? s.UserAttrs : s.SystemAttrs)[key] = value;
        return true;
    }

    /// <summary>Applies CREATE_TRIAL; returns the new trial id, or null when the study does not exist.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int? CreateTrial(int studyId, TrialRecord record, string? workerId)
    {
        if (!_studies.TryGetValue(studyId, out var s))
        {
            return null;
        }
        var id = _trials.Count;
        record.TrialId = id;
        record.StudyId = studyId;
        record.Number = s.TrialIds.Count;
        if (record.State == TrialState.Running)
        {
            record.Owner = workerId;
        }
        foreach (var (name, dist) in record.Distributions)
        {
            s.ParamDistributions.TryAdd(name, dist);
        }
        _trials.Add(record);
        s.TrialIds.Add(id);
        return id;
    }

    public bool IsUpdatable(int trialId) => TrialExists(trialId) && !_trials[trialId].State.IsFinished();

    /// <summary>Throws when a writer may not set this param (Optuna raises to the writer; replay skips).</summary>
    public void ValidateParam(int trialId, string name, Distribution distribution)
    {
        ValidateUpdatable(trialId);
        var study = _studies[_trials[trialId].StudyId];
        if (study.ParamDistributions.TryGetValue(name, out var earlier) && !Compatible(earlier, distribution))
        {
            throw new ArgumentException($"parameter '{name}' was suggested from {earlier} by an earlier trial and cannot now come from {distribution}");
        }
    }

    /// <summary>Throws when a writer may not change this trial.</summary>
    public void ValidateUpdatable(int trialId)
    {
        var t = Trial(trialId);
        if (t.State.IsFinished())
        {
            throw new InvalidOperationException($"trial {t.Number} has already finished and cannot be updated");
        }
    }

    private bool ParamAllowed(int trialId, string name, Distribution distribution) =>
        IsUpdatable(trialId)
        && (!_studies[_trials[trialId].StudyId].ParamDistributions.TryGetValue(name, out var earlier) || Compatible(earlier, distribution));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool SetParam(int trialId, string name, double internalValue, Distribution distribution)
    {
        if (!ParamAllowed(trialId, name, distribution))
        {
            return false;
        }
        var t = _trials[trialId];
        _studies[t.StudyId].ParamDistributions.TryAdd(name, distribution);
        t.Params[name] = internalValue;
        t.Distributions[name] = distribution;
        Invalidate(t);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool SetStateValues(int trialId, TrialState state, IReadOnlyList<double>? values, DateTime? start, DateTime? complete, string? workerId)
    {
        if (!IsUpdatable(trialId))
        {
            return false;
        }
        var t = _trials[trialId];
        if (state == TrialState.Running && t.State == TrialState.Running)
        {
            return false;
        }
        if (state == TrialState.Running)
        {
            t.Start = start;
            t.Owner = workerId;
        }
        if (state.IsFinished())
        {
            t.Complete = complete;
        }
        t.State = state;
        if (values is not null)
        {
            t.Values = values.ToArray();
        }
        Invalidate(t);
        return true;
    }

    public bool SetIntermediate(int trialId, int step, double value)
    {
        if (!IsUpdatable(trialId))
        {
            return false;
        }
        var t = _trials[trialId];
        t.Intermediate[step] = value;
        Invalidate(t);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool SetTrialAttr(int trialId, bool user, string key, JsonNode? value)
    {
        if (!IsUpdatable(trialId))
        {
            return false;
        }
        var t = _trials[trialId];
        (user ? t.UserAttrs : t.SystemAttrs)[key] = value;
        Invalidate(t);
        return true;
    }

    private void Invalidate(TrialRecord t)
    {
        t.Invalidate();
        _studies[t.StudyId].MarkStale(t.Number);
    }

    /// <summary>
    /// The study's trials in number order, as a new array. The study keeps the last snapshot of each trial, so only
    /// trials changed since the previous call are frozen again: samplers read the whole history on every trial, and
    /// visiting thousands of records each time cost more than the sampling.
    /// </summary>
    public IReadOnlyList<FrozenTrial> Trials(int studyId) => Study(studyId).Snapshot(_trials);

    /// <summary>Optuna's <c>check_distribution_compatibility</c>: same kind, and the same choices for categoricals.</summary>
    public static bool Compatible(Distribution a, Distribution b) => (a, b) switch
    {
        (FloatDistribution, FloatDistribution) => true,
        (IntDistribution, IntDistribution) => true,
        (CategoricalDistribution ca, CategoricalDistribution cb) => ca.Equals(cb),
        _ => false,
    };

    internal sealed class StudyRecord(string name, StudyDirection[] directions)
    {
        public string Name { get; } = name;

        public StudyDirection[] Directions { get; } = directions;

        public Dictionary<string, JsonNode?> UserAttrs { get; } = [];

        public Dictionary<string, JsonNode?> SystemAttrs { get; } = [];

        public List<int> TrialIds { get; } = [];

        // The last snapshot's trials, kept so that the next one re-freezes only the trials changed since.
        private FrozenTrial?[] _frozen = new FrozenTrial?[16];
        private int _frozenCount;
        private readonly List<int> _stale = [];

        /// <summary>Notes that trial <paramref name="number"/> changed since the last snapshot.</summary>
        public void MarkStale(int number)
        {
            // A trial the last snapshot did not have is frozen anyway; one already stale is listed once.
            if (number < _frozenCount && _frozen[number] is not null)
            {
                _frozen[number] = null;
                _stale.Add(number);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public FrozenTrial[] Snapshot(List<TrialRecord> records)
        {
            var count = TrialIds.Count;
            if (count > _frozen.Length)
            {
                Array.Resize(ref _frozen, Math.Max(count, _frozen.Length * 2));
            }
            foreach (var number in _stale)
            {
                _frozen[number] = records[TrialIds[number]].Freeze();
            }
            _stale.Clear();
            for (var number = _frozenCount; number < count; number++)
            {
                _frozen[number] = records[TrialIds[number]].Freeze();
            }
            _frozenCount = count;
            var result = new FrozenTrial[count];
            Array.Copy(_frozen, result, count);
            return result;
        }

        public Dictionary<string, Distribution> ParamDistributions { get; } = [];
    }

    internal sealed class KeyError(string message) : KeyNotFoundException(message);
}

/// <summary>A trial as the storage holds it; hands out immutable snapshots, rebuilt only after a change.</summary>
internal sealed class TrialRecord
{
    private FrozenTrial? _frozen;

    public int TrialId { get; set; }

    public int StudyId { get; set; }

    public int Number { get; set; }

    public TrialState State { get; set; } = TrialState.Running;

    public double[]? Values { get; set; }

    public Dictionary<string, double> Params { get; } = [];

    public Dictionary<string, Distribution> Distributions { get; } = [];

    public Dictionary<int, double> Intermediate { get; } = [];

    public Dictionary<string, JsonNode?> UserAttrs { get; } = [];

    public Dictionary<string, JsonNode?> SystemAttrs { get; } = [];

    public DateTime? Start { get; set; }

    public DateTime? Complete { get; set; }

    /// <summary>The worker whose op made the trial RUNNING (Optuna's ownership rule for WAITING trials).</summary>
    public string? Owner { get; set; }

    public void Invalidate() => _frozen = null;

    public FrozenTrial Freeze() => _frozen ??= new FrozenTrial
    {
        Number = Number,
        TrialId = TrialId,
        State = State,
        Value = Values is { Length: 1 } v ? v[0] : null,
        Values = Values?.ToArray(),
        InternalParams = new Dictionary<string, double>(Params),
        Distributions = new Dictionary<string, Distribution>(Distributions),
        IntermediateValues = new Dictionary<int, double>(Intermediate),
        UserAttrs = new Dictionary<string, JsonNode?>(UserAttrs),
        SystemAttrs = new Dictionary<string, JsonNode?>(SystemAttrs),
        DatetimeStart = Start,
        DatetimeComplete = Complete,
    };

    /// <summary>A record copying a template's content (not its id or number).</summary>
    public static TrialRecord FromTemplate(FrozenTrial template)
    {
        var r = new TrialRecord
        {
            State = template.State,
            Values = template.Values?.ToArray() ?? (template.Value is { } v ? [v] : null),
            Start = template.DatetimeStart,
            Complete = template.DatetimeComplete,
        };
        foreach (var (k, p) in template.InternalParams)
        {
            r.Params[k] = p;
        }
        foreach (var (k, d) in template.Distributions)
        {
            r.Distributions[k] = d;
        }
        foreach (var (k, iv) in template.IntermediateValues)
        {
            r.Intermediate[k] = iv;
        }
        foreach (var (k, a) in template.UserAttrs)
        {
            r.UserAttrs[k] = a?.DeepClone();
        }
        foreach (var (k, a) in template.SystemAttrs)
        {
            r.SystemAttrs[k] = a?.DeepClone();
        }
        return r;
    }
}
