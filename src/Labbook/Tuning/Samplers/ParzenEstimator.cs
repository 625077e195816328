using System.Runtime.Intrinsics;

namespace Labbook.Tuning;

/// <summary>
/// One parameter as the Parzen estimator sees it, following Optuna 3.1: log parameters live in log
/// space, stepped and integer parameters widen their bounds by half a step and are handled as
/// interval masses, categoricals are indices.
/// </summary>
internal readonly struct ParzenDimension
{
    private ParzenDimension(Distribution distribution, double low, double high, double q, int choices, bool log)
    {
        Distribution = distribution;
        Low = low;
        High = high;
        Q = q;
        Choices = choices;
        Log = log;
    }

    public Distribution Distribution { get; }

    public double Low { get; }

    public double High { get; }

    /// <summary>The step of a discrete numeric dimension, or 0 when continuous (also for log ints, as Optuna does).</summary>
    public double Q { get; }

    /// <summary>The number of choices of a categorical dimension, or 0 for numbers.</summary>
    public int Choices { get; }

    public bool Log { get; }

    public bool IsCategorical => Choices > 0;

    public static ParzenDimension From(Distribution distribution) => distribution switch
    {
        FloatDistribution { Log: true } f => new(f, Math.Log(f.Low), Math.Log(f.High), 0, 0, true),
        FloatDistribution { Step: { } s } f => new(f, f.Low - (0.5 * s), f.High + (0.5 * s), s, 0, false),
        FloatDistribution f => new(f, f.Low, f.High, 0, 0, false),
        IntDistribution { Log: true } i => new(i, Math.Log(i.Low - 0.5), Math.Log(i.High + 0.5), 0, 0, true),
        IntDistribution i => new(i, i.Low - (0.5 * i.Step), i.High + (0.5 * i.Step), i.Step, 0, false),
        CategoricalDistribution c => new(c, 0, 0, 0, c.Choices.Count, false),
        _ => throw new ArgumentException($"unknown distribution {distribution.GetType().Name}", nameof(distribution)),
    };

    /// <summary>Internal value to the estimator's space.</summary>
    public double ToParzen(double internalValue) => Log ? Math.Log(internalValue) : internalValue;

    /// <summary>The estimator's space back to a valid internal value.</summary>
    public double FromParzen(double x) => Distribution switch
    {
        FloatDistribution { Log: true } f => Math.Clamp(Math.Exp(x), f.Low, f.High),
        FloatDistribution { Step: { } s } f => Math.Clamp((Math.Round((x - f.Low) / s) * s) + f.Low, f.Low, f.High),
        FloatDistribution f => Math.Clamp(x, f.Low, f.High),
        IntDistribution { Log: true } i => Math.Clamp(Math.Round(Math.Exp(x)), i.Low, i.High),
        IntDistribution i => Math.Clamp((Math.Round((x - i.Low) / i.Step) * i.Step) + i.Low, i.Low, i.High),
        CategoricalDistribution c => Math.Clamp(Math.Round(x), 0, c.Choices.Count - 1),
        _ => x,
    };
}

/// <summary>The settings of a Parzen estimator (Optuna's <c>_ParzenEstimatorParameters</c>).</summary>
/// <param name="PriorWeight">Weight of the prior component.</param>
/// <param name="ConsiderMagicClip">Lower-bound bandwidths by range / min(100, 1 + components).</param>
/// <param name="ConsiderEndpoints">Bounds count as neighbours for univariate bandwidths.</param>
/// <param name="Multivariate">Scott's-rule bandwidths shared by all components (joint model).</param>
/// <param name="BandwidthScale">The constant of Scott's rule.</param>
/// <param name="UnscaledDensity">
/// Omit the 1/sigma factor of each continuous component's density, as Optuna 3.1's truncated-normal
/// log-pdf does (later Optuna versions include it). It favours wide components, the prior above all.
/// </param>
internal sealed record ParzenOptions(double PriorWeight, bool ConsiderMagicClip, bool ConsiderEndpoints, bool Multivariate, double BandwidthScale, bool UnscaledDensity = false);

/// <summary>
/// A mixture of truncated normals (categorical rows for categoricals), one component per observation
/// plus a prior component, as Optuna 3.1's <c>_ParzenEstimator</c>. Arrays only, no allocation per
/// component in the hot loops.
/// </summary>
internal sealed class ParzenEstimator
{
    private const double Eps = 1e-12;

