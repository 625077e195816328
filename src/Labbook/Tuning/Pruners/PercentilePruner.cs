namespace Labbook.Tuning.Pruners;

/// <summary>
/// Prunes a trial whose best intermediate value is worse than the given percentile of the completed trials'
/// values at the same step (Optuna's <c>PercentilePruner</c>, same defaults).
/// </summary>
public sealed class PercentilePruner : IPruner
{
    private readonly double _percentile;
    private readonly int _startupTrials;
    private readonly int _warmupSteps;
    private readonly int _intervalSteps;
    private readonly int _minTrials;

    /// <summary>Creates the pruner.</summary>
    /// <param name="percentile">Keep trials in the top <paramref name="percentile"/> percent (0-100).</param>
    /// <param name="nStartupTrials">No pruning until this many trials completed.</param>
    /// <param name="nWarmupSteps">No pruning before this step.</param>
    /// <param name="intervalSteps">Check every this many steps after the warm-up.</param>
    /// <param name="nMinTrials">No pruning at a step with fewer reported values from completed trials.</param>
    public PercentilePruner(double percentile, int nStartupTrials = 5, int nWarmupSteps = 0, int intervalSteps = 1, int nMinTrials = 1)
    {
        if (!(percentile is >= 0 and <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(percentile), "percentile must be between 0 and 100");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(nStartupTrials);
        ArgumentOutOfRangeException.ThrowIfNegative(nWarmupSteps);
        ArgumentOutOfRangeException.ThrowIfLessThan(intervalSteps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(nMinTrials, 1);
        _percentile = percentile;
        _startupTrials = nStartupTrials;
        _warmupSteps = nWarmupSteps;
        _intervalSteps = intervalSteps;
        _minTrials = nMinTrials;
    }

    /// <inheritdoc/>
    public bool Prune(ITrialHistory study, FrozenTrial trial)
    {
        ArgumentNullException.ThrowIfNull(study);
        ArgumentNullException.ThrowIfNull(trial);
        var completed = study.GetTrials(TrialState.Complete);
        if (completed.Count == 0 || completed.Count < _startupTrials)
        {
            return false;
        }
        if (PrunerMath.LastStep(trial) is not { } step || step < _warmupSteps)
        {
            return false;
        }
        if (!PrunerMath.IsFirstInIntervalStep(step, trial.IntermediateValues.Keys, _warmupSteps, _intervalSteps))
        {
            return false;
        }
        var best = PrunerMath.NanBest(trial.IntermediateValues.Values, study.Direction);
        if (double.IsNaN(best))
        {
            return true;
        }
        var atStep = completed.Where(t => t.IntermediateValues.ContainsKey(step)).Select(t => t.IntermediateValues[step]).ToArray();
        if (atStep.Length < _minTrials)
        {
            return false;
        }
        var p = PrunerMath.NanPercentile(atStep, study.Direction == StudyDirection.Maximize ? 100 - _percentile : _percentile);
        if (double.IsNaN(p))
        {
            return false;
        }
        return study.Direction == StudyDirection.Maximize ? best < p : best > p;
    }
}
