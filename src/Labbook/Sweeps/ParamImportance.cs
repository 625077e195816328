using Labbook.Tuning;

namespace Labbook.Sweeps;

/// <summary>
/// Parameter importance by PED-ANOVA (Watanabe, Bansal and Hutter, "PED-ANOVA: Efficiently
/// Quantifying Hyperparameter Importance in Arbitrary Subspaces", IJCAI 2023,
/// https://arxiv.org/abs/2304.10255), with the settings of Optuna's
/// <c>PedAnovaImportanceEvaluator</c> (baseline quantile 0.1, evaluated on the trials of the study).
/// <para>
/// For each parameter, a Parzen estimator (Scott's-rule bandwidth, a uniform-ish prior kernel, on a
/// grid of at most 50 points in the parameter's own scale, log for log parameters) is fitted to the
/// parameter's values in the top 10 % of trials (at least 2) and to its values in all trials. The
/// importance is the Pearson divergence between the two densities,
/// <c>Σ p_all(x)·(p_top(x)/p_all(x) − 1)²</c>: a parameter whose good trials concentrate in one part of
/// its range is important. Importances are normalized to sum to 1. A conditional parameter is
/// judged on the trials where it is present. See docs/sweep.md.
/// </para>
/// </summary>
public static class ParamImportance
{
    /// <summary>The share of trials taken as the good ones (Optuna's default).</summary>
    public const double BaselineQuantile = 0.1;

    /// <summary>The fewest good trials.</summary>
    public const int MinTopTrials = 2;

    /// <summary>The most grid points a numeric parameter's range is split into (Optuna's default).</summary>
    public const int GridSteps = 50;

    private const double PriorWeight = 1.0;
    private const double Epsilon = 1e-12;

