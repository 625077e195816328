using System.Text;
using System.Text.Json.Nodes;

namespace Labbook.Tuning.Pruners;

/// <summary>
/// Hyperband, as Optuna's <c>HyperbandPruner</c> with its defaults: several successive-halving brackets with
/// different early-stopping rates; each trial is assigned to a bracket by a hash of the study name and its
/// number (the same hash as Optuna, so Python and Labbook workers agree) and competes only within it.
/// </summary>
public sealed class HyperbandPruner : IPruner
{
    private readonly int _minResource;
    private readonly int _reductionFactor;
    private readonly int _bootstrapCount;
    private readonly Lock _gate = new();
    private readonly List<SuccessiveHalvingPruner> _pruners = [];
    private readonly List<int> _budgets = [];
    private int? _maxResource;
    private int _totalBudget;

    /// <summary>Creates the pruner.</summary>
    /// <param name="minResource">Steps before the first rung of the most aggressive bracket.</param>
    /// <param name="maxResource">The longest a trial runs, in steps; null takes the longest completed trial's last step + 1 ("auto").</param>
    /// <param name="reductionFactor">Keep the top 1/<paramref name="reductionFactor"/> at each rung.</param>
    /// <param name="bootstrapCount">See <see cref="SuccessiveHalvingPruner"/> (needs an explicit <paramref name="maxResource"/>).</param>
    public HyperbandPruner(int minResource = 1, int? maxResource = null, int reductionFactor = 3, int bootstrapCount = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minResource, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(reductionFactor, 2);
        if (bootstrapCount > 0 && maxResource is null)
        {
            throw new ArgumentException("bootstrapCount > 0 needs an explicit maxResource");
        }
        _minResource = minResource;
        _maxResource = maxResource;
        _reductionFactor = reductionFactor;
        _bootstrapCount = bootstrapCount;
    }

    /// <inheritdoc/>
    public bool Prune(ITrialHistory study, FrozenTrial trial)
    {
        ArgumentNullException.ThrowIfNull(study);
        ArgumentNullException.ThrowIfNull(trial);
        lock (_gate)
        {
            if (_pruners.Count == 0 && !TryInitialize(study))
            {
                return false;
            }
        }
        var bracket = BracketOf(study.StudyName, trial.Number);
        return _pruners[bracket].Prune(new BracketHistory(study, this, bracket), trial);
    }

    private bool TryInitialize(ITrialHistory study)
    {
        if (_maxResource is null)
        {
            var steps = study.GetTrials(TrialState.Complete).Select(PrunerMath.LastStep).OfType<int>().ToArray();
            if (steps.Length == 0)
            {
                return false;
            }
            _maxResource = steps.Max() + 1;
        }
        var brackets = (int)Math.Floor(Math.Log((double)_maxResource.Value / _minResource, _reductionFactor)) + 1;
        brackets = Math.Max(brackets, 1);
        for (var id = 0; id < brackets; id++)
        {
            var s = brackets - 1 - id;
            var budget = (int)Math.Ceiling(brackets * Math.Pow(_reductionFactor, s) / (s + 1));
            _budgets.Add(budget);
            _totalBudget += budget;
            _pruners.Add(new SuccessiveHalvingPruner(_minResource, _reductionFactor, id, _bootstrapCount));
        }
        return true;
    }

    private int BracketOf(string studyName, int number)
    {
        var n = (long)(PrunerMath.Crc32(Encoding.UTF8.GetBytes(studyName + "_" + number.ToString(System.Globalization.CultureInfo.InvariantCulture))) % (uint)_totalBudget);
        for (var id = 0; id < _budgets.Count; id++)
        {
            n -= _budgets[id];
            if (n < 0)
            {
                return id;
            }
        }
        return _budgets.Count - 1;
    }

    private sealed class BracketHistory(ITrialHistory inner, HyperbandPruner owner, int bracket) : ITrialHistory
    {
        public StudyDirection Direction => inner.Direction;

        public string StudyName => inner.StudyName;

        public IReadOnlyList<FrozenTrial> GetTrials(params TrialState[] states) =>
            inner.GetTrials(states).Where(t => owner.BracketOf(inner.StudyName, t.Number) == bracket).ToArray();

        public void SetTrialSystemAttr(FrozenTrial trial, string key, JsonNode? value) => inner.SetTrialSystemAttr(trial, key, value);
    }
}
