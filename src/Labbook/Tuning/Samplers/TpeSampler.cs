using System.Runtime.CompilerServices;

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
    private readonly Random _random;

    /// <summary>With a seed, every draw comes from (seed, trial number, parameters): see <see cref="TrialRandom"/>.</summary>
    private readonly int? _seed;
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
    private readonly ClassifiedHistory _history = new();
    private readonly SnapshotBuffers _snapshotBuffers = new();

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
        _seed = seed;
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
        return _multivariate ? _searchSpace.CalculateSampled(study) : new Dictionary<string, Distribution>(StringComparer.Ordinal);
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
            var values = SampleTpe(snapshot, names, dims, _multivariateOptions, RandomFor(trial, TrialRandom.Key(names), TrialRandom.Purpose.Candidates));
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
                return RandomSampler.Sample(RandomFor(trial, paramName, TrialRandom.Purpose.Independent), distribution);
            }
            var snapshot = GetSnapshot(study, trial);
            if (snapshot.Finished < _nStartupTrials)
            {
                return RandomSampler.Sample(RandomFor(trial, paramName, TrialRandom.Purpose.Independent), distribution);
            }
            return SampleTpe(snapshot, [paramName], [ParzenDimension.From(distribution)], _univariateOptions, RandomFor(trial, paramName, TrialRandom.Purpose.Candidates))[0];
        }
    }

    /// <summary>The generator of one draw: derived from (seed, trial, names) when seeded, else the shared one (under the lock).</summary>
    private Random RandomFor(FrozenTrial trial, string names, TrialRandom.Purpose purpose) =>
        _seed is { } seed ? TrialRandom.For(seed, trial.Number, names, purpose) : _random;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double[] SampleTpe(Snapshot snapshot, string[] names, ParzenDimension[] dims, ParzenOptions options, Random random)
    {
        var n = snapshot.Count;
        var nd = dims.Length;
        var columns = new double[nd][];
        for (var d = 0; d < nd; d++)
        {
            columns[d] = Column(snapshot, names[d], dims[d], Scratch(d, n));
        }
        ParzenEstimator below, above;
        if (nd == 1 && !options.Multivariate && !dims[0].IsCategorical && SplitSorted(snapshot, _columns[names[0]], columns[0]) is { } split)
        {
            below = new ParzenEstimator(dims, [split.Below], split.NBelow, _weights(split.NBelow), options);
            above = new ParzenEstimator(dims, [split.Above], split.NAbove, split.AboveWeights, options, sorted: true, _aboveBuffers);
        }
        else
        {
            var belowObs = new double[nd][];
            var aboveObs = new double[nd][];
            for (var d = 0; d < nd; d++)
            {
                belowObs[d] = Scratch(nd + d, n);
                aboveObs[d] = Scratch((2 * nd) + d, n);
            }
            int nBelow = 0, nAbove = 0;
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
                var target = snapshot.Below[t] ? belowObs : aboveObs;
                var index = snapshot.Below[t] ? nBelow++ : nAbove++;
                for (var d = 0; d < nd; d++)
                {
                    target[d][index] = columns[d][t];
                }
            }
            below = new ParzenEstimator(dims, belowObs, nBelow, _weights(nBelow), options);
            above = new ParzenEstimator(dims, aboveObs, nAbove, Weights(nAbove), options, sorted: false, _aboveBuffers);
        }
        var candidates = below.Sample(random, _nEiCandidates);
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
        var logG = above.IsWindowed ? LogGOfContenders(above, candidates[0], logL) : above.LogPdf(candidates, _nEiCandidates);
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

    // How far around a candidate the bound sums (in bandwidths; at 4, about one candidate in twenty needs the full sum on
    // the 6-d benchmark, at 2 one in three), and how far below the best score a bound must be to drop a candidate: far
    // above the rounding of two sums of the same positive terms.
    private const double BoundZ = 4.0;
    private const double PruneMargin = 1e-9;

    /// <summary>
    /// log g(x) for the candidates that can still win, NaN for the others (branch and bound). Each candidate's score
    /// log l(x) - log g(x) is bounded from above with g summed over the components near it only (all terms are
    /// positive); candidates are then summed in full by decreasing bound until the next bound is below the best exact
    /// score. A dropped candidate cannot be the argmax, and the others get the exact value, so the choice is the one
    /// the full computation makes, candidate for candidate. The full sum over thousands of observations was most of a
    /// trial's cost; with the bound about one candidate in twenty needs it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static double[] LogGOfContenders(ParzenEstimator above, double[] xs, double[] logL)
    {
        var n = logL.Length;
        var blocks = above.NewBlockList();
        var order = new int[n];
        var upper = new double[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
            // Sorted ascending below, so the negated bound of the score puts the most promising candidate first.
            upper[i] = -(logL[i] - above.LogPdfLowerBound(xs[i], BoundZ, blocks));
        }
        Array.Sort(upper, order);
        var logG = new double[n];
        Array.Fill(logG, double.NaN);
        var bestScore = double.NegativeInfinity;
        for (var j = 0; j < n; j++)
        {
            if (-upper[j] < bestScore - PruneMargin)
            {
                break;
            }
            var i = order[j];
            logG[i] = above.LogPdfAt(xs[i], blocks);
            bestScore = Math.Max(bestScore, logL[i] - logG[i]);
        }
        return logG;
    }

    /// <summary>
    /// The weights of the "above" set. Every parameter of a trial usually has the same count, so the default ramp is
    /// computed once per count (nothing writes to it: estimators copy, SplitSorted permutes into a scratch buffer).
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double[] Column(Snapshot snapshot, string name, ParzenDimension dim, double[] result)
    {
        if (!_columns.TryGetValue(name, out var cache) || !cache.Distribution.Equals(dim.Distribution))
        {
            cache = new ColumnCache(dim.Distribution);
            _columns[name] = cache;
        }
        var trials = snapshot.Trials;
        var numbers = snapshot.Numbers;
        var finishedFlags = snapshot.IsFinished;
        var known = cache.Known;
        var values = cache.Values;
        for (var t = 0; t < snapshot.Count; t++)
        {
            var number = numbers[t];
            var finished = finishedFlags[t];
            if (finished && (uint)number < (uint)known.Length && known[number])
            {
                result[t] = values[number];
                continue;
            }
            var trial = trials[t];
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
                known = cache.Known;
                values = cache.Values;
            }
        }
        return result;
    }

    /// <summary>
    /// The split of one parameter's observed values for the univariate model: "below" in trial order, "above" in
    /// ascending order (read from the cache, which keeps finished values sorted, so the large set needs no sort) with
    /// its weights, which follow trial order, permuted to match. Null when a running trial has a value (constant
    /// liar): the cache holds finished trials only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private SortedSplit? SplitSorted(Snapshot snapshot, ColumnCache cache, double[] column)
    {
        var n = snapshot.Count;
        var numbers = snapshot.Numbers;
        var finished = snapshot.IsFinished;
        var isBelow = snapshot.Below;
        // The rank of each "above" trial in trial order, by trial number; -1 for every other number.
        var rankOf = ScratchInts(snapshot.NumberLimit);
        Array.Fill(rankOf, -1, 0, snapshot.NumberLimit);
        var belowObs = Scratch(1, n);
        int nBelow = 0, nAbove = 0;
        for (var t = 0; t < n; t++)
        {
            var value = column[t];
            if (double.IsNaN(value))
            {
                continue;
            }
            if (!finished[t] || numbers[t] < 0)
            {
                return null;
            }
            if (isBelow[t])
            {
                belowObs[nBelow++] = value;
            }
            else
            {
                rankOf[numbers[t]] = nAbove++;
            }
        }
        var weights = Weights(nAbove);
        var aboveObs = Scratch(2, n);
        var aboveWeights = Scratch(3, nAbove);
        var sortedNumbers = cache.SortedNumbers;
        var sortedValues = cache.SortedValues;
        var j = 0;
        for (var i = 0; i < cache.SortedCount; i++)
        {
            var number = sortedNumbers[i];
            var rank = number < snapshot.NumberLimit ? rankOf[number] : -1;
            if (rank < 0)
            {
                continue;
            }
            if (j == nAbove)
            {
                return null;
            }
            aboveObs[j] = sortedValues[i];
            aboveWeights[j] = weights[rank];
            j++;
        }
        return j == nAbove ? new SortedSplit(belowObs, nBelow, aboveObs, nAbove, aboveWeights) : null;
    }

    private sealed record SortedSplit(double[] Below, int NBelow, double[] Above, int NAbove, double[] AboveWeights);

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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Snapshot GetSnapshot(ITrialHistory study, FrozenTrial trial)
    {
        // Within one trial the history is read once: trials that finish meanwhile count from the next trial on.
        if (_snapshot is { } cached && cached.TrialNumber == trial.Number)
        {
            return cached;
        }
        var all = study.GetTrials();
        var sign = study.Direction == StudyDirection.Maximize ? -1.0 : 1.0;
        // The previous snapshot's arrays are reused: a snapshot serves one trial, under the lock, and is then replaced.
        var buffers = _snapshotBuffers.Rent(all.Count);
        var trials = buffers.Trials;
        var key1 = buffers.Key1;
        var key2 = buffers.Key2;
        var numbers = buffers.Numbers;
        var isFinished = buffers.IsFinished;
        var count = 0;
        var finished = 0;
        var numberLimit = 0;
        _history.Resize(all.Count);
        for (var i = 0; i < all.Count; i++)
        {
            var t = all[i];
            if (t.Number == trial.Number)
            {
                continue;
            }
            // The storage hands out the same object until the trial changes, so a trial seen before is not read again.
            if (!ReferenceEquals(_history.Trials[i], t))
            {
                _history.Trials[i] = t;
                (_history.Kinds[i], _history.Key1[i], _history.Key2[i]) = Classify(t, sign);
            }
            var kind = _history.Kinds[i];
            if (kind == Observation.None)
            {
                continue;
            }
            finished += kind == Observation.Finished ? 1 : 0;
            key1[count] = _history.Key1[i];
            key2[count] = _history.Key2[i];
            trials[count] = t;
            numbers[count] = t.Number;
            isFinished[count] = kind == Observation.Finished;
            numberLimit = Math.Max(numberLimit, t.Number + 1);
            count++;
        }
        var below = buffers.Below;
        Array.Clear(below, 0, count);
        var nBelow = Math.Min(_gamma(finished), count);
        // Top-k selection (k <= 25 by default): a small sorted buffer instead of a full sort.
        var top = new int[nBelow];
        var size = 0;
        for (var i = 0; i < count && nBelow > 0; i++)
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
        var snapshot = new Snapshot(trial.Number, count, trials, numbers, isFinished, numberLimit, below, finished);
        _snapshot = snapshot;
        return snapshot;
    }

    /// <summary>Whether a trial is an observation (finished, or running under the constant liar) and its sort keys.</summary>
    private (Observation Kind, double Key1, double Key2) Classify(FrozenTrial t, double sign)
    {
        switch (t.State)
        {
            case TrialState.Complete when t.Value is { } v && !double.IsNaN(v):
                return (Observation.Finished, double.NegativeInfinity, sign * v);
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
                    return step == int.MinValue
                        ? (Observation.Finished, 1.0, 0.0)
                        : (Observation.Finished, -step, double.IsNaN(last) ? double.PositiveInfinity : sign * last);
                }
            case TrialState.Running when _constantLiar:
                return (Observation.Running, double.PositiveInfinity, double.PositiveInfinity);
            default:
                return (Observation.None, 0.0, 0.0);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Less(double[] key1, double[] key2, int a, int b) =>
        key1[a] < key1[b] || (key1[a] == key1[b] && key2[a] < key2[b]);

    private enum Observation : byte
    {
        None,
        Finished,
        Running,
    }

    /// <summary>Each trial of the history as last classified, by position, with the object it was read from.</summary>
    private sealed class ClassifiedHistory
    {
        public FrozenTrial?[] Trials { get; private set; } = [];

        public Observation[] Kinds { get; private set; } = [];

        public double[] Key1 { get; private set; } = [];

        public double[] Key2 { get; private set; } = [];

        public void Resize(int count)
        {
            if (count <= Trials.Length)
            {
                return;
            }
            var size = Math.Max(count, Trials.Length * 2);
            var trials = Trials;
            var kinds = Kinds;
            var key1 = Key1;
            var key2 = Key2;
            Array.Resize(ref trials, size);
            Array.Resize(ref kinds, size);
            Array.Resize(ref key1, size);
            Array.Resize(ref key2, size);
            (Trials, Kinds, Key1, Key2) = (trials, kinds, key1, key2);
        }
    }

    /// <summary>
    /// The observations of one sampled trial: the first <see cref="Count"/> entries of the arrays are the trials,
    /// their numbers, whether each is finished (not a running trial under the constant liar) and the "below" flags;
    /// then one past the largest number and the finished count.
    /// </summary>
    private sealed record Snapshot(int TrialNumber, int Count, FrozenTrial[] Trials, int[] Numbers, bool[] IsFinished, int NumberLimit, bool[] Below, int Finished);

    /// <summary>The arrays behind the current snapshot, grown as the history grows.</summary>
    private sealed class SnapshotBuffers
    {
        public FrozenTrial[] Trials { get; private set; } = [];

        public int[] Numbers { get; private set; } = [];

        public bool[] IsFinished { get; private set; } = [];

        public bool[] Below { get; private set; } = [];

        public double[] Key1 { get; private set; } = [];

        public double[] Key2 { get; private set; } = [];

        public SnapshotBuffers Rent(int count)
        {
            if (Trials.Length < count)
            {
                var size = Math.Max(count, Trials.Length * 2);
                (Trials, Numbers, IsFinished, Below, Key1, Key2) =
                    (new FrozenTrial[size], new int[size], new bool[size], new bool[size], new double[size], new double[size]);
            }
            return this;
        }
    }
}