    // Components whose log term is this far below the largest one add less than 1e-16 relative mass.
    private const double NegligibleLog = 37.0;

    private readonly ParzenDimension[] _dims;
    private readonly int _nComp;
    private readonly double[] _cumWeights;
    private readonly double[][] _mus;
    private readonly double[][] _sigmas;
    private readonly double[][] _invSigmas;
    private readonly double[][] _logProbs;
    private readonly double[][] _probCum;
    private readonly double[] _base;
    private readonly bool _hasSlowDims;
    private const int BlockSize = 16;

    // A block is two eight-lane vectors where the hardware has them (results identical to four lanes, see SumExp).
    private static readonly bool WideVectors = Vector512.IsHardwareAccelerated && BlockSize % Vector512<double>.Count == 0;

    // Beyond 10 bandwidths a component adds less than e^-50 of its peak: skipped (see LogPdfWindowed).
    private const double WindowZ = 10.0;
    private readonly bool _windowed;
    private readonly bool _unscaled;
    private readonly double[] _weights;

    // A windowed estimator's clip bandwidth and its logarithm: most components sit at the clip, so EnsureBase reuses
    // the logarithm (the same value Math.Log would return) instead of computing one per component.
    private readonly double _clipSigma = double.NaN;
    private readonly double _logClipSigma;
    private readonly double[]? _blockLow;
    private readonly double[]? _blockHigh;
    private readonly double[]? _blockSigma;
    private readonly bool[]? _blockReady;
    private readonly double[]? _blockBaseMax;
    private readonly int _nBlocks;

