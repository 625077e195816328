namespace Labbook.Tuning.Pruners;

/// <summary>
/// Waits <c>patience</c> steps without improvement (by more than <c>minDelta</c>) before pruning, or before
/// asking a wrapped pruner (Optuna's <c>PatientPruner</c>).
/// </summary>
public sealed class PatientPruner : IPruner
{
    private readonly IPruner? _wrapped;
    private readonly int _patience;
    private readonly double _minDelta;

    /// <summary>Creates the pruner.</summary>
    /// <param name="wrappedPruner">Asked once patience has run out; null prunes right away.</param>
    /// <param name="patience">Steps without improvement to tolerate.</param>
    /// <param name="minDelta">How much better a value must be to count as an improvement.</param>
    public PatientPruner(IPruner? wrappedPruner, int patience, double minDelta = 0.0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(patience);
        if (!(minDelta >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(minDelta), "minDelta cannot be negative");
        }
        _wrapped = wrappedPruner;
        _patience = patience;
        _minDelta = minDelta;
    }

    /// <inheritdoc/>
    public bool Prune(ITrialHistory study, FrozenTrial trial)
    {
        ArgumentNullException.ThrowIfNull(study);
        ArgumentNullException.ThrowIfNull(trial);
        if (trial.IntermediateValues.Count <= _patience + 1)
        {
            return false;
        }
        var steps = trial.IntermediateValues.Keys.Order().ToArray();
        var split = steps.Length - _patience - 1;
        var before = steps[..split].Select(s => trial.IntermediateValues[s]);
        var after = steps[split..].Select(s => trial.IntermediateValues[s]);
        var maybePrune = study.Direction == StudyDirection.Maximize
            ? PrunerMath.NanBest(before, StudyDirection.Maximize) - _minDelta > PrunerMath.NanBest(after, StudyDirection.Maximize)
            : PrunerMath.NanBest(before, StudyDirection.Minimize) + _minDelta < PrunerMath.NanBest(after, StudyDirection.Minimize);
        return maybePrune && (_wrapped?.Prune(study, trial) ?? true);
    }
}
