namespace Labbook.Tuning;

/// <summary>
/// Quasi-random search: a scrambled Sobol sequence (Joe-Kuo direction numbers, up to
/// <see cref="SobolSequence.MaxDimension"/> dimensions; linear matrix scrambling plus a random
/// digital shift, seeded) over the intersection search space, as Optuna's <c>QMCSampler</c>.
/// The first trial and parameters outside the relative space go to the independent sampler.
/// </summary>
public sealed class QmcSampler : ISampler
{
    private readonly Lock _gate = new();
    private readonly int _seed;
    private readonly ISampler _independentSampler;
    private readonly IntersectionSearchSpace _searchSpace = new(includePruned: true);
    private SobolSequence? _sobol;
    private string[] _names = [];

    /// <summary>Creates a Sobol sampler.</summary>
    /// <param name="seed">Seed of the scrambling (a random one when null).</param>
    /// <param name="independentSampler">For parameters outside the relative space; default <see cref="RandomSampler"/>.</param>
    public QmcSampler(int? seed = null, ISampler? independentSampler = null)
    {
        _seed = seed ?? Random.Shared.Next();
        _independentSampler = independentSampler ?? new RandomSampler(unchecked(_seed + 1));
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, Distribution> InferRelativeSearchSpace(ITrialHistory study, FrozenTrial trial)
    {
        return _searchSpace.CalculateSampled(study, maxCount: SobolSequence.MaxDimension);
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
            var names = searchSpace.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();
            if (_sobol is null || !names.SequenceEqual(_names))
            {
                _names = names;
                _sobol = new SobolSequence(names.Length, _seed);
            }
            // The point follows from the trial's number, not from a count kept by this instance: a study continued in
            // another process takes the next points of the same sequence instead of its first ones again. Trial 0 is
            // never sampled here (no space is known before a trial completes), so trial 1 takes point 0 and the first
            // 2^k sampled trials form the sequence's balanced prefix.
            var point = _sobol.Point(Math.Max(0, trial.Number - 1));
            for (var i = 0; i < names.Length; i++)
            {
                result[names[i]] = UnitCube.FromUnit(searchSpace[names[i]], point[i]);
            }
            return result;
        }
    }

    /// <inheritdoc/>
    public double SampleIndependent(ITrialHistory study, FrozenTrial trial, string paramName, Distribution distribution) =>
        _independentSampler.SampleIndependent(study, trial, paramName, distribution);
}

/// <summary>
/// A scrambled Sobol sequence in [0, 1)^d with 32-bit precision: direction numbers from Joe and Kuo
/// (new-joe-kuo-6.21201, dimensions 1-40), Matoušek's linear matrix scrambling and a digital shift.
/// </summary>
public sealed class SobolSequence
{
    /// <summary>The largest supported dimension.</summary>
    public const int MaxDimension = 40;

    private const int Bits = 32;

    // (s, a, m_1..m_s) for dimensions 2..40 (dimension 1 is van der Corput).
    private static readonly int[][] JoeKuo =
    [
        [1, 0, 1], [2, 1, 1, 3], [3, 1, 1, 3, 1], [3, 2, 1, 1, 1], [4, 1, 1, 1, 3, 3], [4, 4, 1, 3, 5, 13],
        [5, 2, 1, 1, 5, 5, 17], [5, 4, 1, 1, 5, 5, 5], [5, 7, 1, 1, 7, 11, 19], [5, 11, 1, 1, 5, 1, 1],
        [5, 13, 1, 1, 1, 3, 11], [5, 14, 1, 3, 5, 5, 31], [6, 1, 1, 3, 3, 9, 7, 49], [6, 13, 1, 1, 1, 15, 21, 21],
        [6, 16, 1, 3, 1, 13, 27, 49], [6, 19, 1, 1, 1, 15, 7, 5], [6, 22, 1, 3, 1, 15, 13, 25], [6, 25, 1, 1, 5, 5, 19, 61],
        [7, 1, 1, 3, 7, 11, 23, 15, 103], [7, 4, 1, 3, 7, 13, 13, 15, 69], [7, 7, 1, 1, 3, 13, 7, 35, 63],
        [7, 8, 1, 3, 5, 9, 1, 25, 53], [7, 14, 1, 3, 1, 13, 9, 35, 107], [7, 19, 1, 3, 1, 5, 27, 61, 31],
        [7, 21, 1, 1, 5, 11, 19, 41, 61], [7, 28, 1, 3, 5, 3, 3, 13, 69], [7, 31, 1, 1, 7, 13, 1, 19, 1],
        [7, 32, 1, 3, 7, 5, 13, 19, 59], [7, 37, 1, 1, 3, 9, 25, 29, 41], [7, 41, 1, 3, 5, 13, 23, 1, 55],
        [7, 42, 1, 3, 7, 3, 13, 59, 17], [7, 50, 1, 3, 1, 3, 5, 53, 69], [7, 55, 1, 1, 5, 5, 23, 33, 13],
        [7, 56, 1, 1, 7, 7, 1, 61, 123], [7, 59, 1, 1, 7, 9, 13, 61, 49], [7, 62, 1, 3, 3, 5, 3, 55, 33],
        [8, 14, 1, 3, 1, 15, 31, 13, 49, 245], [8, 21, 1, 3, 5, 15, 31, 59, 63, 97], [8, 22, 1, 3, 1, 11, 11, 11, 77, 249],
    ];

