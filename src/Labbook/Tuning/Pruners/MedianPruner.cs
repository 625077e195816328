namespace Labbook.Tuning.Pruners;

/// <summary>
/// Prunes a trial whose best intermediate value is worse than the median of the completed trials' values at
/// the same step (Optuna's <c>MedianPruner</c>, same defaults: 5 startup trials, no warm-up, every step).
/// </summary>
public sealed class MedianPruner : IPruner
{
    private readonly PercentilePruner _inner;

    /// <summary>Creates the pruner.</summary>
    /// <param name="nStartupTrials">No pruning until this many trials completed.</param>
    /// <param name="nWarmupSteps">No pruning before this step.</param>
    /// <param name="intervalSteps">Check every this many steps after the warm-up.</param>
    /// <param name="nMinTrials">No pruning at a step with fewer reported values from completed trials.</param>
    public MedianPruner(int nStartupTrials = 5, int nWarmupSteps = 0, int intervalSteps = 1, int nMinTrials = 1)
    {
        _inner = new PercentilePruner(50, nStartupTrials, nWarmupSteps, intervalSteps, nMinTrials);
    }

    /// <inheritdoc/>
    public bool Prune(ITrialHistory study, FrozenTrial trial) => _inner.Prune(study, trial);
}
