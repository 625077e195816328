using System.Text.Json.Nodes;

namespace Labbook.Tuning;

/// <summary>
/// Where studies and trials live, in the spirit of Optuna's <c>BaseStorage</c>. Ids are storage-wide:
/// a study id per study, a trial id per trial over all studies; trial numbers are dense per study.
/// Implementations are safe to call from several threads; <see cref="JournalStorage"/> also from
/// several processes.
/// </summary>
public interface IStudyStorage
{
    /// <summary>True when other processes may write the same storage (so running trials need a heartbeat).</summary>
    bool IsShared { get; }

    /// <summary>Creates a study; throws <see cref="DuplicateStudyException"/> when the name is taken.</summary>
    int CreateStudy(string name, StudyDirection direction);

    /// <summary>The id of the study named <paramref name="name"/>, or null.</summary>
    int? FindStudy(string name);

    /// <summary>The names of all studies, in creation order.</summary>
    IReadOnlyList<string> GetStudyNames();

    /// <summary>The directions of a study (one per objective).</summary>
    IReadOnlyList<StudyDirection> GetStudyDirections(int studyId);

    /// <summary>Sets one study user attribute.</summary>
    void SetStudyUserAttr(int studyId, string key, JsonNode? value);

    /// <summary>Sets one study system attribute.</summary>
    void SetStudySystemAttr(int studyId, string key, JsonNode? value);

    /// <summary>The study's user attributes.</summary>
    IReadOnlyDictionary<string, JsonNode?> GetStudyUserAttrs(int studyId);

    /// <summary>The study's system attributes.</summary>
    IReadOnlyDictionary<string, JsonNode?> GetStudySystemAttrs(int studyId);

    /// <summary>
    /// Creates a trial and returns its id: RUNNING and started now when <paramref name="template"/> is null,
    /// otherwise a copy of the template (state, values, params, attrs, intermediate values; e.g. a WAITING
    /// trial for <see cref="Study.EnqueueTrial"/>). Number and id of the template are ignored.
    /// </summary>
    int CreateTrial(int studyId, FrozenTrial? template = null);

    /// <summary>
    /// Records parameters of a running trial, in one durable write where the storage can batch.
    /// A parameter whose distribution is incompatible with an earlier trial's throws <see cref="ArgumentException"/>.
    /// </summary>
    void SetTrialParams(int trialId, IReadOnlyList<TrialParam> parameters);

    /// <summary>
    /// Sets the state (and value) of a trial, as Optuna does: returns false when the trial is already finished,
    /// or when <paramref name="state"/> is RUNNING and another worker started the trial first.
    /// </summary>
    bool SetTrialStateValues(int trialId, TrialState state, IReadOnlyList<double>? values = null);

    /// <summary>
    /// Finishes a running trial: records <paramref name="parameters"/>, then <paramref name="systemAttrs"/>, then the
    /// state and values, in one durable write where the storage can batch. Returns false (recording nothing) when the
    /// trial had already finished, e.g. failed as stale by another worker.
    /// </summary>
    bool FinishTrial(int trialId, IReadOnlyList<TrialParam> parameters, IReadOnlyDictionary<string, JsonNode?> systemAttrs, TrialState state, IReadOnlyList<double>? values)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(systemAttrs);
        return Exclusive(() =>
        {
            if (GetTrial(trialId).State.IsFinished())
            {
                return false;
            }
            if (parameters.Count > 0)
            {
                SetTrialParams(trialId, parameters);
            }
            foreach (var (key, value) in systemAttrs)
            {
                SetTrialSystemAttr(trialId, key, value);
            }
            return SetTrialStateValues(trialId, state, values);
        });
    }

    /// <summary>Records an intermediate value (a later value for the same step replaces it).</summary>
    void SetTrialIntermediateValue(int trialId, int step, double value);

    /// <summary>Sets one user attribute of an unfinished trial.</summary>
    void SetTrialUserAttr(int trialId, string key, JsonNode? value);

    /// <summary>Sets one system attribute of an unfinished trial.</summary>
    void SetTrialSystemAttr(int trialId, string key, JsonNode? value);

    /// <summary>A snapshot of one trial.</summary>
    FrozenTrial GetTrial(int trialId);

    /// <summary>Snapshots of all trials of a study in number order, after catching up with other writers.</summary>
    IReadOnlyList<FrozenTrial> GetAllTrials(int studyId);

    /// <summary>
    /// Runs <paramref name="action"/> while no other writer of this storage (thread or process) can write,
    /// after catching up with everything written so far, so that a read-check-write sequence is atomic
    /// (the trial budget, popping an enqueued trial, reclaiming a stale trial). Calls may nest.
    /// </summary>
    T Exclusive<T>(Func<T> action);

    /// <summary>
    /// Returns once everything written so far is durable (on disk, for a file storage that defers its fsyncs).
    /// <see cref="Study.Optimize"/> calls it before returning. Default: nothing.
    /// </summary>
    void Flush()
    {
    }
}

/// <summary>One parameter of a trial: name, internal value and distribution.</summary>
/// <param name="Name">The parameter name.</param>
/// <param name="InternalValue">The value in internal representation (see <see cref="Distribution"/>).</param>
/// <param name="Distribution">The distribution it was drawn from.</param>
public readonly record struct TrialParam(string Name, double InternalValue, Distribution Distribution);

/// <summary>A study of that name already exists in the storage.</summary>
public sealed class DuplicateStudyException : InvalidOperationException
{
    /// <summary>Creates the exception for <paramref name="studyName"/>.</summary>
    public DuplicateStudyException(string studyName)
        : base($"a study named '{studyName}' already exists (pass loadIfExists: true to continue it)")
    {
        StudyName = studyName;
    }

    /// <summary>The name that is taken.</summary>
    public string StudyName { get; }
}
