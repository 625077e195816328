namespace Labbook.Tuning;

/// <summary>What a sampler or pruner may read of the study it serves.</summary>
public interface ITrialHistory
{
    /// <summary>The study's direction.</summary>
    StudyDirection Direction { get; }

    /// <summary>All trials of the study, in number order, optionally only those in <paramref name="states"/>.</summary>
    IReadOnlyList<FrozenTrial> GetTrials(params TrialState[] states);

    /// <summary>The study's name (Hyperband assigns brackets by it, as Optuna does). Default: empty.</summary>
    string StudyName => string.Empty;

    /// <summary>
    /// Records a system attribute on an unfinished trial: pruners keep their bookkeeping there, as Optuna's do
    /// (so it is shared with other workers). Default: not supported.
    /// </summary>
    void SetTrialSystemAttr(FrozenTrial trial, string key, System.Text.Json.Nodes.JsonNode? value) =>
        throw new NotSupportedException("this study view cannot record trial attributes");
}

/// <summary>
/// Chooses parameter values. The study calls, for each trial: <see cref="InferRelativeSearchSpace"/>
/// then <see cref="SampleRelative"/> once, when the trial starts (joint sampling of the parameters the
/// sampler knows from earlier trials); then <see cref="SampleIndependent"/> for every suggested
/// parameter that the relative step did not cover. All values are in internal representation.
/// </summary>
public interface ISampler
{
    /// <summary>The parameters to sample jointly for <paramref name="trial"/>; empty for purely independent samplers.</summary>
    IReadOnlyDictionary<string, Distribution> InferRelativeSearchSpace(ITrialHistory study, FrozenTrial trial);

    /// <summary>Samples the relative search space jointly. May return a subset.</summary>
    IReadOnlyDictionary<string, double> SampleRelative(ITrialHistory study, FrozenTrial trial, IReadOnlyDictionary<string, Distribution> searchSpace);

    /// <summary>Samples one parameter on its own.</summary>
    double SampleIndependent(ITrialHistory study, FrozenTrial trial, string paramName, Distribution distribution);

    /// <summary>
    /// Called when a trial starts, before any sampling. The study calls it while holding the storage's writer
    /// lock (right after the trial was created), so what it reads and records is consistent across workers;
    /// keep it short. Default: nothing.
    /// </summary>
    void BeforeTrial(ITrialHistory study, FrozenTrial trial)
    {
    }

    /// <summary>Called when a trial finishes, before its state is stored. Default: nothing.</summary>
    void AfterTrial(ITrialHistory study, FrozenTrial trial, TrialState state, double? value)
    {
    }
}

/// <summary>A sampler with a finite set of candidates (e.g. a grid) that can tell when all are taken.</summary>
public interface IExhaustibleSampler : ISampler
{
    /// <summary>
    /// True when every candidate is taken by a trial (running or finished); the study then starts no new trial.
    /// Called under the storage's writer lock, before a trial is created.
    /// </summary>
    bool IsExhausted(ITrialHistory study);
}

/// <summary>Decides whether a running trial should stop early.</summary>
public interface IPruner
{
    /// <summary>True when <paramref name="trial"/>, given its intermediate values so far, should be pruned.</summary>
    bool Prune(ITrialHistory study, FrozenTrial trial);
}
