namespace Labbook.Tuning;

/// <summary>
/// Bayesian optimization with a Gaussian process over the numeric parameters of the intersection
/// search space (unit cube, log parameters on a log scale, integers rounded): the first
/// <c>nStartupTrials</c> points come from a scrambled Sobol sequence; then an ARD Matérn 5/2 GP is
/// fitted to the rank-transformed values (a Gaussian copula, robust to heavy tails such as
/// Rosenbrock's) and the next point maximizes expected improvement, found by random and local
/// search. Categorical and conditional parameters go to the independent sampler. Each trial costs
/// O(n³) in the number of completed trials: meant for budgets of a few hundred trials.
/// </summary>
public sealed class GpSampler : ISampler
{
    private readonly Lock _gate = new();
    private readonly int _seed;
    private readonly int _nStartupTrials;
    private readonly ISampler _independentSampler;
    private readonly IntersectionSearchSpace _searchSpace = new(includePruned: false);
    private GaussianProcess? _gp;
    private string[] _names = [];
    private SobolSequence? _sobol;
    private int _fits;

    /// <summary>Creates a GP sampler.</summary>
    /// <param name="seed">Seed for reproducible draws.</param>
    /// <param name="nStartupTrials">Quasi-random trials before the GP takes over.</param>
    /// <param name="independentSampler">For categorical and non-relative parameters; default <see cref="RandomSampler"/>.</param>
    public GpSampler(int? seed = null, int nStartupTrials = 10, ISampler? independentSampler = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nStartupTrials, 1);
        _seed = seed ?? Random.Shared.Next();
        _nStartupTrials = nStartupTrials;
        _independentSampler = independentSampler ?? new RandomSampler(unchecked(_seed + 1));
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, Distribution> InferRelativeSearchSpace(ITrialHistory study, FrozenTrial trial)
    {
        return _searchSpace.CalculateSampled(study, numericOnly: true, maxCount: SobolSequence.MaxDimension);
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, double> SampleRelative(ITrialHistory study, FrozenTrial trial, IReadOnlyDictionary<string, Distribution> searchSpace)
    {
        ArgumentNullException.ThrowIfNull(study);
        ArgumentNullException.ThrowIfNull(searchSpace);
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        if (searchSpace.Count == 0)
        {
            return result;
        }
        var sign = study.Direction == StudyDirection.Maximize ? -1.0 : 1.0;
        var completed = study.GetTrials(TrialState.Complete);
        lock (_gate)
        {
            var names = searchSpace.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();
            if (!names.SequenceEqual(_names))
            {
                _names = names;
                _gp = new GaussianProcess(names.Length);
                _sobol = new SobolSequence(names.Length, _seed);
                _fits = 0;
            }
            var dists = names.Select(n => searchSpace[n]).ToArray();
            var xs = new List<double[]>();
            var ys = new List<double>();
            foreach (var t in completed)
            {
                if (t.Value is not { } v || double.IsNaN(v))
                {
                    continue;
                }
                var x = new double[names.Length];
                var ok = true;
                for (var i = 0; i < names.Length && ok; i++)
                {
                    ok = t.InternalParams.TryGetValue(names[i], out var value) && t.Distributions.TryGetValue(names[i], out var d) && d.Equals(dists[i]);
                    x[i] = ok ? UnitCube.ToUnit(dists[i], value) : 0;
                }
                if (ok)
                {
                    xs.Add(x);
                    ys.Add(double.IsInfinity(v) ? sign * v * 1e300 : sign * v);
                }
            }
            double[] next;
            if (xs.Count < _nStartupTrials)
            {
                // By trial number, not by the count of observations: a failed or still-running trial does not add
                // one, so the count would hand the next trial the same point again.
                next = _sobol!.Point(Math.Max(0, trial.Number - 1)); // trial 0 is never sampled here (see QmcSampler)
            }
            else
            {
                next = Propose(xs, ys, TrialRandom.For(_seed, trial.Number, TrialRandom.Key(names), TrialRandom.Purpose.GaussianProcess));
            }
            for (var i = 0; i < names.Length; i++)
            {
                result[names[i]] = UnitCube.FromUnit(dists[i], next[i]);
            }
            return result;
        }
    }

    /// <inheritdoc/>
    public double SampleIndependent(ITrialHistory study, FrozenTrial trial, string paramName, Distribution distribution) =>
        _independentSampler.SampleIndependent(study, trial, paramName, distribution);

    private double[] Propose(List<double[]> xs, List<double> ys, Random random)
    {
        var n = xs.Count;
        var d = _names.Length;
        var y = CopulaTransform(ys);
        // Full refits early, shorter warm-started ones later.
        var steps = _fits == 0 ? 100 : n < 60 ? 30 : 15;
        _gp!.Fit([.. xs], y, steps);
        _fits++;
        var best = double.PositiveInfinity;
        for (var i = 0; i < n; i++)
        {
            best = Math.Min(best, y[i]);
        }
        var work = new double[n];
        var lengthscales = _gp.Lengthscales();
        double Score(double[] x)
        {
            var (mean, sd) = _gp!.Predict(x, work);
            return LogExpectedImprovement(best - mean, sd);
        }
        // Candidates: uniform points, and Gaussian perturbations of the best observations.
        var order = Enumerable.Range(0, n).OrderBy(i => y[i]).Take(5).ToArray();
        var bestX = new double[d];
        var bestScore = double.NegativeInfinity;
        void Consider(double[] x)
        {
            var s = Score(x);
            if (s > bestScore)
            {
                bestScore = s;
                Array.Copy(x, bestX, d);
            }
        }
        var candidate = new double[d];
        for (var c = 0; c < 500; c++)
        {
            for (var t = 0; t < d; t++)
            {
                candidate[t] = random.NextDouble();
            }
            Consider(candidate);
        }
        foreach (var i in order)
        {
            for (var c = 0; c < 60; c++)
            {
                var scale = c % 2 == 0 ? 0.5 : 0.1;
                for (var t = 0; t < d; t++)
                {
                    candidate[t] = Math.Clamp(xs[i][t] + (scale * lengthscales[t] * SamplerMath.StandardNormal(random)), 0, 1);
                }
                Consider(candidate);
            }
        }
        // Local search around the best candidate with a shrinking step.
        var step = 0.1;
        var current = (double[])bestX.Clone();
        for (var iteration = 0; iteration < 60; iteration++)
        {
            for (var t = 0; t < d; t++)
            {
                candidate[t] = Math.Clamp(current[t] + (step * Math.Min(lengthscales[t], 1.0) * SamplerMath.StandardNormal(random)), 0, 1);
            }
            var before = bestScore;
            Consider(candidate);
            if (bestScore > before)
            {
                Array.Copy(bestX, current, d);
            }
            else if (iteration % 10 == 9)
            {
                step *= 0.5;
            }
        }
        return bestX;
    }

    /// <summary>Ranks to standard normal quantiles (ties share the mean rank), so one huge value cannot flatten the rest.</summary>
    private static double[] CopulaTransform(List<double> ys)
    {
        var n = ys.Count;
        var order = Enumerable.Range(0, n).OrderBy(i => ys[i]).ToArray();
        var result = new double[n];
        var k = 0;
        while (k < n)
        {
            var end = k;
            while (end + 1 < n && ys[order[end + 1]] == ys[order[k]])
            {
                end++;
            }
            var rank = 0.5 * (k + end);
            var q = InverseNormalCdf((rank + 0.5) / n);
            for (var j = k; j <= end; j++)
            {
                result[order[j]] = q;
            }
            k = end + 1;
        }
        return result;
    }

    private static double InverseNormalCdf(double p)
    {
        double lo = -10, hi = 10;
        for (var i = 0; i < 80; i++)
        {
            var mid = 0.5 * (lo + hi);
            if (SamplerMath.NormalCdf(mid) < p)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }
        return 0.5 * (lo + hi);
    }

    /// <summary>log EI for improvement <paramref name="improvement"/> (best - mean) and sd, stable for very negative z.</summary>
    private static double LogExpectedImprovement(double improvement, double sd)
    {
        var z = improvement / sd;
        if (z > -6)
        {
            var pdf = Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI);
            var ei = sd * ((z * SamplerMath.NormalCdf(z)) + pdf);
            return Math.Log(Math.Max(ei, 1e-300));
        }
        // Asymptotically EI ~ sd * pdf(z) / z^2.
        return Math.Log(sd) - (0.5 * z * z) - (0.5 * Math.Log(2 * Math.PI)) - (2 * Math.Log(-z));
    }
}