    /// <param name="dims">The dimensions.</param>
    /// <param name="observations">Per dimension, the observed values in the estimator's space (same length each).</param>
    /// <param name="count">The number of observations.</param>
    /// <param name="observationWeights">Unnormalized weights of the observations.</param>
    /// <param name="options">Settings.</param>
    /// <param name="sorted">The observations of a single dimension are already in ascending order.</param>
    /// <param name="buffers">
    /// Arrays to reuse for a windowed estimator's per-component state (the caller guarantees that no other live
    /// estimator uses them); null allocates.
    /// </param>
    public ParzenEstimator(ParzenDimension[] dims, double[][] observations, int count, double[] observationWeights, ParzenOptions options, bool sorted = false, ParzenBuffers? buffers = null)
    {
        _dims = dims;
        _nComp = count + 1;
        _windowed = !options.Multivariate && dims.Length == 1 && !dims[0].IsCategorical && dims[0].Q == 0 && count > 2 * BlockSize;
        if (!_windowed)
        {
            // Only the windowed path is written for arrays longer than the component count.
            buffers = null;
        }
        var weights = Rent(buffers, 0, _nComp);
        Array.Copy(observationWeights, weights, count);
        if (_windowed && !sorted)
        {
            // Components sorted by centre, so that far-away blocks can be skipped in LogPdf.
            var sortedObs = Rent(buffers, 1, count);
            Array.Copy(observations[0], sortedObs, count);
            Array.Sort(sortedObs, weights, 0, count);
            observations = [sortedObs];
        }
        weights[count] = options.PriorWeight;
        var total = 0.0;
        for (var k = 0; k < _nComp; k++)
        {
            total += weights[k];
        }
        _cumWeights = Rent(buffers, 2, _nComp);
        _base = Rent(buffers, 3, _nComp);
        var acc = 0.0;
        for (var k = 0; k < _nComp; k++)
        {
            weights[k] /= total;
            acc += weights[k];
            _cumWeights[k] = acc;
            // Windowed estimators compute a component's constant term only when a point comes near it.
            _base[k] = _windowed && k < count ? double.NaN : Math.Log(weights[k]);
        }
        _weights = weights;
        _unscaled = options.UnscaledDensity;

        _mus = new double[dims.Length][];
        _sigmas = new double[dims.Length][];
        _invSigmas = new double[dims.Length][];
        _logProbs = new double[dims.Length][];
        _probCum = new double[dims.Length][];
        var sigma0 = options.BandwidthScale * Math.Pow(Math.Max(count, 1), -1.0 / (dims.Length + 4));
        for (var d = 0; d < dims.Length; d++)
        {
            var dim = dims[d];
            if (dim.IsCategorical)
            {
                BuildCategorical(d, dim.Choices, observations[d], count, options.PriorWeight);
                continue;
            }
            var mus = Rent(buffers, 4, _nComp);
            Array.Copy(observations[d], mus, count);
            mus[count] = 0.5 * (dim.Low + dim.High);
            var range = dim.High - dim.Low;
            var sigmas = options.Multivariate ? Fill(_nComp, sigma0 * range)
                : _windowed ? SortedUnivariateSigmas(mus, count, dim.Low, dim.High, options.ConsiderEndpoints, Rent(buffers, 5, _nComp))
                : UnivariateSigmas(mus, dim.Low, dim.High, options.ConsiderEndpoints);
            var minSigma = options.ConsiderMagicClip ? range / Math.Min(100.0, 1.0 + _nComp) : Eps;
            var invSigmas = Rent(buffers, 6, _nComp);
            // Most bandwidths sit at the clip: their logarithm is computed once.
            var logMinSigma = Math.Log(minSigma);
            var logRange = Math.Log(range);
            if (_windowed)
            {
                _clipSigma = minSigma;
                _logClipSigma = logMinSigma;
            }
            for (var k = 0; k < _nComp; k++)
            {
                var sigma = k == count ? range : Math.Clamp(sigmas[k], minSigma, range);
                sigmas[k] = sigma;
                invSigmas[k] = 1.0 / sigma;
                if (_windowed && k < count)
                {
                    continue;
                }
                var a = (dim.Low - mus[k]) * invSigmas[k];
                var b = (dim.High - mus[k]) * invSigmas[k];
                var logZ = a < -8.3 && b > 8.3 ? 0.0 : Math.Log(Math.Max(SamplerMath.NormalMass(a, b), 1e-300));
                if (dim.Q == 0)
                {
                    var logSigma = options.UnscaledDensity ? 0.0 : sigma == minSigma ? logMinSigma : sigma == range ? logRange : Math.Log(sigma);
                    _base[k] += -logSigma - SamplerMath.LogSqrt2Pi - logZ;
                }
                else
                {
                    _base[k] -= logZ;
                    _hasSlowDims = true;
                }
            }
            _mus[d] = mus;
            _sigmas[d] = sigmas;
            _invSigmas[d] = invSigmas;
        }
        if (_windowed)
        {
            var nBlocks = (count + BlockSize - 1) / BlockSize;
            _nBlocks = nBlocks;
            _blockLow = Rent(buffers, 7, nBlocks);
            _blockHigh = Rent(buffers, 8, nBlocks);
            _blockSigma = Rent(buffers, 9, nBlocks);
            _blockBaseMax = Rent(buffers, 10, nBlocks);
            _blockReady = buffers is null ? new bool[nBlocks] : buffers.Flags(nBlocks);
            for (var b = 0; b < nBlocks; b++)
            {
                var start = b * BlockSize;
                var end = Math.Min(count, start + BlockSize);
                _blockLow[b] = _mus[0][start];
                _blockHigh[b] = _mus[0][end - 1];
                var maxSigma = 0.0;
                for (var k = start; k < end; k++)
                {
                    maxSigma = Math.Max(maxSigma, _sigmas[0][k]);
                }
                _blockSigma[b] = maxSigma;
            }
        }
    }

    /// <summary>Draws <paramref name="size"/> points; result[d][i] in the estimator's space.</summary>
    public double[][] Sample(Random random, int size)
    {
        var result = new double[_dims.Length][];
        for (var d = 0; d < _dims.Length; d++)
        {
            result[d] = new double[size];
        }
        for (var i = 0; i < size; i++)
        {
            var k = SamplerMath.PickIndex(_cumWeights, _nComp, random.NextDouble());
            for (var d = 0; d < _dims.Length; d++)
            {
                var dim = _dims[d];
                if (dim.IsCategorical)
                {
                    var c = dim.Choices;
                    var row = _probCum[d];
                    var u = random.NextDouble() * row[(k * c) + c - 1];
                    var choice = 0;
                    while (choice < c - 1 && row[(k * c) + choice] <= u)
                    {
                        choice++;
                    }
                    result[d][i] = choice;
                }
                else
                {
                    result[d][i] = SamplerMath.TruncatedNormal(random, _mus[d][k], _sigmas[d][k], dim.Low, dim.High);
                }
            }
        }
        return result;
    }

