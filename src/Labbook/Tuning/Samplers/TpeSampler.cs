namespace Labbook.Tuning;

/// <summary>
/// The Tree-structured Parzen Estimator, after Optuna 3.1's <c>TPESampler</c>: trials are split into
/// the best <c>gamma(n)</c> ("below") and the rest ("above"); a Parzen estimator is fitted to each,
/// <c>nEiCandidates</c> points are drawn from the "below" one and the point with the largest density
/// ratio l(x)/g(x) is chosen. Univariate by default (each parameter on its own, which handles
/// conditional parameters naturally); <c>multivariate</c> models the intersection search space
/// jointly and samples the remaining parameters univariately. With <c>constantLiar</c>, running
/// trials count as the worst observations so that parallel workers spread out.
/// </summary>
/// <remarks>
/// One instance serves one study: parsed parameter values of finished trials are cached by trial
/// number (finished trials never change), which keeps the 1000th trial cheap.
/// </remarks>
public sealed class TpeSampler : ISampler
{
    private static readonly TrialState[] FinishedStates = [TrialState.Complete, TrialState.Pruned];
    private static readonly TrialState[] LiarStates = [TrialState.Complete, TrialState.Pruned, TrialState.Running];

    private readonly Random _random;
    private readonly Lock _gate = new();
    private readonly int _nStartupTrials;
    private readonly int _nEiCandidates;
    private readonly bool _multivariate;
    private readonly bool _constantLiar;
    private readonly Func<int, int> _gamma;
    private readonly Func<int, double[]> _weights;
    private readonly ParzenOptions _univariateOptions;
    private readonly ParzenOptions _multivariateOptions;
    private readonly IntersectionSearchSpace _searchSpace = new(includePruned: true);
    private readonly Dictionary<string, ColumnCache> _columns = new(StringComparer.Ordinal);
    private readonly List<double[]> _scratch = [];
    private int[] _scratchInts = [];
    private readonly ParzenBuffers _aboveBuffers = new();
    private readonly bool _customWeights;
    private int _weightsCount = -1;
    private double[] _defaultWeights = [];
    private Snapshot? _snapshot;

