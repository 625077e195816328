namespace Labbook.Tuning;

/// <summary>
/// The parameters that every finished trial (complete, and pruned when asked) has, with the same
/// distribution in each, as Optuna's <c>IntersectionSearchSpace</c>. Incremental: each trial is
/// read once, so repeated calls cost one pass over the trial list without parsing.
/// </summary>
public sealed class IntersectionSearchSpace
{
    private readonly bool _includePruned;
    private readonly HashSet<int> _seen = [];
    private readonly Lock _gate = new();
    private Dictionary<string, Distribution>? _space;

    /// <summary>Creates a calculator; pruned trials count as finished when <paramref name="includePruned"/>.</summary>
    public IntersectionSearchSpace(bool includePruned = true)
    {
        _includePruned = includePruned;
    }

    /// <summary>
    /// The part of the intersection a relative sampler models: without single-valued distributions (nothing to
    /// sample), without categoricals when <paramref name="numericOnly"/>, and at most <paramref name="maxCount"/>
    /// parameters, the first by name.
    /// </summary>
    public IReadOnlyDictionary<string, Distribution> CalculateSampled(ITrialHistory history, bool numericOnly = false, int maxCount = int.MaxValue)
    {
        var result = new Dictionary<string, Distribution>(StringComparer.Ordinal);
        foreach (var (name, distribution) in Calculate(history))
        {
            if (!distribution.IsSingle && !(numericOnly && distribution is CategoricalDistribution) && result.Count < maxCount)
            {
                result[name] = distribution;
            }
        }
        return result;
    }

    /// <summary>The intersection over the trials of <paramref name="history"/>, sorted by parameter name.</summary>
    public IReadOnlyDictionary<string, Distribution> Calculate(ITrialHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var trials = _includePruned ? history.GetTrials(TrialState.Complete, TrialState.Pruned) : history.GetTrials(TrialState.Complete);
        lock (_gate)
        {
            for (var i = 0; i < trials.Count; i++)
            {
                var trial = trials[i];
                if (!_seen.Add(trial.TrialId))
                {
                    continue;
                }
                if (_space is null)
                {
                    _space = new Dictionary<string, Distribution>(trial.Distributions, StringComparer.Ordinal);
                    continue;
                }
                List<string>? drop = null;
                foreach (var (name, distribution) in _space)
                {
                    if (!trial.Distributions.TryGetValue(name, out var other) || !other.Equals(distribution))
                    {
                        (drop ??= []).Add(name);
                    }
                }
                if (drop is not null)
                {
                    foreach (var name in drop)
                    {
                        _space.Remove(name);
                    }
                }
            }
            var result = new SortedDictionary<string, Distribution>(StringComparer.Ordinal);
            if (_space is not null)
            {
                foreach (var (name, distribution) in _space)
                {
                    result[name] = distribution;
                }
            }
            return result;
        }
    }
}
