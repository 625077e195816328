namespace Labbook.Tuning;

/// <summary>
/// CMA-ES over the continuous and integer parameters of the intersection search space, after
/// Optuna's <c>CmaEsSampler</c> on the <c>cmaes</c> library: the search runs in the unit cube (log
/// parameters on a log scale, integers rounded), starting at the centre with sigma0 = 1/6 (the
/// smallest range over 6) and population 4 + floor(3 ln d). A generation is told once that many of
/// its trials have completed. Categorical parameters, parameters outside the relative space, the
/// first <c>nStartupTrials</c> trials and one-dimensional spaces go to the independent sampler.
/// Restart-free; the state lives in memory (a resumed study starts a fresh search).
/// </summary>
public sealed class CmaEsSampler : ISampler
{
    private readonly Random _random;

    /// <summary>With a seed, each trial's sample comes from (seed, trial number): see <see cref="TrialRandom"/>.</summary>
    private readonly int? _seed;
    private readonly Lock _gate = new();
    private readonly ISampler _independentSampler;
    private readonly int _nStartupTrials;
    private readonly int? _populationSize;
    private readonly bool _warmStart;
    private readonly double _sigma0;
    private readonly IntersectionSearchSpace _searchSpace = new(includePruned: false);
    private readonly Dictionary<int, (int Generation, double[] X)> _asked = [];
    private CmaEs? _cma;
    private string[] _names = [];
    private Distribution[] _distributions = [];

    /// <summary>Creates a CMA-ES sampler.</summary>
    /// <param name="seed">Seed for reproducible draws (also seeds the default independent sampler).</param>
    /// <param name="nStartupTrials">Trials sampled by the independent sampler before CMA-ES starts.</param>
    /// <param name="independentSampler">For categorical and non-relative parameters; default <see cref="RandomSampler"/>.</param>
    /// <param name="populationSize">Population size; default 4 + floor(3 ln d).</param>
    /// <param name="warmStart">
    /// Start the search at the best completed trial instead of the centre (not in Optuna 3.1; used by
    /// <see cref="AutoSampler"/> after its Gaussian-process phase).
    /// </param>
    /// <param name="sigma0">Initial step size in the unit cube; default 1/6 (Optuna: the smallest range over 6).</param>
    public CmaEsSampler(int? seed = null, int nStartupTrials = 0, ISampler? independentSampler = null, int? populationSize = null, bool warmStart = false, double sigma0 = 1.0 / 6.0)
    {
        if (!(sigma0 > 0 && sigma0 <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(sigma0), "sigma0 must be in (0, 1]");
        }
        _sigma0 = sigma0;
        ArgumentOutOfRangeException.ThrowIfNegative(nStartupTrials);
        if (populationSize is { } p)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(p, 2, nameof(populationSize));
        }
        _seed = seed;
        _random = seed is { } s ? new Random(s) : new Random();
        _independentSampler = independentSampler ?? new RandomSampler(seed is { } s2 ? unchecked(s2 + 1) : null);
        _nStartupTrials = nStartupTrials;
        _populationSize = populationSize;
        _warmStart = warmStart;
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, Distribution> InferRelativeSearchSpace(ITrialHistory study, FrozenTrial trial)
    {
        var result = _searchSpace.CalculateSampled(study, numericOnly: true);
        // One dimension: CMA-ES is not defined well there (as Optuna, fall back).
        return result.Count >= 2 ? result : new Dictionary<string, Distribution>(StringComparer.Ordinal);
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, double> SampleRelative(ITrialHistory study, FrozenTrial trial, IReadOnlyDictionary<string, Distribution> searchSpace)
    {
        ArgumentNullException.ThrowIfNull(study);
        ArgumentNullException.ThrowIfNull(trial);
        ArgumentNullException.ThrowIfNull(searchSpace);
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        if (searchSpace.Count == 0)
        {
            return result;
        }
        var completed = study.GetTrials(TrialState.Complete);
        if (completed.Count < _nStartupTrials)
        {
            return result;
        }
        var sign = study.Direction == StudyDirection.Maximize ? -1.0 : 1.0;
        lock (_gate)
        {
            if (_cma is null || !SameSpace(searchSpace))
            {
                Initialize(searchSpace, completed, sign);
            }
            var cma = _cma!;
            // Tell the current generation once enough of its trials have completed.
            var generation = new List<(double[] X, double Value)>();
            foreach (var t in completed)
            {
                if (t.Value is { } v && !double.IsNaN(v) && _asked.TryGetValue(t.Number, out var a) && a.Generation == cma.Generation)
                {
                    generation.Add((a.X, sign * v));
                    if (generation.Count == cma.PopulationSize)
                    {
                        break;
                    }
                }
            }
            if (generation.Count == cma.PopulationSize)
            {
                cma.Tell(generation);
            }
            var x = cma.Ask(_seed is { } seed ? TrialRandom.For(seed, trial.Number, TrialRandom.Key(_names), TrialRandom.Purpose.CmaEs) : _random);
            _asked[trial.Number] = (cma.Generation, x);
            for (var i = 0; i < _names.Length; i++)
            {
                result[_names[i]] = UnitCube.FromUnit(_distributions[i], x[i]);
            }
            return result;
        }
    }

    /// <inheritdoc/>
    public double SampleIndependent(ITrialHistory study, FrozenTrial trial, string paramName, Distribution distribution) =>
        _independentSampler.SampleIndependent(study, trial, paramName, distribution);

    /// <inheritdoc/>
    public void BeforeTrial(ITrialHistory study, FrozenTrial trial) => _independentSampler.BeforeTrial(study, trial);

    /// <inheritdoc/>
    public void AfterTrial(ITrialHistory study, FrozenTrial trial, TrialState state, double? value) =>
        _independentSampler.AfterTrial(study, trial, state, value);

    private bool SameSpace(IReadOnlyDictionary<string, Distribution> space)
    {
        if (space.Count != _names.Length)
        {
            return false;
        }
        for (var i = 0; i < _names.Length; i++)
        {
            if (!space.TryGetValue(_names[i], out var d) || !d.Equals(_distributions[i]))
            {
                return false;
            }
        }
        return true;
    }

    private void Initialize(IReadOnlyDictionary<string, Distribution> space, IReadOnlyList<FrozenTrial> completed, double sign)
    {
        _names = [.. space.Keys.OrderBy(k => k, StringComparer.Ordinal)];
        _distributions = [.. _names.Select(n => space[n])];
        var mean = new double[_names.Length];
        Array.Fill(mean, 0.5);
        if (_warmStart)
        {
            FrozenTrial? best = null;
            foreach (var t in completed)
            {
                if (t.Value is { } v && !double.IsNaN(v) && (best is null || sign * v < sign * best.Value!.Value) && _names.All(t.InternalParams.ContainsKey))
                {
                    best = t;
                }
            }
            if (best is not null)
            {
                for (var i = 0; i < _names.Length; i++)
                {
                    // Keep the start a little inside the cube so the first generation is not half clipped.
                    mean[i] = Math.Clamp(UnitCube.ToUnit(_distributions[i], best.InternalParams[_names[i]]), _sigma0, 1 - _sigma0);
                }
            }
        }
        var population = _populationSize ?? (4 + (int)Math.Floor(3 * Math.Log(_names.Length)));
        _cma = new CmaEs(mean, _sigma0, population);
        _asked.Clear();
    }
}
