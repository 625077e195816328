using Labbook.Tuning;

namespace Labbook.Sweeps;

/// <summary>
/// Parameter importance by the correlation ratio with a bias correction (epsilon squared, a one-way
/// ANOVA effect size): for each parameter, the complete trials are grouped by its value (one group
/// per choice, or up to <see cref="Bins"/> equal-count bins of a numeric parameter), and the share of
/// the objective's variance explained by the group means is
/// <c>ε² = (SS_between − (k − 1)·MS_within) / SS_total</c>, clipped at 0. Importances are these
/// shares normalized to sum to 1. Simpler than fANOVA (no random forest, one parameter at a time, so
/// interactions are not credited), cheap, and deterministic. See docs/sweep.md.
/// </summary>
public static class ParamImportance
{
    /// <summary>The most groups a numeric parameter is split into.</summary>
    public const int Bins = 10;

    /// <summary>Importance per parameter (sum 1 when any is positive), highest first.</summary>
    public static IReadOnlyList<(string Param, double Importance)> Compute(IReadOnlyList<FrozenTrial> trials)
    {
        ArgumentNullException.ThrowIfNull(trials);
        var complete = trials.Where(t => t.State == TrialState.Complete && t.Value is { } v && double.IsFinite(v)).ToList();
        var names = complete.SelectMany(t => t.Params.Keys).Distinct(StringComparer.Ordinal).ToList();
        var raw = new List<(string, double)>();
        foreach (var name in names)
        {
            var points = complete.Where(t => t.Params.ContainsKey(name)).Select(t => (Key: t.Params[name], Value: t.Value!.Value)).ToList();
            raw.Add((name, points.Count < 3 ? 0 : EpsilonSquared(points)));
        }
        var sum = raw.Sum(r => r.Item2);
        return [.. raw.Select(r => (r.Item1, sum > 0 ? r.Item2 / sum : 0)).OrderByDescending(r => r.Item2).ThenBy(r => r.Item1, StringComparer.Ordinal)];
    }

    /// <summary>Bias-corrected share of variance explained by grouping on the parameter (0..1).</summary>
    internal static double EpsilonSquared(List<(object? Key, double Value)> points)
    {
        var groups = Group(points);
        var n = points.Count;
        var k = groups.Count;
        if (k < 2 || n <= k)
        {
            return 0;
        }
        var mean = points.Average(p => p.Value);
        var total = points.Sum(p => (p.Value - mean) * (p.Value - mean));
        if (total <= 0)
        {
            return 0;
        }
        var between = groups.Sum(g => g.Count * Math.Pow(g.Average() - mean, 2));
        var within = total - between;
        var epsilon = (between - ((k - 1) * within / (n - k))) / total;
        return Math.Max(0, epsilon);
    }

    private static List<List<double>> Group(List<(object? Key, double Value)> points)
    {
        var numeric = points.All(p => p.Key is long or int or double);
        var distinct = points.Select(p => p.Key).Distinct().Count();
        if (!numeric || distinct <= Bins)
        {
            return [.. points.GroupBy(p => p.Key?.ToString() ?? "null", StringComparer.Ordinal).Select(g => g.Select(p => p.Value).ToList())];
        }
        // Equal-count bins by the parameter's rank.
        var sorted = points.OrderBy(p => Convert.ToDouble(p.Key, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var bins = Math.Min(Bins, sorted.Count / 2);
        var result = new List<List<double>>();
        for (var b = 0; b < bins; b++)
        {
            var from = b * sorted.Count / bins;
            var to = (b + 1) * sorted.Count / bins;
            result.Add([.. sorted.Skip(from).Take(to - from).Select(p => p.Value)]);
        }
        return result;
    }
}
