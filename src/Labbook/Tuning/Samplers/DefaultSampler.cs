namespace Labbook.Tuning.Samplers;

/// <summary>The sampler a study uses when none is given.</summary>
public static class DefaultSampler
{
    /// <summary>
    /// Creates the default sampler: an <see cref="AutoSampler"/> (see there for what it does and why).
    /// </summary>
    /// <param name="seed">Seed for reproducible draws, or null.</param>
    public static ISampler Create(int? seed = null) => new AutoSampler(seed);
}

/// <summary>
/// Adapts to the space: multivariate TPE throughout for spaces with categorical or conditional
/// parameters; for all-numeric spaces of two or more dimensions, multivariate TPE for the first
/// <c>switchAfter</c> completed trials, then CMA-ES started at the best trial so far.
/// </summary>
public sealed class AutoSampler : ISampler
{
    private readonly TpeSampler _tpe;
    private readonly CmaEsSampler _cmaEs;
    private readonly int _switchAfter;
    private readonly IntersectionSearchSpace _searchSpace = new(includePruned: false);

    /// <summary>Creates the adaptive sampler.</summary>
    /// <param name="seed">Seed for reproducible draws.</param>
    /// <param name="switchAfter">Completed trials after which all-numeric spaces switch from TPE to CMA-ES.</param>
    public AutoSampler(int? seed = null, int switchAfter = 40)
    {
        _tpe = new TpeSampler(seed, multivariate: true);
        _cmaEs = new CmaEsSampler(seed is { } s ? unchecked(s + 7) : null, independentSampler: _tpe, warmStart: true);
        _switchAfter = switchAfter;
    }

    private ISampler Choose(ITrialHistory study)
    {
        var completed = study.GetTrials(TrialState.Complete);
        if (completed.Count < _switchAfter)
        {
            return _tpe;
        }
        var space = _searchSpace.Calculate(study);
        var numeric = 0;
        foreach (var (_, distribution) in space)
        {
            if (distribution is CategoricalDistribution)
            {
                return _tpe;
            }
            numeric += distribution.IsSingle ? 0 : 1;
        }
        // Conditional parameters (seen in some trials only) make the space tree-shaped: TPE handles it.
        var last = completed[^1];
        if (numeric < 2 || last.Distributions.Count != space.Count)
        {
            return _tpe;
        }
        return _cmaEs;
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, Distribution> InferRelativeSearchSpace(ITrialHistory study, FrozenTrial trial) =>
        Choose(study).InferRelativeSearchSpace(study, trial);

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, double> SampleRelative(ITrialHistory study, FrozenTrial trial, IReadOnlyDictionary<string, Distribution> searchSpace) =>
        Choose(study).SampleRelative(study, trial, searchSpace);

    /// <inheritdoc/>
    public double SampleIndependent(ITrialHistory study, FrozenTrial trial, string paramName, Distribution distribution) =>
        _tpe.SampleIndependent(study, trial, paramName, distribution);
}