    private readonly uint[][] _directions;
    private readonly uint[] _shift;

    /// <summary>Creates a <paramref name="dimension"/>-dimensional sequence; <paramref name="seed"/> null means unscrambled.</summary>
    public SobolSequence(int dimension, int? seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dimension, MaxDimension);
        Dimension = dimension;
        _directions = new uint[dimension][];
        _shift = new uint[dimension];
        var random = seed is { } s ? new Random(s) : null;
        for (var d = 0; d < dimension; d++)
        {
            var v = Directions(d);
            if (random is not null)
            {
                v = Scramble(v, random);
                _shift[d] = (uint)random.NextInt64(0, 1L << 32);
            }
            _directions[d] = v;
        }
    }

    /// <summary>The dimension.</summary>
    public int Dimension { get; }

    /// <summary>The point of index <paramref name="index"/> (0-based, below 2^32).</summary>
    public double[] Point(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, 1L << Bits);
        var result = new double[Dimension];
        for (var d = 0; d < Dimension; d++)
        {
            var x = _shift[d];
            var v = _directions[d];
            var i = (ulong)index;
            for (var b = 0; i != 0; b++, i >>= 1)
            {
                if ((i & 1) != 0)
                {
                    x ^= v[b];
                }
            }
            result[d] = x / 4294967296.0;
        }
        return result;
    }

    private static uint[] Directions(int d)
    {
        var v = new uint[Bits];
        if (d == 0)
        {
            for (var k = 0; k < Bits; k++)
            {
                v[k] = 1u << (Bits - 1 - k);
            }
            return v;
        }
        var row = JoeKuo[d - 1];
        var s = row[0];
        var a = row[1];
        for (var k = 0; k < Math.Min(s, Bits); k++)
        {
            v[k] = (uint)row[2 + k] << (Bits - 1 - k);
        }
        for (var k = s; k < Bits; k++)
        {
            var value = v[k - s] ^ (v[k - s] >> s);
            for (var i = 1; i < s; i++)
            {
                if (((a >> (s - 1 - i)) & 1) != 0)
                {
                    value ^= v[k - i];
                }
            }
            v[k] = value;
        }
        return v;
    }

    /// <summary>
    /// Linear matrix scrambling: output digit j (1 = most significant) is the parity of a random
    /// lower-triangular row (unit diagonal) applied to input digits 1..j.
    /// </summary>
    private static uint[] Scramble(uint[] v, Random random)
    {
        var rows = new uint[Bits];
        for (var j = 0; j < Bits; j++)
        {
            var diagonal = 1u << (Bits - 1 - j);
            // Random bits strictly above the diagonal's significance (more significant digits).
            var above = j == 0 ? 0u : (uint)random.NextInt64(0, 1L << 32) & ~((diagonal << 1) - 1);
            rows[j] = diagonal | above;
        }
        var result = new uint[Bits];
        for (var k = 0; k < Bits; k++)
        {
            uint scrambled = 0;
            for (var j = 0; j < Bits; j++)
            {
                if ((System.Numerics.BitOperations.PopCount(rows[j] & v[k]) & 1) != 0)
                {
                    scrambled |= 1u << (Bits - 1 - j);
                }
            }
            result[k] = scrambled;
        }
        return result;
    }
}