    /// <summary>
    /// The log density of each point. Discrete values are first snapped onto their grid (as Optuna
    /// evaluates the transformed-back samples).
    /// </summary>
    public double[] LogPdf(double[][] points, int size)
    {
        return _windowed ? LogPdfWindowed(points[0], size) : LogPdfFull(points, size);
    }

    /// <summary>True when <see cref="LogPdf"/> skips far-away blocks of components.</summary>
    internal bool IsWindowed => _windowed;

    /// <summary>The log density summed over every component (the reference for the windowed path).</summary>
    internal double[] LogPdfFull(double[][] points, int size)
    {
        if (_windowed)
        {
            for (var k = 0; k < _nComp - 1; k++)
            {
                EnsureBase(k);
            }
        }
        var result = new double[size];
        var terms = new double[_nComp];
        for (var i = 0; i < size; i++)
        {
            Array.Copy(_base, terms, _nComp);
            for (var d = 0; d < _dims.Length; d++)
            {
                var dim = _dims[d];
                var x = points[d][i];
                if (dim.IsCategorical)
                {
                    var c = dim.Choices;
                    var choice = (int)x;
                    var logProbs = _logProbs[d];
                    for (var k = 0; k < _nComp; k++)
                    {
                        terms[k] += logProbs[(k * c) + choice];
                    }
                }
                else if (dim.Q == 0)
                {
                    var mus = _mus[d];
                    var inv = _invSigmas[d];
                    for (var k = 0; k < _nComp; k++)
                    {
                        var z = (x - mus[k]) * inv[k];
                        terms[k] -= 0.5 * z * z;
                    }
                }
                else
                {
                    var lower = Math.Max(x - (0.5 * dim.Q), dim.Low);
                    var upper = Math.Min(x + (0.5 * dim.Q), dim.High);
                    var mus = _mus[d];
                    var inv = _invSigmas[d];
                    for (var k = 0; k < _nComp; k++)
                    {
                        var mass = SamplerMath.NormalMass((lower - mus[k]) * inv[k], (upper - mus[k]) * inv[k]);
                        terms[k] += Math.Log(Math.Max(mass, 1e-300));
                    }
                }
            }
            result[i] = LogSumExp(terms);
        }
        return result;
    }

    /// <summary>
    /// One continuous dimension with components sorted by centre: blocks whose nearest centre is more
    /// than <see cref="WindowZ"/> of their widest bandwidth away are skipped. Their share is below
    /// e^-38 of the prior component's term (bandwidths are at least range/100 with the magic clip), so
    /// the result equals the full sum to double precision in practice.
    /// </summary>
    private double[] LogPdfWindowed(double[] xs, int size)
    {
        var result = new double[size];
        var count = _nComp - 1;
        var mus = _mus[0];
        var inv = _invSigmas[0];
        var included = new int[_nBlocks];
        var vectorized = Vector256.IsHardwareAccelerated && BlockSize % Vector256<double>.Count == 0;
        for (var i = 0; i < size; i++)
        {
            var x = xs[i];
            var zp = (x - mus[count]) * inv[count];
            var priorTerm = _base[count] - (0.5 * zp * zp);
            // One pass with a shift that bounds every term from above (so exp never overflows): per
            // block, its largest constant less the smallest possible quadratic term.
            var shift = priorTerm;
            var nIncluded = 0;
            for (var b = 0; b < _nBlocks; b++)
            {
                var distance = x < _blockLow![b] ? _blockLow[b] - x : x > _blockHigh![b] ? x - _blockHigh[b] : 0.0;
                var zMin = distance / _blockSigma![b];
                if (zMin > WindowZ)
                {
                    continue;
                }
                included[nIncluded++] = b;
                EnsureBlock(b, b * BlockSize, Math.Min(count, (b + 1) * BlockSize));
                shift = Math.Max(shift, _blockBaseMax![b] - (0.5 * zMin * zMin));
            }
            var sum = SumExp(x, shift, included, nIncluded, vectorized) + Math.Exp(priorTerm - shift);
            if (sum < 1e-200)
            {
                // The bound was far above every term (sparse blocks): redo with the exact maximum.
                var max = priorTerm;
                for (var j = 0; j < nIncluded; j++)
                {
                    var b = included[j];
                    for (var k = b * BlockSize; k < Math.Min(count, (b + 1) * BlockSize); k++)
                    {
                        var z = (x - mus[k]) * inv[k];
                        max = Math.Max(max, _base[k] - (0.5 * z * z));
                    }
                }
                shift = max;
                sum = SumExp(x, shift, included, nIncluded, vectorized) + Math.Exp(priorTerm - shift);
            }
            result[i] = shift + Math.Log(sum);
        }
        return result;
    }

