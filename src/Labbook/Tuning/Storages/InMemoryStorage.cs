using System.Text.Json.Nodes;
using Labbook.Tuning.Storages;

namespace Labbook.Tuning;

/// <summary>Keeps studies in this process's memory: fast, gone when the process ends.</summary>
public sealed class InMemoryStorage : IStudyStorage
{
    private readonly StorageModel _model = new();
    private readonly Lock _gate = new();

    /// <inheritdoc/>
    public bool IsShared => false;

    /// <summary>"memory", for messages.</summary>
    public override string ToString() => "memory";

    /// <inheritdoc/>
    public int CreateStudy(string name, StudyDirection direction)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_gate)
        {
            return _model.CreateStudy(name, [direction]) ?? throw new DuplicateStudyException(name);
        }
    }

    /// <inheritdoc/>
    public int? FindStudy(string name)
    {
        lock (_gate)
        {
            return _model.FindStudy(name);
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> GetStudyNames()
    {
        lock (_gate)
        {
            return _model.StudyNames();
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<StudyDirection> GetStudyDirections(int studyId)
    {
        lock (_gate)
        {
            return _model.Study(studyId).Directions;
        }
    }

    /// <inheritdoc/>
    public void SetStudyUserAttr(int studyId, string key, JsonNode? value)
    {
        lock (_gate)
        {
            _ = _model.Study(studyId);
            _model.SetStudyAttr(studyId, true, key, value);
        }
    }

    /// <inheritdoc/>
    public void SetStudySystemAttr(int studyId, string key, JsonNode? value)
    {
        lock (_gate)
        {
            _ = _model.Study(studyId);
            _model.SetStudyAttr(studyId, false, key, value);
        }
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, JsonNode?> GetStudyUserAttrs(int studyId)
    {
        lock (_gate)
        {
            return new Dictionary<string, JsonNode?>(_model.Study(studyId).UserAttrs);
        }
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, JsonNode?> GetStudySystemAttrs(int studyId)
    {
        lock (_gate)
        {
            return new Dictionary<string, JsonNode?>(_model.Study(studyId).SystemAttrs);
        }
    }

    /// <inheritdoc/>
    public int CreateTrial(int studyId, FrozenTrial? template = null)
    {
        lock (_gate)
        {
            _ = _model.Study(studyId);
            var record = template is null ? new TrialRecord { Start = DateTime.Now } : TrialRecord.FromTemplate(template);
            return _model.CreateTrial(studyId, record, null)!.Value;
        }
    }

    /// <inheritdoc/>
    public void SetTrialParams(int trialId, IReadOnlyList<TrialParam> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        lock (_gate)
        {
            foreach (var p in parameters)
            {
                _model.ValidateParam(trialId, p.Name, p.Distribution);
                _model.SetParam(trialId, p.Name, p.InternalValue, p.Distribution);
            }
        }
    }

    /// <inheritdoc/>
    public bool SetTrialStateValues(int trialId, TrialState state, IReadOnlyList<double>? values = null)
    {
        lock (_gate)
        {
            _ = _model.Trial(trialId);
            var now = DateTime.Now;
            return _model.SetStateValues(trialId, state, values, now, now, null);
        }
    }

    /// <inheritdoc/>
    public void SetTrialIntermediateValue(int trialId, int step, double value)
    {
        lock (_gate)
        {
            _model.ValidateUpdatable(trialId);
            _model.SetIntermediate(trialId, step, value);
        }
    }

    /// <inheritdoc/>
    public void SetTrialUserAttr(int trialId, string key, JsonNode? value)
    {
        lock (_gate)
        {
            _model.ValidateUpdatable(trialId);
            _model.SetTrialAttr(trialId, true, key, value);
        }
    }

    /// <inheritdoc/>
    public void SetTrialSystemAttr(int trialId, string key, JsonNode? value)
    {
        lock (_gate)
        {
            _model.ValidateUpdatable(trialId);
            _model.SetTrialAttr(trialId, false, key, value);
        }
    }

    /// <inheritdoc/>
    public FrozenTrial GetTrial(int trialId)
    {
        lock (_gate)
        {
            return _model.Trial(trialId).Freeze();
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<FrozenTrial> GetAllTrials(int studyId)
    {
        lock (_gate)
        {
            return _model.Trials(studyId);
        }
    }

    /// <inheritdoc/>
    public T Exclusive<T>(Func<T> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        lock (_gate)
        {
            return action();
        }
    }
}
