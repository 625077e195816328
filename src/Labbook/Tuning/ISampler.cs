namespace Labbook.Tuning;

/// <summary>What a sampler or pruner may read of the study it serves.</summary>
public interface ITrialHistory
{
    /// <summary>The study's direction.</summary>
    StudyDirection Direction { get; }

    /// <summary>All trials of the study, in number order, optionally only those in <paramref name="states"/>.</summary>
    IReadOnlyList<FrozenTrial> GetTrials(params TrialState[] states);
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

    /// <summary>Called when a trial starts, before any sampling. Default: nothing.</summary>
    void BeforeTrial(ITrialHistory study, FrozenTrial trial)
    {
    }

    /// <summary>Called when a trial finishes, before its state is stored. Default: nothing.</summary>
    void AfterTrial(ITrialHistory study, FrozenTrial trial, TrialState state, double? value)
    {
    }
}

/// <summary>Decides whether a running trial should stop early.</summary>
public interface IPruner
{
    /// <summary>True when <paramref name="trial"/>, given its intermediate values so far, should be pruned.</summary>
    bool Prune(ITrialHistory study, FrozenTrial trial);
}