    private double SumExp(double x, double shift, int[] included, int nIncluded, bool vectorized)
    {
        var count = _nComp - 1;
        var mus = _mus[0];
        var inv = _invSigmas[0];
        var sum = 0.0;
        var vsum = Vector256<double>.Zero;
        var vx = Vector256.Create(x);
        var vhalf = Vector256.Create(0.5);
        var vshift = Vector256.Create(shift);
        var wide = vectorized && WideVectors;
        var wx = Vector512.Create(x);
        var whalf = Vector512.Create(0.5);
        var wshift = Vector512.Create(shift);
        for (var j = 0; j < nIncluded; j++)
        {
            var b = included[j];
            var start = b * BlockSize;
            var end = Math.Min(count, start + BlockSize);
            if (wide && end - start == BlockSize)
            {
                // Eight lanes at a time; the halves are added in the four-lane order, so the sum is the same.
                for (var k = start; k < end; k += Vector512<double>.Count)
                {
                    var z = (wx - Vector512.LoadUnsafe(ref mus[k])) * Vector512.LoadUnsafe(ref inv[k]);
                    var e = SamplerMath.Exp(Vector512.LoadUnsafe(ref _base[k]) - (whalf * z * z) - wshift);
                    vsum += e.GetLower();
                    vsum += e.GetUpper();
                }
                continue;
            }
            if (vectorized && end - start == BlockSize)
            {
                for (var k = start; k < end; k += Vector256<double>.Count)
                {
                    var z = (vx - Vector256.LoadUnsafe(ref mus[k])) * Vector256.LoadUnsafe(ref inv[k]);
                    vsum += SamplerMath.Exp(Vector256.LoadUnsafe(ref _base[k]) - (vhalf * z * z) - vshift);
                }
                continue;
            }
            for (var k = start; k < end; k++)
            {
                var z = (x - mus[k]) * inv[k];
                sum += Math.Exp(_base[k] - (0.5 * z * z) - shift);
            }
        }
        return sum + Vector256.Sum(vsum);
    }

    private void EnsureBlock(int block, int start, int end)
    {
        if (_blockReady![block])
        {
            return;
        }
        var max = double.NegativeInfinity;
        for (var k = start; k < end; k++)
        {
            max = Math.Max(max, EnsureBase(k));
        }
        _blockBaseMax![block] = max;
        _blockReady[block] = true;
    }

    /// <summary>The constant term of component k of a windowed (single continuous dimension) estimator.</summary>
    private double EnsureBase(int k)
    {
        var value = _base[k];
        if (!double.IsNaN(value))
        {
            return value;
        }
        var dim = _dims[0];
        var mu = _mus[0][k];
        var inv = _invSigmas[0][k];
        var a = (dim.Low - mu) * inv;
        var b = (dim.High - mu) * inv;
        var logZ = a < -8.3 && b > 8.3 ? 0.0 : Math.Log(Math.Max(SamplerMath.NormalMass(a, b), 1e-300));
        var sigma = _sigmas[0][k];
        var logSigma = _unscaled ? 0.0 : sigma == _clipSigma ? _logClipSigma : Math.Log(sigma);
        value = Math.Log(_weights[k]) - logSigma - SamplerMath.LogSqrt2Pi - logZ;
        _base[k] = value;
        return value;
    }

    /// <summary>Whether this estimator needs interval masses (slower path); exposed for tests.</summary>
    internal bool HasDiscreteDimensions => _hasSlowDims;

    private static double LogSumExp(double[] terms)
    {
        var max = double.NegativeInfinity;
        for (var k = 0; k < terms.Length; k++)
        {
            if (terms[k] > max)
            {
                max = terms[k];
            }
        }
        if (double.IsNegativeInfinity(max))
        {
            return max;
        }
        var cutoff = max - NegligibleLog;
        var sum = 0.0;
        for (var k = 0; k < terms.Length; k++)
        {
            var t = terms[k];
            if (t > cutoff)
            {
                sum += Math.Exp(t - max);
            }
        }
        return max + Math.Log(sum);
    }

