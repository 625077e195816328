using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
    private double[]? _cumWeights;
    private readonly double[][] _mus;
    private readonly double[][] _sigmas;
    private readonly double[][] _invSigmas;
    private readonly double[][] _logProbs;
    private readonly double[][] _probCum;
    // Per component, the log of its weight and normalising constant (non-windowed estimators); a windowed one keeps only
    // the constant here and multiplies by the weight after exp (see SumExp), which spares a logarithm per component.
    private readonly double[] _base;
    private const int BlockSize = 16;

    // A block is two eight-lane vectors where the hardware has them (results identical to four lanes, see SumExpWide).
    private static readonly bool WideVectors = Vector512.IsHardwareAccelerated && BlockSize == 2 * Vector512<double>.Count;

    // Beyond 10 bandwidths a component adds less than e^-50 of its peak: skipped (see LogPdfWindowed).
    private const double WindowZ = 10.0;
    private readonly bool _windowed;
    private readonly double[] _weights;
    private double[]? _blockLow;
    private double[]? _blockHigh;
    private double[]? _blockSigma;
    private double[]? _blockBaseMax;
    private int _nBlocks;
    private double _logPriorWeight;

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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
        var weights = Rent(buffers, ParzenBuffers.Weights, _nComp);
        Array.Copy(observationWeights, weights, count);
        double[]? windowedMus = null;
        if (_windowed)
        {
            windowedMus = Rent(buffers, ParzenBuffers.Mus, _nComp);
            Array.Copy(observations[0], windowedMus, count);
            if (!sorted)
            {
                // Components sorted by centre, so that far-away blocks can be skipped in LogPdf.
                Array.Sort(windowedMus, weights, 0, count);
            }
        }
        weights[count] = options.PriorWeight;
        var total = 0.0;
        for (var k = 0; k < _nComp; k++)
        {
            total += weights[k];
        }
        _weights = weights;
        _base = Rent(buffers, ParzenBuffers.Base, _nComp);
        _mus = new double[dims.Length][];
        _sigmas = new double[dims.Length][];
        _invSigmas = new double[dims.Length][];
        _logProbs = new double[dims.Length][];
        _probCum = new double[dims.Length][];
        if (windowedMus is not null)
        {
            BuildWindowed(windowedMus, count, total, options, buffers);
            return;
        }
        for (var k = 0; k < _nComp; k++)
        {
            weights[k] /= total;
            _base[k] = Math.Log(weights[k]);
        }
        var sigma0 = options.BandwidthScale * Math.Pow(Math.Max(count, 1), -1.0 / (dims.Length + 4));
        for (var d = 0; d < dims.Length; d++)
        {
            var dim = dims[d];
            if (dim.IsCategorical)
            {
                BuildCategorical(d, dim.Choices, observations[d], count, options.PriorWeight);
                continue;
            }
            var mus = new double[_nComp];
            Array.Copy(observations[d], mus, count);
            mus[count] = 0.5 * (dim.Low + dim.High);
            var range = dim.High - dim.Low;
            var sigmas = options.Multivariate ? Fill(_nComp, sigma0 * range) : UnivariateSigmas(mus, dim.Low, dim.High, options.ConsiderEndpoints);
            var minSigma = options.ConsiderMagicClip ? range / Math.Min(100.0, 1.0 + _nComp) : Eps;
            var invSigmas = new double[_nComp];
            // Most bandwidths sit at the clip: their logarithm is computed once.
            var logMinSigma = Math.Log(minSigma);
            var logRange = Math.Log(range);
            for (var k = 0; k < _nComp; k++)
            {
                var sigma = k == count ? range : Math.Clamp(sigmas[k], minSigma, range);
                sigmas[k] = sigma;
                var mu = mus[k];
                invSigmas[k] = 1.0 / sigma;
                var logZ = LogTruncationMass(dim, mu, invSigmas[k]);
                if (dim.Q == 0)
                {
                    var logSigma = options.UnscaledDensity ? 0.0 : sigma == minSigma ? logMinSigma : sigma == range ? logRange : Math.Log(sigma);
                    _base[k] += -logSigma - SamplerMath.LogSqrt2Pi - logZ;
                }
                else
                {
                    _base[k] -= logZ;
                }
            }
            _mus[d] = mus;
            _sigmas[d] = sigmas;
            _invSigmas[d] = invSigmas;
        }
    }

    /// <summary>
    /// The windowed estimator (one continuous dimension, univariate bandwidths, centres sorted): the same quantities
    /// as the general constructor, bit for bit, in vector loops where the order of operations does not matter
    /// (normalising, gaps, clamping, inverses, block bounds). It is built for every parameter of every trial over
    /// the whole history, so these loops are most of the sampler's fixed cost.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void BuildWindowed(double[] mus, int count, double total, ParzenOptions options, ParzenBuffers? buffers)
    {
        var dim = _dims[0];
        var n = _nComp;
        var weights = _weights;
        Vectors.Divide(weights, n, total);
        mus[count] = 0.5 * (dim.Low + dim.High);
        var range = dim.High - dim.Low;
        var sigmas = Rent(buffers, ParzenBuffers.Sigmas, n);
        SortedUnivariateSigmas(mus, count, dim.Low, dim.High, options.ConsiderEndpoints, sigmas);
        var minSigma = options.ConsiderMagicClip ? range / Math.Min(100.0, 1.0 + n) : Eps;
        Vectors.Clamp(sigmas, count, minSigma, range);
        sigmas[count] = range;
        var invSigmas = Rent(buffers, ParzenBuffers.InvSigmas, n);
        Vectors.Reciprocal(sigmas, invSigmas, n);
        // Most bandwidths sit at the clip, far from the bounds: their constant term is computed once.
        var logMinSigma = Math.Log(minSigma);
        var logRange = Math.Log(range);
        var clipConstant = (options.UnscaledDensity ? 0.0 : -logMinSigma) - SamplerMath.LogSqrt2Pi;
        // A component whose centre is this far inside both bounds has a truncation mass of 1 (to double precision).
        var clipInterior = 8.3 * minSigma;
        var bases = _base;
        for (var k = 0; k < n; k++)
        {
            var sigma = sigmas[k];
            var mu = mus[k];
            if (sigma == minSigma && mu - dim.Low > clipInterior && dim.High - mu > clipInterior)
            {
                bases[k] = clipConstant;
                continue;
            }
            var logZ = LogTruncationMass(dim, mu, invSigmas[k]);
            var logSigma = options.UnscaledDensity ? 0.0 : sigma == minSigma ? logMinSigma : sigma == range ? logRange : Math.Log(sigma);
            bases[k] = -logSigma - SamplerMath.LogSqrt2Pi - logZ;
        }
        _mus[0] = mus;
        _sigmas[0] = sigmas;
        _invSigmas[0] = invSigmas;
        _logPriorWeight = Math.Log(weights[count]);
        var nBlocks = (count + BlockSize - 1) / BlockSize;
        _nBlocks = nBlocks;
        _blockLow = Rent(buffers, ParzenBuffers.BlockLow, nBlocks);
        _blockHigh = Rent(buffers, ParzenBuffers.BlockHigh, nBlocks);
        _blockSigma = Rent(buffers, ParzenBuffers.BlockSigma, nBlocks);
        _blockBaseMax = Rent(buffers, ParzenBuffers.BlockBaseMax, nBlocks);
        for (var b = 0; b < nBlocks; b++)
        {
            var start = b * BlockSize;
            var end = Math.Min(count, start + BlockSize);
            _blockLow[b] = mus[start];
            _blockHigh[b] = mus[end - 1];
            _blockSigma[b] = Vectors.Max(sigmas, start, end);
            // An upper bound of the block's log terms (weight and constant need not peak at one component).
            _blockBaseMax[b] = Math.Log(Vectors.Max(weights, start, end)) + Vectors.Max(bases, start, end);
        }
    }

    /// <summary>The log of the normal mass a component centred at <paramref name="mu"/> keeps inside the bounds.</summary>
    private static double LogTruncationMass(ParzenDimension dim, double mu, double invSigma)
    {
        var a = (dim.Low - mu) * invSigma;
        var b = (dim.High - mu) * invSigma;
        return a < -8.3 && b > 8.3 ? 0.0 : Math.Log(Math.Max(SamplerMath.NormalMass(a, b), 1e-300));
    }

    /// <summary>The cumulative weights for sampling, built on first use (the "above" estimator is never sampled).</summary>
    private double[] CumulativeWeights()
    {
        if (_cumWeights is null)
        {
            var cumulative = new double[_nComp];
            var acc = 0.0;
            for (var k = 0; k < _nComp; k++)
            {
                acc += _weights[k];
                cumulative[k] = acc;
            }
            _cumWeights = cumulative;
        }
        return _cumWeights;
    }

    /// <summary>Draws <paramref name="size"/> points; result[d][i] in the estimator's space.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double[][] Sample(Random random, int size)
    {
        var cumulative = CumulativeWeights();
        var result = new double[_dims.Length][];
        for (var d = 0; d < _dims.Length; d++)
        {
            result[d] = new double[size];
        }
        for (var i = 0; i < size; i++)
        {
            var k = SamplerMath.PickIndex(cumulative, _nComp, random.NextDouble());
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

    /// <summary>The bandwidths of dimension <paramref name="d"/>, one per component (the prior last); for tests.</summary>
    internal double[] Bandwidths(int d) => _sigmas[d][.._nComp];

    /// <summary>The log density summed over every component (the reference for the windowed path).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal double[] LogPdfFull(double[][] points, int size)
    {
        var logTerms = _windowed ? (double[])_base.Clone() : _base;
        if (_windowed)
        {
            for (var k = 0; k < _nComp; k++)
            {
                logTerms[k] += Math.Log(_weights[k]);
            }
        }
        var result = new double[size];
        var terms = new double[_nComp];
        for (var i = 0; i < size; i++)
        {
            Array.Copy(logTerms, terms, _nComp);
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
        var included = new int[_nBlocks];
        for (var i = 0; i < size; i++)
        {
            result[i] = LogPdfAt(xs[i], included);
        }
        return result;
    }

    /// <summary>A scratch array for <see cref="LogPdfAt"/> and <see cref="LogPdfLowerBound"/> (one per caller).</summary>
    internal int[] NewBlockList() => new int[_nBlocks];

    /// <summary>The log density at <paramref name="x"/> of a windowed estimator (see <see cref="LogPdfWindowed"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal double LogPdfAt(double x, int[] included)
    {
        var count = _nComp - 1;
        var mus = _mus[0];
        var inv = _invSigmas[0];
        var priorTerm = PriorTerm(x);
        // One pass with a shift that bounds every term from above (so exp never overflows): per
        // block, its largest log term less the smallest possible quadratic term.
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
            shift = Math.Max(shift, _blockBaseMax![b] - (0.5 * zMin * zMin));
        }
        var sum = SumExp(x, shift, included, nIncluded) + Math.Exp(priorTerm - shift);
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
                    max = Math.Max(max, Math.Log(_weights[k]) + _base[k] - (0.5 * z * z));
                }
            }
            shift = max;
            sum = SumExp(x, shift, included, nIncluded) + Math.Exp(priorTerm - shift);
        }
        return shift + Math.Log(sum);
    }

    /// <summary>
    /// A lower bound of <see cref="LogPdfAt"/> (mathematically; equal up to rounding at worst) from the prior and the
    /// blocks around <paramref name="x"/> out to <paramref name="zLimit"/> bandwidths: every term is positive, so any
    /// subset of them sums to less. A few blocks carry most of the density, so the bound is close and cheap.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal double LogPdfLowerBound(double x, double zLimit, int[] included)
    {
        var priorTerm = PriorTerm(x);
        var shift = priorTerm;
        var nIncluded = 0;
        // The block at x (or the first one after it), then outwards while the nearest centre is within the limit.
        var first = Array.BinarySearch(_blockHigh!, 0, _nBlocks, x);
        first = first < 0 ? ~first : first;
        for (var b = first; b < _nBlocks; b++)
        {
            var zMin = (x < _blockLow![b] ? _blockLow[b] - x : 0.0) / _blockSigma![b];
            if (zMin > zLimit)
            {
                break;
            }
            included[nIncluded++] = b;
            shift = Math.Max(shift, _blockBaseMax![b] - (0.5 * zMin * zMin));
        }
        for (var b = first - 1; b >= 0; b--)
        {
            // Blocks before `first` end below x.
            var zMin = (x - _blockHigh![b]) / _blockSigma![b];
            if (zMin > zLimit)
            {
                break;
            }
            included[nIncluded++] = b;
            shift = Math.Max(shift, _blockBaseMax![b] - (0.5 * zMin * zMin));
        }
        var sum = SumExp(x, shift, included, nIncluded) + Math.Exp(priorTerm - shift);
        return sum > 0 && double.IsFinite(sum) ? shift + Math.Log(sum) : priorTerm;
    }

    private double PriorTerm(double x)
    {
        var count = _nComp - 1;
        var zp = (x - _mus[0][count]) * _invSigmas[0][count];
        return _logPriorWeight + _base[count] - (0.5 * zp * zp);
    }

    /// <summary>
    /// The sum over the included blocks of weight * exp(constant - z^2 / 2 - shift): the weight multiplies after exp
    /// rather than entering as a logarithm, one multiply instead of a logarithm per component. Four lanes where
    /// the hardware has them, eight where it has those (<see cref="SumExpWide"/>, the same sum bit for bit).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double SumExp(double x, double shift, int[] included, int nIncluded)
    {
        var vectorized = Vector256.IsHardwareAccelerated;
        if (vectorized && WideVectors)
        {
            return SumExpWide(x, shift, included, nIncluded);
        }
        var count = _nComp - 1;
        var mus = _mus[0];
        var inv = _invSigmas[0];
        var sum = 0.0;
        var vsum = Vector256<double>.Zero;
        var vx = Vector256.Create(x);
        var vhalf = Vector256.Create(0.5);
        var vshift = Vector256.Create(shift);
        for (var j = 0; j < nIncluded; j++)
        {
            var start = included[j] * BlockSize;
            if (vectorized && start + BlockSize <= count)
            {
                for (var k = start; k < start + BlockSize; k += Vector256<double>.Count)
                {
                    var z = (vx - Vector256.LoadUnsafe(ref mus[k])) * Vector256.LoadUnsafe(ref inv[k]);
                    var e = SamplerMath.Exp(Vector256.LoadUnsafe(ref _base[k]) - (vhalf * z * z) - vshift);
                    vsum = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref _weights[k]), e, vsum);
                }
                continue;
            }
            sum = AddScalar(sum, x, shift, start, Math.Min(count, start + BlockSize));
        }
        return sum + Vector256.Sum(vsum);
    }

    /// <summary>
    /// <see cref="SumExp"/> with eight lanes: a full block is two independent vectors (their exp chains overlap), and
    /// their halves are accumulated in the four-lane order, so the sum is bit for bit the four-lane one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double SumExpWide(double x, double shift, int[] included, int nIncluded)
    {
        var count = _nComp - 1;
        ref var mus = ref MemoryMarshal.GetArrayDataReference(_mus[0]);
        ref var inv = ref MemoryMarshal.GetArrayDataReference(_invSigmas[0]);
        ref var bases = ref MemoryMarshal.GetArrayDataReference(_base);
        ref var weights = ref MemoryMarshal.GetArrayDataReference(_weights);
        var sum = 0.0;
        var vsum = Vector256<double>.Zero;
        var wx = Vector512.Create(x);
        var whalf = Vector512.Create(0.5);
        var wshift = Vector512.Create(shift);
        for (var j = 0; j < nIncluded; j++)
        {
            var start = included[j] * BlockSize;
            if (start + BlockSize <= count)
            {
                var at = (nuint)start;
                var z0 = (wx - Vector512.LoadUnsafe(ref mus, at)) * Vector512.LoadUnsafe(ref inv, at);
                var z1 = (wx - Vector512.LoadUnsafe(ref mus, at + 8)) * Vector512.LoadUnsafe(ref inv, at + 8);
                var e0 = SamplerMath.Exp(Vector512.LoadUnsafe(ref bases, at) - (whalf * z0 * z0) - wshift);
                var e1 = SamplerMath.Exp(Vector512.LoadUnsafe(ref bases, at + 8) - (whalf * z1 * z1) - wshift);
                var w0 = Vector512.LoadUnsafe(ref weights, at);
                var w1 = Vector512.LoadUnsafe(ref weights, at + 8);
                vsum = Vector256.FusedMultiplyAdd(w0.GetLower(), e0.GetLower(), vsum);
                vsum = Vector256.FusedMultiplyAdd(w0.GetUpper(), e0.GetUpper(), vsum);
                vsum = Vector256.FusedMultiplyAdd(w1.GetLower(), e1.GetLower(), vsum);
                vsum = Vector256.FusedMultiplyAdd(w1.GetUpper(), e1.GetUpper(), vsum);
                continue;
            }
            sum = AddScalar(sum, x, shift, start, count);
        }
        return sum + Vector256.Sum(vsum);
    }

    /// <summary><paramref name="sum"/> plus the terms of components [from, to) one at a time (a partial block, or no vectors).</summary>
    private double AddScalar(double sum, double x, double shift, int from, int to)
    {
        var mus = _mus[0];
        var inv = _invSigmas[0];
        for (var k = from; k < to; k++)
        {
            var z = (x - mus[k]) * inv[k];
            sum += _weights[k] * Math.Exp(_base[k] - (0.5 * z * z) - shift);
        }
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
    /// <paramref name="count"/>, for the observations only (the prior's bandwidth is the range): the prior is merged
    /// at its position instead of sorting again. Away from the ends and the prior, a bandwidth is the larger of the
    /// gaps to its two neighbours, in a vector loop; the few components next to them take the merged rule.
    /// </summary>
    private static void SortedUnivariateSigmas(double[] mus, int count, double low, double high, bool considerEndpoints, double[] sigmas)
    {
        var prior = mus[count];
        var p = Array.BinarySearch(mus, 0, count, prior);
        p = p < 0 ? ~p : p;
        Vectors.LargerGap(mus, sigmas, 1, count - 1);
        foreach (var k in (ReadOnlySpan<int>)[0, 1, p - 1, p, count - 2, count - 1])
        {
            if (k >= 0 && k < count)
            {
                sigmas[k] = MergedSigma(mus, count, p, low, high, considerEndpoints, k);
            }
        }
    }

    /// <summary>Observation k's bandwidth in the merged order mus[0..p), prior, mus[p..count) (Optuna's rule).</summary>
    private static double MergedSigma(double[] mus, int count, int p, double low, double high, bool considerEndpoints, int k)
    {
        var n = count + 1;
        var prior = mus[count];
        double At(int j) => j < p ? mus[j] : j == p ? prior : mus[j - 1];
        var j = k < p ? k : k + 1;
        if (!considerEndpoints && j == 0)
        {
            return At(1) - At(0);
        }
        if (!considerEndpoints && j == n - 1)
        {
            return At(n - 1) - At(n - 2);
        }
        var left = j == 0 ? low : At(j - 1);
        var right = j == n - 1 ? high : At(j + 1);
        var c = At(j);
        return Math.Max(c - left, right - c);
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
    /// <summary>The slots: one per array of a windowed estimator.</summary>
    public const int Weights = 0, Base = 1, Mus = 2, Sigmas = 3, InvSigmas = 4, BlockLow = 5, BlockHigh = 6, BlockSigma = 7, BlockBaseMax = 8;

    private readonly double[][] _slots = new double[9][];

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
}

/// <summary>Element-wise loops the windowed estimator runs over every component, eight or four lanes at a time.</summary>
internal static class Vectors
{
    /// <summary>values[k] /= divisor for k &lt; count (division is exact-rounded, so lanes equal the scalar result).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Divide(double[] values, int count, double divisor)
    {
        var k = 0;
        ref var v = ref MemoryMarshal.GetArrayDataReference(values);
        if (Vector512.IsHardwareAccelerated)
        {
            var d = Vector512.Create(divisor);
            for (; k + 8 <= count; k += 8)
            {
                (Vector512.LoadUnsafe(ref v, (nuint)k) / d).StoreUnsafe(ref v, (nuint)k);
            }
        }
        for (; k < count; k++)
        {
            Unsafe.Add(ref v, k) /= divisor;
        }
    }

    /// <summary>result[k] = 1 / values[k] for k &lt; count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Reciprocal(double[] values, double[] result, int count)
    {
        var k = 0;
        ref var v = ref MemoryMarshal.GetArrayDataReference(values);
        ref var r = ref MemoryMarshal.GetArrayDataReference(result);
        if (Vector512.IsHardwareAccelerated)
        {
            var one = Vector512.Create(1.0);
            for (; k + 8 <= count; k += 8)
            {
                (one / Vector512.LoadUnsafe(ref v, (nuint)k)).StoreUnsafe(ref r, (nuint)k);
            }
        }
        for (; k < count; k++)
        {
            Unsafe.Add(ref r, k) = 1.0 / Unsafe.Add(ref v, k);
        }
    }

    /// <summary>Math.Clamp(values[k], low, high) for k &lt; count (no NaN among the values).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Clamp(double[] values, int count, double low, double high)
    {
        var k = 0;
        ref var v = ref MemoryMarshal.GetArrayDataReference(values);
        if (Vector512.IsHardwareAccelerated)
        {
            var lo = Vector512.Create(low);
            var hi = Vector512.Create(high);
            for (; k + 8 <= count; k += 8)
            {
                Vector512.Min(Vector512.Max(Vector512.LoadUnsafe(ref v, (nuint)k), lo), hi).StoreUnsafe(ref v, (nuint)k);
            }
        }
        for (; k < count; k++)
        {
            Unsafe.Add(ref v, k) = Math.Clamp(Unsafe.Add(ref v, k), low, high);
        }
    }

    /// <summary>result[k] = max(x[k] - x[k - 1], x[k + 1] - x[k]) for from &lt;= k &lt; to (needs 1 &lt;= from, to &lt; x.Length).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LargerGap(double[] x, double[] result, int from, int to)
    {
        var k = from;
        ref var v = ref MemoryMarshal.GetArrayDataReference(x);
        ref var r = ref MemoryMarshal.GetArrayDataReference(result);
        if (Vector512.IsHardwareAccelerated)
        {
            for (; k + 8 <= to; k += 8)
            {
                var at = (nuint)k;
                var c = Vector512.LoadUnsafe(ref v, at);
                var left = c - Vector512.LoadUnsafe(ref v, at - 1);
                var right = Vector512.LoadUnsafe(ref v, at + 1) - c;
                Vector512.Max(left, right).StoreUnsafe(ref r, at);
            }
        }
        for (; k < to; k++)
        {
            var c = Unsafe.Add(ref v, k);
            Unsafe.Add(ref r, k) = Math.Max(c - Unsafe.Add(ref v, k - 1), Unsafe.Add(ref v, k + 1) - c);
        }
    }

    /// <summary>The largest of values[start..end) (no NaN among them; -infinity when empty).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Max(double[] values, int start, int end)
    {
        var k = start;
        var max = double.NegativeInfinity;
        if (Vector512.IsHardwareAccelerated && end - start >= 8)
        {
            ref var v = ref MemoryMarshal.GetArrayDataReference(values);
            var m = Vector512.Create(double.NegativeInfinity);
            for (; k + 8 <= end; k += 8)
            {
                m = Vector512.Max(m, Vector512.LoadUnsafe(ref v, (nuint)k));
            }
            var half = Vector256.Max(m.GetLower(), m.GetUpper());
            var quarter = Vector128.Max(half.GetLower(), half.GetUpper());
            max = Math.Max(quarter.GetElement(0), quarter.GetElement(1));
        }
        for (; k < end; k++)
        {
            max = Math.Max(max, values[k]);
        }
        return max;
    }
}
