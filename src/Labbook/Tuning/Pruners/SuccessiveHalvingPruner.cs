using System.Text.Json.Nodes;

namespace Labbook.Tuning.Pruners;

/// <summary>
/// Asynchronous successive halving (ASHA), as Optuna's <c>SuccessiveHalvingPruner</c> with its defaults:
/// at each rung (<c>minResource × reductionFactor^(minEarlyStoppingRate + rung)</c> steps) a trial continues only
/// if its value is in the top 1/<c>reductionFactor</c> of the values recorded at that rung so far. The values of
/// each rung are kept in the trials' system attributes <c>completed_rung_N</c>, so workers in several processes
/// compete fairly (and with Optuna workers).
/// </summary>
public sealed class SuccessiveHalvingPruner : IPruner
{
    private readonly int _reductionFactor;
    private readonly int _minEarlyStoppingRate;
    private readonly int _bootstrapCount;
    private int? _minResource;

    /// <summary>Creates the pruner.</summary>
    /// <param name="minResource">Steps before the first rung; null estimates it as Optuna's "auto" does (the longest completed trial's last step / 100, at least 1).</param>
    /// <param name="reductionFactor">Keep the top 1/<paramref name="reductionFactor"/> at each rung (at least 2).</param>
    /// <param name="minEarlyStoppingRate">Shifts the first rung up by this many powers of the reduction factor.</param>
    /// <param name="bootstrapCount">Prune at a rung until more than this many trials reached it (needs an explicit <paramref name="minResource"/>).</param>
    public SuccessiveHalvingPruner(int? minResource = null, int reductionFactor = 4, int minEarlyStoppingRate = 0, int bootstrapCount = 0)
    {
        if (minResource is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(minResource), "minResource must be at least 1 (or null for auto)");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(reductionFactor, 2);
        ArgumentOutOfRangeException.ThrowIfNegative(minEarlyStoppingRate);
        ArgumentOutOfRangeException.ThrowIfNegative(bootstrapCount);
        if (bootstrapCount > 0 && minResource is null)
        {
            throw new ArgumentException("bootstrapCount > 0 needs an explicit minResource");
        }
        _minResource = minResource;
        _reductionFactor = reductionFactor;
        _minEarlyStoppingRate = minEarlyStoppingRate;
        _bootstrapCount = bootstrapCount;
    }

    /// <inheritdoc/>
    public bool Prune(ITrialHistory study, FrozenTrial trial)
    {
        ArgumentNullException.ThrowIfNull(study);
        ArgumentNullException.ThrowIfNull(trial);
        if (PrunerMath.LastStep(trial) is not { } step)
        {
            return false;
        }
        var rung = 0;
        while (trial.SystemAttrs.ContainsKey(RungKey(rung)))
        {
            rung++;
        }
        var value = trial.IntermediateValues[step];
        IReadOnlyList<FrozenTrial>? trials = null;
        while (true)
        {
            if (_minResource is null)
            {
                trials ??= study.GetTrials();
                var lastSteps = trials.Where(t => t.State == TrialState.Complete).Select(PrunerMath.LastStep).OfType<int>().ToArray();
                if (lastSteps.Length == 0)
                {
                    return false;
                }
                _minResource = Math.Max(lastSteps.Max() / 100, 1);
            }
            var promotionStep = _minResource.Value * Math.Pow(_reductionFactor, _minEarlyStoppingRate + rung);
            if (step < promotionStep)
            {
                return false;
            }
            if (double.IsNaN(value))
            {
                return true;
            }
            trials ??= study.GetTrials();
            var key = RungKey(rung);
            study.SetTrialSystemAttr(trial, key, JsonValue.Create(value));
            var competing = trials.Where(t => t.SystemAttrs.ContainsKey(key)).Select(t => (double)t.SystemAttrs[key]!).ToList();
            competing.Add(value);
            if (competing.Count <= _bootstrapCount)
            {
                return true;
            }
            if (!Promotable(value, competing, study.Direction))
            {
                return true;
            }
            rung++;
        }
    }

    private static string RungKey(int rung) => "completed_rung_" + rung.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private bool Promotable(double value, List<double> competing, StudyDirection direction)
    {
        var index = (competing.Count / _reductionFactor) - 1;
        if (index == -1)
        {
            index = 0;
        }
        competing.Sort();
        return direction == StudyDirection.Maximize ? value >= competing[^(index + 1)] : value <= competing[index];
    }
}