    private void BuildCategorical(int d, int choices, double[] observations, int count, double priorWeight)
    {
        var value = priorWeight / (count + 1);
        var logProbs = new double[_nComp * choices];
        var cum = new double[_nComp * choices];
        for (var k = 0; k < _nComp; k++)
        {
            var observed = k < count ? (int)observations[k] : -1;
            var rowTotal = (value * choices) + (observed >= 0 ? 1.0 : 0.0);
            var acc = 0.0;
            for (var c = 0; c < choices; c++)
            {
                var p = (value + (c == observed ? 1.0 : 0.0)) / rowTotal;
                logProbs[(k * choices) + c] = Math.Log(p);
                acc += p;
                cum[(k * choices) + c] = acc;
            }
        }
        _logProbs[d] = logProbs;
        _probCum[d] = cum;
    }

    private static double[] Rent(ParzenBuffers? buffers, int slot, int length) => buffers is null ? new double[length] : buffers.Get(slot, length);

    private static double[] Fill(int n, double value)
    {
        var a = new double[n];
        Array.Fill(a, value);
        return a;
    }

    /// <summary>
    /// <see cref="UnivariateSigmas"/> for centres already sorted in [0, count) with the prior centre at
    /// <paramref name="count"/>: the prior is merged at its position instead of sorting again.
    /// </summary>
    private static double[] SortedUnivariateSigmas(double[] mus, int count, double low, double high, bool considerEndpoints, double[] sigmas)
    {
        var n = count + 1;
        var prior = mus[count];
        var p = Array.BinarySearch(mus, 0, count, prior);
        p = p < 0 ? ~p : p;
        // Merged order: mus[0..p), prior, mus[p..count).
        double At(int j) => j < p ? mus[j] : j == p ? prior : mus[j - 1];
        int Owner(int j) => j < p ? j : j == p ? count : j - 1;
        for (var j = 0; j < n; j++)
        {
            var left = j == 0 ? low : At(j - 1);
            var right = j == n - 1 ? high : At(j + 1);
            var c = At(j);
            sigmas[Owner(j)] = Math.Max(c - left, right - c);
        }
        if (!considerEndpoints && n >= 2)
        {
            sigmas[Owner(0)] = At(1) - At(0);
            sigmas[Owner(n - 1)] = At(n - 1) - At(n - 2);
        }
        return sigmas;
    }

    /// <summary>Optuna's univariate bandwidth: the larger gap to a neighbour among the sorted centres (prior included).</summary>
    private static double[] UnivariateSigmas(double[] mus, double low, double high, bool considerEndpoints)
    {
        var n = mus.Length;
        var sorted = (double[])mus.Clone();
        var order = new int[n];
        for (var k = 0; k < n; k++)
        {
            order[k] = k;
        }
        Array.Sort(sorted, order);
        var sigmas = new double[n];
        for (var j = 0; j < n; j++)
        {
            var left = j == 0 ? low : sorted[j - 1];
            var right = j == n - 1 ? high : sorted[j + 1];
            sigmas[order[j]] = Math.Max(sorted[j] - left, right - sorted[j]);
        }
        if (!considerEndpoints && n >= 2)
        {
            sigmas[order[0]] = sorted[1] - sorted[0];
            sigmas[order[n - 1]] = sorted[n - 1] - sorted[n - 2];
        }
        return sigmas;
    }
}

/// <summary>
/// Reusable arrays for one windowed <see cref="ParzenEstimator"/> at a time: the sampler builds a large "above"
/// estimator per parameter and trial, and renting its per-component arrays spares allocating (and collecting)
/// several history-sized arrays each time. Contents are stale; the estimator writes before it reads.
/// </summary>
internal sealed class ParzenBuffers
{
    private readonly double[][] _slots = new double[11][];
    private bool[] _flags = [];

    /// <summary>An array of at least <paramref name="length"/> doubles for <paramref name="slot"/>.</summary>
    public double[] Get(int slot, int length)
    {
        var a = _slots[slot];
        if (a is null || a.Length < length)
        {
            a = new double[Math.Max(length, (a?.Length ?? 0) * 2)];
            _slots[slot] = a;
        }
        return a;
    }

    /// <summary>At least <paramref name="length"/> flags, the first <paramref name="length"/> cleared.</summary>
    public bool[] Flags(int length)
    {
        if (_flags.Length < length)
        {
            _flags = new bool[Math.Max(length, _flags.Length * 2)];
        }
        Array.Clear(_flags, 0, length);
        return _flags;
    }
}
