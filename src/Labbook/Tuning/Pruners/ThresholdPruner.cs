namespace Labbook.Tuning.Pruners;

/// <summary>
/// Prunes a trial whose latest intermediate value is NaN or leaves [<c>lower</c>, <c>upper</c>]
/// (Optuna's <c>ThresholdPruner</c>).
/// </summary>
public sealed class ThresholdPruner : IPruner
{
    private readonly double _lower;
    private readonly double _upper;
    private readonly int _warmupSteps;
    private readonly int _intervalSteps;

    /// <summary>Creates the pruner; give <paramref name="lower"/>, <paramref name="upper"/> or both.</summary>
    public ThresholdPruner(double? lower = null, double? upper = null, int nWarmupSteps = 0, int intervalSteps = 1)
    {
        if (lower is null && upper is null)
        {
            throw new ArgumentException("give lower, upper or both");
        }
        _lower = lower ?? double.NegativeInfinity;
        _upper = upper ?? double.PositiveInfinity;
        if (_lower > _upper)
        {
            throw new ArgumentException("lower must not exceed upper");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(nWarmupSteps);
        ArgumentOutOfRangeException.ThrowIfLessThan(intervalSteps, 1);
        _warmupSteps = nWarmupSteps;
        _intervalSteps = intervalSteps;
    }

    /// <inheritdoc/>
    public bool Prune(ITrialHistory study, FrozenTrial trial)
    {
        ArgumentNullException.ThrowIfNull(trial);
        if (PrunerMath.LastStep(trial) is not { } step || step < _warmupSteps)
        {
            return false;
        }
        if (!PrunerMath.IsFirstInIntervalStep(step, trial.IntermediateValues.Keys, _warmupSteps, _intervalSteps))
        {
            return false;
        }
        var latest = trial.IntermediateValues[step];
        return double.IsNaN(latest) || latest < _lower || latest > _upper;
    }
}