    /// <summary>Creates a TPE sampler; the defaults are Optuna 3.1's.</summary>
    /// <param name="seed">Seed for reproducible draws.</param>
    /// <param name="nStartupTrials">Trials sampled at random before TPE starts (finished trials are counted).</param>
    /// <param name="nEiCandidates">Candidates drawn from l(x) per sample.</param>
    /// <param name="multivariate">Model the intersection search space jointly.</param>
    /// <param name="constantLiar">Count running trials as the worst observations (parallel workers).</param>
    /// <param name="priorWeight">Weight of the prior component.</param>
    /// <param name="considerMagicClip">Lower-bound the bandwidths by range / min(100, 1 + n).</param>
    /// <param name="considerEndpoints">Let the bounds count as neighbours when choosing univariate bandwidths.</param>
    /// <param name="gamma">The size of the "below" set for n observations; default min(ceil(0.1 n), 25).</param>
    /// <param name="weights">Observation weights, oldest first, for n observations; default Optuna's ramp.</param>
    /// <param name="multivariateBandwidth">The constant of Scott's rule in multivariate mode (Optuna: 0.2).</param>
    /// <param name="unscaledDensity">
    /// Score continuous components without their 1/sigma factor, exactly as Optuna 3.1 does (its
    /// truncated-normal log-pdf omits the scale); false uses the true mixture density.
    /// </param>
    public TpeSampler(
        int? seed = null,
        int nStartupTrials = 10,
        int nEiCandidates = 24,
        bool multivariate = false,
        bool constantLiar = false,
        double priorWeight = 1.0,
        bool considerMagicClip = true,
        bool considerEndpoints = false,
        Func<int, int>? gamma = null,
        Func<int, double[]>? weights = null,
        double multivariateBandwidth = 0.2,
        bool unscaledDensity = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nStartupTrials);
        ArgumentOutOfRangeException.ThrowIfLessThan(nEiCandidates, 1);
        if (!(priorWeight > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(priorWeight), "the prior weight must be positive");
        }
        _random = seed is { } s ? new Random(s) : new Random();
        _nStartupTrials = nStartupTrials;
        _nEiCandidates = nEiCandidates;
        _multivariate = multivariate;
        _constantLiar = constantLiar;
        _gamma = gamma ?? DefaultGamma;
        _weights = weights ?? DefaultWeights;
        _customWeights = weights is not null;
        _univariateOptions = new ParzenOptions(priorWeight, considerMagicClip, considerEndpoints, Multivariate: false, multivariateBandwidth, unscaledDensity);
        _multivariateOptions = _univariateOptions with { Multivariate = true };
    }

    /// <summary>Optuna's default gamma: min(ceil(0.1 n), 25).</summary>
    public static int DefaultGamma(int n) => Math.Min((int)Math.Ceiling(0.1 * n), 25);

    /// <summary>Optuna's default weights: 1 for the newest 25 observations, a linear ramp from 1/n for the older ones.</summary>
    public static double[] DefaultWeights(int n)
    {
        var w = new double[n];
        if (n < 25)
        {
            Array.Fill(w, 1.0);
            return w;
        }
        var ramp = n - 25;
        for (var i = 0; i < ramp; i++)
        {
            // numpy.linspace(1/n, 1, ramp)
            w[i] = ramp == 1 ? 1.0 / n : (1.0 / n) + (i * (1.0 - (1.0 / n)) / (ramp - 1));
        }
        for (var i = ramp; i < n; i++)
        {
            w[i] = 1.0;
        }
        return w;
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, Distribution> InferRelativeSearchSpace(ITrialHistory study, FrozenTrial trial)
    {
        var result = new Dictionary<string, Distribution>(StringComparer.Ordinal);
        if (!_multivariate)
        {
            return result;
        }
        foreach (var (name, distribution) in _searchSpace.Calculate(study))
        {
            if (!distribution.IsSingle)
            {
                result[name] = distribution;
            }
        }
        return result;
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, double> SampleRelative(ITrialHistory study, FrozenTrial trial, IReadOnlyDictionary<string, Distribution> searchSpace)
    {
        ArgumentNullException.ThrowIfNull(searchSpace);
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        if (searchSpace.Count == 0)
        {
            return result;
        }
        lock (_gate)
        {
            var snapshot = GetSnapshot(study, trial);
            if (snapshot.Finished < _nStartupTrials)
            {
                return result;
            }
            var names = new string[searchSpace.Count];
            var dims = new ParzenDimension[searchSpace.Count];
            var j = 0;
            foreach (var (name, distribution) in searchSpace)
            {
                names[j] = name;
                dims[j] = ParzenDimension.From(distribution);
                j++;
            }
            var values = SampleTpe(snapshot, names, dims, _multivariateOptions);
            for (var d = 0; d < names.Length; d++)
            {
                result[names[d]] = values[d];
            }
            return result;
        }
    }

    /// <inheritdoc/>
    public double SampleIndependent(ITrialHistory study, FrozenTrial trial, string paramName, Distribution distribution)
    {
        ArgumentNullException.ThrowIfNull(distribution);
        lock (_gate)
        {
            if (distribution.IsSingle)
            {
                return RandomSampler.Sample(_random, distribution);
            }
            var snapshot = GetSnapshot(study, trial);
            if (snapshot.Finished < _nStartupTrials)
            {
                return RandomSampler.Sample(_random, distribution);
            }
            return SampleTpe(snapshot, [paramName], [ParzenDimension.From(distribution)], _univariateOptions)[0];
        }
    }

    private double[] SampleTpe(Snapshot snapshot, string[] names, ParzenDimension[] dims, ParzenOptions options)
    {
        var trials = snapshot.Trials;
        var n = trials.Length;
        var nd = dims.Length;
        var columns = new double[nd][];
        for (var d = 0; d < nd; d++)
        {
            columns[d] = Column(snapshot, names[d], dims[d], Scratch(d, n));
        }
        var belowObs = new double[nd][];
        var aboveObs = new double[nd][];
        for (var d = 0; d < nd; d++)
        {
            belowObs[d] = Scratch(nd + d, n);
            aboveObs[d] = Scratch((2 * nd) + d, n);
        }
        int nBelow = 0, nAbove = 0;
        var runningPresent = false;
        for (var t = 0; t < n; t++)
        {
            var present = true;
            for (var d = 0; d < nd && present; d++)
            {
                present = !double.IsNaN(columns[d][t]);
            }
            if (!present)
            {
                continue;
            }
            runningPresent |= trials[t].State == TrialState.Running;
            var target = snapshot.Below[t] ? belowObs : aboveObs;
            var index = snapshot.Below[t] ? nBelow++ : nAbove++;
            for (var d = 0; d < nd; d++)
            {
                target[d][index] = columns[d][t];
            }
        }
        var below = new ParzenEstimator(dims, belowObs, nBelow, _weights(nBelow), options);
        var aboveWeights = Weights(nAbove);
        var aboveSorted = false;
        if (nd == 1 && !options.Multivariate && !dims[0].IsCategorical && !runningPresent && _columns.TryGetValue(names[0], out var cache))
        {
            // The cache keeps finished values sorted, so the large "above" set arrives sorted without a sort.
            aboveSorted = SortedAbove(snapshot, cache, columns[0], nAbove, aboveObs[0], ref aboveWeights, Scratch(3 * nd, nAbove), ScratchInts(n));
        }
        var above = new ParzenEstimator(dims, aboveObs, nAbove, aboveWeights, options, aboveSorted, _aboveBuffers);
        var candidates = below.Sample(_random, _nEiCandidates);
        // Snap candidates onto their grids first, as Optuna scores the transformed-back values.
        for (var d = 0; d < nd; d++)
        {
            var column = candidates[d];
            for (var i = 0; i < column.Length; i++)
            {
                column[i] = dims[d].IsCategorical ? column[i] : dims[d].ToParzen(dims[d].FromParzen(column[i]));
            }
        }
        var logL = below.LogPdf(candidates, _nEiCandidates);
        var logG = above.LogPdf(candidates, _nEiCandidates);
        var best = 0;
        var bestScore = double.NegativeInfinity;
        for (var i = 0; i < _nEiCandidates; i++)
        {
            var score = logL[i] - logG[i];
            if (score > bestScore)
            {
                bestScore = score;
                best = i;
            }
        }
        var result = new double[nd];
        for (var d = 0; d < nd; d++)
        {
            result[d] = dims[d].FromParzen(candidates[d][best]);
        }
        return result;
    }

    /// <summary>
    /// The weights of the "above" set. Every parameter of a trial usually has the same count, so the default ramp is
    /// computed once per count (nothing writes to it: estimators copy, SortedAbove permutes into a scratch buffer).
    /// </summary>
    private double[] Weights(int n)
    {
        if (_customWeights)
        {
            return _weights(n);
        }
        if (n != _weightsCount)
        {
            _defaultWeights = DefaultWeights(n);
            _weightsCount = n;
        }
        return _defaultWeights;
    }

    /// <summary>
    /// The values of one parameter over the snapshot's trials in the estimator's space (NaN where
    /// absent or drawn from another distribution). Finished trials are immutable, so their values are
    /// parsed once per parameter and kept by trial number; running trials are read each time.
    /// </summary>
    private double[] Column(Snapshot snapshot, string name, ParzenDimension dim, double[] result)
    {
        if (!_columns.TryGetValue(name, out var cache) || !cache.Distribution.Equals(dim.Distribution))
        {
            cache = new ColumnCache(dim.Distribution);
            _columns[name] = cache;
        }
        var trials = snapshot.Trials;
        for (var t = 0; t < trials.Length; t++)
        {
            var trial = trials[t];
            var number = trial.Number;
            var finished = trial.State != TrialState.Running;
            if (finished && number < cache.Known.Length && cache.Known[number])
            {
                result[t] = cache.Values[number];
                continue;
            }
            var value = double.NaN;
            if (trial.InternalParams.TryGetValue(name, out var v)
                && trial.Distributions.TryGetValue(name, out var distribution)
                && (ReferenceEquals(distribution, dim.Distribution) || distribution.Equals(dim.Distribution)))
            {
                value = dim.ToParzen(v);
            }
            result[t] = value;
            if (finished && number >= 0)
            {
                cache.Store(number, value);
            }
        }
        return result;
    }

    /// <summary>
    /// Fills <paramref name="aboveObs"/> with the "above" values in ascending order and permutes the
    /// weights to match (weights follow trial order). False when the cache does not cover the snapshot.
    /// </summary>
    private static bool SortedAbove(Snapshot snapshot, ColumnCache cache, double[] column, int nAbove, double[] aboveObs, ref double[] weights, double[] permuted, int[] rank)
    {
        var trials = snapshot.Trials;
        var indexOf = snapshot.IndexOfNumber();
        // Rank of each above trial in trial order.
        var r = 0;
        for (var t = 0; t < trials.Length; t++)
        {
            rank[t] = !snapshot.Below[t] && !double.IsNaN(column[t]) ? r++ : -1;
        }
        var j = 0;
        for (var i = 0; i < cache.SortedCount; i++)
        {
            var number = cache.SortedNumbers[i];
            var t = number < indexOf.Length ? indexOf[number] : -1;
            if (t < 0 || rank[t] < 0)
            {
                continue;
            }
            if (j == nAbove)
            {
                return false;
            }
            aboveObs[j] = cache.SortedValues[i];
            permuted[j] = weights[rank[t]];
            j++;
        }
        if (j != nAbove)
        {
            return false;
        }
        weights = permuted;
        return true;
    }

    /// <summary>
    /// A reusable buffer of at least <paramref name="length"/> doubles (slot per use within one SampleTpe call). The
    /// sampler runs under its lock and the estimators copy what they keep, so one set of buffers serves every call;
    /// it spares allocating (and the GC collecting) a dozen history-sized arrays per parameter and trial.
    /// </summary>
    private double[] Scratch(int slot, int length)
    {
        while (_scratch.Count <= slot)
        {
            _scratch.Add([]);
        }
        if (_scratch[slot].Length < length)
        {
            _scratch[slot] = new double[Math.Max(length, _scratch[slot].Length * 2)];
        }
        return _scratch[slot];
    }

    private int[] ScratchInts(int length)
    {
        if (_scratchInts.Length < length)
        {
            _scratchInts = new int[Math.Max(length, _scratchInts.Length * 2)];
        }
        return _scratchInts;
    }

    private sealed class ColumnCache(Distribution distribution)
    {
        public double[] SortedValues { get; private set; } = new double[64];

        public int[] SortedNumbers { get; private set; } = new int[64];

        public int SortedCount { get; private set; }

        public Distribution Distribution { get; } = distribution;

        public double[] Values { get; private set; } = new double[64];

        public bool[] Known { get; private set; } = new bool[64];

        public void Store(int number, double value)
        {
            if (number >= Values.Length)
            {
                var size = Math.Max(number + 1, Values.Length * 2);
                var values = Values;
                var known = Known;
                Array.Resize(ref values, size);
                Array.Resize(ref known, size);
                Values = values;
                Known = known;
            }
            Values[number] = value;
            Known[number] = true;
            if (double.IsNaN(value))
            {
                return;
            }
            if (SortedCount == SortedValues.Length)
            {
                var sv = SortedValues;
                var sn = SortedNumbers;
                Array.Resize(ref sv, sv.Length * 2);
                Array.Resize(ref sn, sn.Length * 2);
                SortedValues = sv;
                SortedNumbers = sn;
            }
            // Upper bound: equal values keep trial order.
            int lo = 0, hi = SortedCount;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (SortedValues[mid] <= value)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }
            Array.Copy(SortedValues, lo, SortedValues, lo + 1, SortedCount - lo);
            Array.Copy(SortedNumbers, lo, SortedNumbers, lo + 1, SortedCount - lo);
            SortedValues[lo] = value;
            SortedNumbers[lo] = number;
            SortedCount++;
        }
    }

    /// <summary>The observed trials and their below/above split, built once per sampled trial.</summary>
    private Snapshot GetSnapshot(ITrialHistory study, FrozenTrial trial)
    {
        // Within one trial the history is read once: trials that finish meanwhile count from the next trial on.
        if (_snapshot is { } cached && cached.TrialNumber == trial.Number)
        {
            return cached;
        }
        var all = study.GetTrials(_constantLiar ? LiarStates : FinishedStates);
        var sign = study.Direction == StudyDirection.Maximize ? -1.0 : 1.0;
        var trials = new List<FrozenTrial>(all.Count);
        var key1 = new List<double>(all.Count);
        var key2 = new List<double>(all.Count);
        var finished = 0;
        for (var i = 0; i < all.Count; i++)
        {
            var t = all[i];
            if (t.Number == trial.Number)
            {
                continue;
            }
            switch (t.State)
            {
                case TrialState.Complete when t.Value is { } v && !double.IsNaN(v):
                    key1.Add(double.NegativeInfinity);
                    key2.Add(sign * v);
                    finished++;
                    break;
                case TrialState.Pruned:
                    {
                        var step = int.MinValue;
                        var last = 0.0;
                        foreach (var (s, iv) in t.IntermediateValues)
                        {
                            if (s > step)
                            {
                                step = s;
                                last = iv;
                            }
                        }
                        if (step == int.MinValue)
                        {
                            key1.Add(1.0);
                            key2.Add(0.0);
                        }
                        else
                        {
                            key1.Add(-step);
                            key2.Add(double.IsNaN(last) ? double.PositiveInfinity : sign * last);
                        }
                        finished++;
                        break;
                    }
                case TrialState.Running when _constantLiar:
                    key1.Add(double.PositiveInfinity);
                    key2.Add(double.PositiveInfinity);
                    break;
                default:
                    continue;
            }
            trials.Add(t);
        }
        var below = new bool[trials.Count];
        var nBelow = Math.Min(_gamma(finished), trials.Count);
        // Top-k selection (k <= 25 by default): a small sorted buffer instead of a full sort.
        var top = new int[nBelow];
        var size = 0;
        for (var i = 0; i < trials.Count && nBelow > 0; i++)
        {
            if (size == nBelow && !Less(key1, key2, i, top[size - 1]))
            {
                continue;
            }
            var pos = size == nBelow ? size - 1 : size++;
            while (pos > 0 && Less(key1, key2, i, top[pos - 1]))
            {
                top[pos] = top[pos - 1];
                pos--;
            }
            top[pos] = i;
        }
        for (var i = 0; i < size; i++)
        {
            below[top[i]] = true;
        }
        var snapshot = new Snapshot(trial.Number, all.Count, [.. trials], below, finished);
        _snapshot = snapshot;
        return snapshot;
    }

    private static bool Less(List<double> key1, List<double> key2, int a, int b) =>
        key1[a] < key1[b] || (key1[a] == key1[b] && key2[a] < key2[b]);

    private sealed record Snapshot(int TrialNumber, int SourceCount, FrozenTrial[] Trials, bool[] Below, int Finished)
    {
        private int[]? _indexOfNumber;

        /// <summary>Position in <see cref="Trials"/> by trial number, -1 where absent.</summary>
        public int[] IndexOfNumber()
        {
            if (_indexOfNumber is null)
            {
                var max = -1;
                foreach (var t in Trials)
                {
                    max = Math.Max(max, t.Number);
                }
                _indexOfNumber = new int[max + 1];
                Array.Fill(_indexOfNumber, -1);
                for (var i = 0; i < Trials.Length; i++)
                {
                    if (Trials[i].Number >= 0)
                    {
                        _indexOfNumber[Trials[i].Number] = i;
                    }
                }
            }
            return _indexOfNumber;
        }
    }
}