    /// <summary>Importance per parameter (sum 1 when any parameter varies), highest first.</summary>
    /// <param name="trials">The study's trials; only complete ones with a finite value are used.</param>
    /// <param name="direction">Whether low or high values are good.</param>
    public static IReadOnlyList<(string Param, double Importance)> Compute(IReadOnlyList<FrozenTrial> trials, StudyDirection direction = StudyDirection.Minimize)
    {
        ArgumentNullException.ThrowIfNull(trials);
        var complete = trials.Where(t => t.State == TrialState.Complete && t.Value is { } v && double.IsFinite(v)).ToList();
        var sign = direction == StudyDirection.Minimize ? 1.0 : -1.0;
        var names = complete.SelectMany(t => t.Params.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var varying = new List<(string Name, Distribution Dist)>();
        var single = new List<string>();
        foreach (var name in names)
        {
            // The distribution of the latest trial that has the parameter (a space may have been widened).
            var dist = complete.Last(t => t.Distributions.ContainsKey(name)).Distributions[name];
            if (dist.IsSingle)
            {
                single.Add(name);
            }
            else
            {
                varying.Add((name, dist));
            }
        }
        var raw = new List<(string, double)>();
        foreach (var (name, dist) in varying)
        {
            var with = complete.Where(t => t.InternalParams.ContainsKey(name)).Select(t => (Internal: t.InternalParams[name], Loss: sign * t.Value!.Value)).ToList();
            raw.Add((name, with.Count <= MinTopTrials ? 0 : PearsonDivergence(dist, with)));
        }
        var sum = raw.Sum(r => r.Item2);
        var result = raw.Select(r => (r.Item1, sum > 0 ? r.Item2 / sum : 1.0 / raw.Count)).ToList();
        result.AddRange(single.Select(s => (s, 0.0)));
        return [.. result.OrderByDescending(r => r.Item2).ThenBy(r => r.Item1, StringComparer.Ordinal)];
    }

    /// <summary>The Pearson divergence between the parameter's density in the top trials and in all of them.</summary>
    internal static double PearsonDivergence(Distribution dist, List<(double Internal, double Loss)> trials)
    {
        var top = TopTrials(trials);
        double[] pTop, pAll;
        if (dist is CategoricalDistribution cat)
        {
            pTop = CategoricalPdf(Counts(cat.Choices.Count, top.Select(t => (int)t.Internal)));
            pAll = CategoricalPdf(Counts(cat.Choices.Count, trials.Select(t => (int)t.Internal)));
        }
        else
        {
            var grid = Grid(dist);
            pTop = NumericPdf(Counts(grid.Length, top.Select(t => GridIndex(grid, dist, t.Internal))));
            pAll = NumericPdf(Counts(grid.Length, trials.Select(t => GridIndex(grid, dist, t.Internal))));
        }
        var divergence = 0.0;
        for (var k = 0; k < pAll.Length; k++)
        {
            var ratio = ((pTop[k] + Epsilon) / (pAll[k] + Epsilon)) - 1;
            divergence += (pAll[k] + Epsilon) * ratio * ratio;
        }
        return divergence;
    }

    /// <summary>Trials whose loss is at most the larger of the 2nd smallest and the 10 % quantile (inverted CDF).</summary>
    internal static List<(double Internal, double Loss)> TopTrials(List<(double Internal, double Loss)> trials)
    {
        var sorted = trials.Select(t => t.Loss).Order().ToList();
        var quantileIndex = Math.Max(0, (int)Math.Ceiling(BaselineQuantile * sorted.Count) - 1);
        var cutoff = Math.Max(sorted[MinTopTrials - 1], sorted[quantileIndex]);
        return [.. trials.Where(t => t.Loss <= cutoff)];
    }

    /// <summary>Grid points over the parameter's range in its own scale (log for log parameters).</summary>
    internal static double[] Grid(Distribution dist)
    {
        var (low, high, log, steps) = dist switch
        {
            FloatDistribution f => (f.Low, f.High, f.Log, f.Step is { } s ? Math.Min((int)Math.Round((f.High - f.Low) / s) + 1, GridSteps) : GridSteps),
            IntDistribution i when i.Log => ((double)i.Low, (double)i.High, true, Math.Min((int)Math.Ceiling(Math.Log(i.High - i.Low + 1) / Math.Log(2)) + 1, GridSteps)),
            IntDistribution i => (i.Low, i.High, false, (int)Math.Min(((i.High - i.Low) / i.Step) + 1, GridSteps)),
            _ => throw new ArgumentException($"not a numeric distribution: {dist}"),
        };
        if (log)
        {
            (low, high) = (Math.Log(low), Math.Log(high));
        }
        steps = Math.Max(steps, 2);
        var grid = new double[steps];
        for (var k = 0; k < steps; k++)
        {
            grid[k] = low + ((high - low) * k / (steps - 1));
        }
        return grid;
    }

    /// <summary>The grid point a value falls on: the first point at or above value − half a step.</summary>
    internal static int GridIndex(double[] grid, Distribution dist, double internalValue)
    {
        var x = dist is FloatDistribution { Log: true } or IntDistribution { Log: true } ? Math.Log(internalValue) : internalValue;
        var half = (grid[1] - grid[0]) / 2;
        var index = Array.BinarySearch(grid, x - half);
        if (index < 0)
        {
            index = ~index;
        }
        else
        {
            // BinarySearch may land on any equal element; searchsorted (left) wants the first.
            while (index > 0 && grid[index - 1] == x - half)
            {
                index--;
            }
        }
        return Math.Clamp(index, 0, grid.Length - 1);
    }

    private static double[] Counts(int size, IEnumerable<int> indices)
    {
        var counts = new double[size];
        foreach (var i in indices)
        {
            counts[Math.Clamp(i, 0, size - 1)]++;
        }
        return counts;
    }

    /// <summary>
    /// Parzen estimator of grid indices 0..n−1: one discrete truncated normal kernel per occupied
    /// index, weighted by its count, with Scott's-rule bandwidth (at least 0.5/1.64), plus a prior
    /// kernel (centre of the grid, width n) of weight 1.
    /// </summary>
    internal static double[] NumericPdf(double[] counts)
    {
        var n = counts.Length;
        var mus = new List<double>();
        var weights = new List<double>();
        for (var k = 0; k < n; k++)
        {
            if (counts[k] > 0)
            {
                mus.Add(k);
                weights.Add(counts[k]);
            }
        }
        var total = weights.Sum();
        var mean = mus.Select((m, i) => m * weights[i]).Sum() / total;
        var sigmaEst = Math.Sqrt(mus.Select((m, i) => (m - mean) * (m - mean) * weights[i]).Sum() / Math.Max(1, total - 1));
        var cumulative = new double[weights.Count];
        for (var i = 0; i < weights.Count; i++)
        {
            cumulative[i] = weights[i] + (i > 0 ? cumulative[i - 1] : 0);
        }
        var q25 = Math.Floor(total / 4);
        var q75 = Math.Floor(total * 3 / 4);
        var idx25 = Array.FindIndex(cumulative, c => c >= q25);
        var idx75 = Array.FindIndex(cumulative, c => c > q75);
        idx25 = idx25 < 0 ? cumulative.Length : idx25;
        idx75 = idx75 < 0 ? cumulative.Length : idx75;
        var iqr = mus[Math.Min(mus.Count - 1, idx75)] - mus[Math.Min(mus.Count - 1, idx25)];
        var sigma = Math.Max(1.059 * Math.Min(iqr / 1.34, sigmaEst) * Math.Pow(total, -0.2), 0.5 / 1.64);
        var kernels = mus.Select((m, i) => (Mu: m, Sigma: sigma, Weight: weights[i])).ToList();
        kernels.Add((0.5 * (n - 1), n, PriorWeight));
        var weightSum = total + PriorWeight;
        var pdf = new double[n];
        foreach (var (mu, s, w) in kernels)
        {
            var mass = SamplerMath.NormalMass((-0.5 - mu) / s, (n - 0.5 - mu) / s);
            for (var k = 0; k < n; k++)
            {
                pdf[k] += w / weightSum * SamplerMath.NormalMass((k - 0.5 - mu) / s, (k + 0.5 - mu) / s) / mass;
            }
        }
        return pdf;
    }

    /// <summary>
    /// Parzen estimator of a categorical: per observed choice a kernel that puts 1 + w/K on it and
    /// w/K on every choice (K: observed choices + 1), normalized, weighted by its count; plus a
    /// uniform prior kernel of weight 1.
    /// </summary>
    internal static double[] CategoricalPdf(double[] counts)
    {
        var n = counts.Length;
        var observed = counts.Count(c => c > 0);
        var kernelCount = observed + 1;
        var floor = PriorWeight / kernelCount;
        var weightSum = counts.Sum() + PriorWeight;
        var pdf = new double[n];
        for (var c = 0; c < n; c++)
        {
            if (counts[c] <= 0)
            {
                continue;
            }
            var rowSum = (n * floor) + 1;
            for (var k = 0; k < n; k++)
            {
                pdf[k] += counts[c] / weightSum * (floor + (k == c ? 1 : 0)) / rowSum;
            }
        }
        for (var k = 0; k < n; k++)
        {
            pdf[k] += PriorWeight / weightSum / n;
        }
        return pdf;
    }
}
