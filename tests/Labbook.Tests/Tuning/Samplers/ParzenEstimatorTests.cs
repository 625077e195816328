using CsCheck;
using Labbook.Tuning;

namespace Labbook.Tests.Tuning.Samplers;

/// <summary>
/// The estimator reproduces Optuna 3.1's <c>_ParzenEstimator.log_pdf</c> (values computed with
/// Debian's python3-optuna 3.1.0 on the data below) when asked for its unscaled density.
/// </summary>
public class ParzenEstimatorTests
{
    private static readonly Dictionary<string, Distribution> Space = new()
    {
        ["a"] = new FloatDistribution(0, 1),
        ["b"] = new FloatDistribution(-5, 5),
        ["c"] = new FloatDistribution(1e-3, 1, log: true),
        ["k"] = new IntDistribution(1, 8),
        ["cat"] = new CategoricalDistribution(["x", "y", "z"]),
    };

    private static readonly Dictionary<string, double[]> Observations = new()
    {
        ["a"] = [0.5488135039273248, 0.7151893663724195, 0.6027633760716439, 0.5448831829968969, 0.4236547993389047, 0.6458941130666561, 0.4375872112626925],
        ["b"] = [3.917730007820797, 4.636627605010293, -1.1655848117422227, 2.917250380826646, 0.28894919752904435, 0.6804456109393229, 4.25596638292661],
        ["c"] = [0.00163345876110695, 0.001825525480239901, 0.001149887074711945, 0.3146730406166004, 0.2160082074140204, 0.407414465416623, 0.8626905220714899],
        ["k"] = [1, 2, 4, 6, 4, 4, 7],
        ["cat"] = [0, 1, 1, 1, 0, 2, 0],
    };

    private static readonly Dictionary<string, double[]> Points = new()
    {
        ["a"] = [0.4736004193466574, 0.18633234332675996, 0.7369181771289581, 0.21655035442437187, 0.13521817340545206],
        ["b"] = [-1.7585899220678591, -3.5032513281631683, -2.7767861174841233, -1.1351101887413808, 4.025984755294047],
        ["c"] = [0.022379478892320462, 0.0690542437842352, 0.5093845279011195, 0.0019853681526881364, 0.8117591698634133],
        ["k"] = [7, 8, 4, 7, 3],
        ["cat"] = [0, 2, 1, 0, 1],
    };

    public static TheoryData<bool, string, double[]> Expected => new()
    {
        { true, "a,b,c,k,cat", [-5.158379494658206, -5.30675556163438, -5.238328319141087, -5.269602310719863, -5.368261962001177] },
        { true, "a", [-0.979206189713349, -1.915771162338614, -1.2294507925097835, -1.8313556193657017, -2.022394992439631] },
        { true, "k", [-2.3240294961103616, -2.868296920933332, -1.7611175978632798, -2.3240294961103616, -1.8770232776983427] },
        { true, "c", [-1.978155613884821, -1.7047854084806924, -1.0859675247226777, -1.1018980414171848, -1.1919191191084388] },
        { false, "a,b,c,k,cat", [-5.159763827554341, -5.306762562818121, -5.228272178996229, -5.269855309521381, -5.369685911556161] },
        { false, "a", [-1.0557778614443185, -2.0135610068370857, -1.3436111597517937, -1.951037016419338, -2.080204187301722] },
        { false, "k", [-2.25178802393505, -2.7212833885738235, -1.6882669070313598, -2.25178802393505, -1.9411965544162049] },
        { false, "c", [-1.506716367504632, -1.4549261302456535, -1.030960797352248, -1.0674704053309476, -1.1248281090071475] },
    };

    [Theory]
    [MemberData(nameof(Expected))]
    public void Log_pdf_matches_optuna_3_1(bool multivariate, string keys, double[] expected)
    {
        var names = keys.Split(',');
        var dims = names.Select(n => ParzenDimension.From(Space[n])).ToArray();
        var obs = names.Select((n, i) => Observations[n].Select(dims[i].ToParzen).ToArray()).ToArray();
        var pts = names.Select((n, i) => Points[n].Select(dims[i].ToParzen).ToArray()).ToArray();
        var options = new ParzenOptions(1.0, ConsiderMagicClip: true, ConsiderEndpoints: false, multivariate, BandwidthScale: 0.2, UnscaledDensity: true);
        var estimator = new ParzenEstimator(dims, obs, obs[0].Length, TpeSampler.DefaultWeights(obs[0].Length), options);
        var actual = estimator.LogPdf(pts, pts[0].Length);
        for (var i = 0; i < expected.Length; i++)
        {
            // Our erfc is accurate to ~1e-7 relative; the rest is exact.
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6 * Math.Max(1, Math.Abs(expected[i])), $"{expected[i]} vs {actual[i]}");
        }
    }

    [Fact]
    public void Windowed_log_pdf_equals_the_full_sum()
    {
        var random = new Random(2);
        var dims = new[] { ParzenDimension.From(new FloatDistribution(-3, 7)) };
        var obs = new[] { Enumerable.Range(0, 600).Select(_ => -3 + (10 * random.NextDouble() * random.NextDouble())).ToArray() };
        var weights = TpeSampler.DefaultWeights(600);
        var univariate = new ParzenEstimator(dims, obs, 600, weights, new ParzenOptions(1.0, true, false, Multivariate: false, 0.2));
        Assert.True(univariate.IsWindowed);
        var points = new[] { Enumerable.Range(0, 50).Select(i => -3 + (0.2 * i)).ToArray() };
        var fast = univariate.LogPdf(points, 50);
        var full = univariate.LogPdfFull(points, 50);
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(full[i], fast[i], 9);
        }
    }

    [Fact]
    public void Windowed_bandwidths_equal_optunas_rule_on_the_merged_centres()
    {
        // The windowed estimator computes gaps in vector loops and patches the components next to the ends and the
        // prior; the reference walks the merged order one centre at a time. Both must agree bit for bit, duplicates
        // included (the prior sits where a binary search puts it among equal centres in both).
        Gen.Select(Gen.Int[33, 300], Gen.Int[0, 10_000], Gen.Bool, Gen.Int[0, 3]).Sample(
            (count, seed, endpoints, shape) =>
            {
                var random = new Random(seed);
                var dims = new[] { ParzenDimension.From(new FloatDistribution(-2, 6)) };
                double Draw() => shape switch
                {
                    0 => -2 + (8 * random.NextDouble()),
                    1 => 2 + (0.01 * random.NextDouble()), // crowded around the prior's centre
                    2 => Math.Round(-2 + (8 * random.NextDouble()), 1), // many duplicates
                    _ => random.NextDouble() < 0.5 ? -2 + random.NextDouble() : 5 + random.NextDouble(), // prior in a gap
                };
                var obs = Enumerable.Range(0, count).Select(_ => Draw()).ToArray();
                var options = new ParzenOptions(1.0, ConsiderMagicClip: true, endpoints, Multivariate: false, 0.2);
                var estimator = new ParzenEstimator(dims, [obs], count, TpeSampler.DefaultWeights(count), options, sorted: false, new ParzenBuffers());
                Assert.True(estimator.IsWindowed);
                var reference = MergedSigmas(obs.Order().ToArray(), 2.0, -2, 6, endpoints);
                var minSigma = 8.0 / Math.Min(100.0, 1.0 + count + 1);
                var actual = estimator.Bandwidths(0);
                for (var k = 0; k < count; k++)
                {
                    Assert.Equal(Math.Clamp(reference[k], minSigma, 8.0), actual[k]);
                }
                Assert.Equal(8.0, actual[count]);
            },
            iter: 200);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_discrete_estimator_puts_total_mass_one_on_its_grid(bool stepped)
    {
        // Interval masses of a mixture of truncated normals: summed over every grid value they make 1, whatever the
        // bandwidths (many observations, most bandwidths at the clip, far from the bounds).
        var random = new Random(11);
        Distribution dist = stepped ? new FloatDistribution(0, 30, step: 0.1) : new IntDistribution(0, 300);
        var dims = new[] { ParzenDimension.From(dist) };
        var obs = Enumerable.Range(0, 200).Select(_ => Math.Round(100 + (60 * random.NextDouble() * random.NextDouble()))).Select(v => stepped ? v / 10 : v).ToArray();
        var options = new ParzenOptions(1.0, ConsiderMagicClip: true, ConsiderEndpoints: false, Multivariate: false, 0.2);
        var estimator = new ParzenEstimator(dims, [obs], obs.Length, TpeSampler.DefaultWeights(obs.Length), options);
        var grid = Enumerable.Range(0, 301).Select(i => stepped ? i / 10.0 : i).ToArray();
        var total = estimator.LogPdf([grid], grid.Length).Sum(Math.Exp);
        Assert.Equal(1.0, total, 5);
    }

    [Fact]
    public void Branch_and_bound_keeps_the_candidate_the_full_sums_choose()
    {
        // The bound sums a subset of positive terms, so it never exceeds the density; candidates it drops cannot win.
        Gen.Select(Gen.Int[33, 800], Gen.Int[0, 10_000], Gen.Int[0, 2]).Sample(
            (count, seed, shape) =>
            {
                var random = new Random(seed);
                double Draw() => shape switch
                {
                    0 => random.NextDouble(),
                    1 => 0.5 + (0.05 * (random.NextDouble() - 0.5)),
                    _ => random.NextDouble() < 0.9 ? 0.2 + (0.01 * random.NextDouble()) : random.NextDouble(),
                };
                var dims = new[] { ParzenDimension.From(new FloatDistribution(0, 1)) };
                var obs = Enumerable.Range(0, count).Select(_ => Draw()).ToArray();
                var options = new ParzenOptions(1.0, ConsiderMagicClip: true, ConsiderEndpoints: false, Multivariate: false, 0.2);
                var above = new ParzenEstimator(dims, [obs], count, TpeSampler.DefaultWeights(count), options);
                var xs = Enumerable.Range(0, 24).Select(_ => Draw()).ToArray();
                var full = above.LogPdf([xs], xs.Length);
                var blocks = above.NewBlockList();
                foreach (var z in new[] { 0.5, 2.0, 4.0, 10.0 })
                {
                    for (var i = 0; i < xs.Length; i++)
                    {
                        Assert.True(above.LogPdfLowerBound(xs[i], z, blocks) <= full[i] + 1e-12, $"bound above the density at {xs[i]} (z {z})");
                    }
                }
                // Scores within a few hundredths of each other (and exact ties): the hard case for a bound.
                var logL = full.Select(g => g + (0.02 * random.Next(4))).ToArray();
                var bounded = TpeSampler.LogGOfContenders(above, xs, logL);
                static int ArgMax(double[] l, double[] g)
                {
                    var best = 0;
                    var bestScore = double.NegativeInfinity;
                    for (var i = 0; i < l.Length; i++)
                    {
                        if (l[i] - g[i] > bestScore)
                        {
                            bestScore = l[i] - g[i];
                            best = i;
                        }
                    }
                    return best;
                }
                var chosen = ArgMax(logL, bounded);
                Assert.Equal(ArgMax(logL, full), chosen);
                Assert.Equal(full[chosen], bounded[chosen]);
            },
            iter: 150);
    }

    /// <summary>Optuna's univariate bandwidths of sorted centres with the prior merged in, for the observations.</summary>
    private static double[] MergedSigmas(double[] sorted, double prior, double low, double high, bool considerEndpoints)
    {
        var count = sorted.Length;
        var n = count + 1;
        var p = Array.BinarySearch(sorted, prior);
        p = p < 0 ? ~p : p;
        double At(int j) => j < p ? sorted[j] : j == p ? prior : sorted[j - 1];
        var merged = new double[n];
        for (var j = 0; j < n; j++)
        {
            var left = j == 0 ? low : At(j - 1);
            var right = j == n - 1 ? high : At(j + 1);
            merged[j] = Math.Max(At(j) - left, right - At(j));
        }
        if (!considerEndpoints)
        {
            merged[0] = At(1) - At(0);
            merged[n - 1] = At(n - 1) - At(n - 2);
        }
        return [.. merged[..p], .. merged[(p + 1)..]];
    }

    [Fact]
    public void Reused_buffers_give_the_same_density_as_fresh_arrays()
    {
        var random = new Random(5);
        var dims = new[] { ParzenDimension.From(new FloatDistribution(0, 1)) };
        var options = new ParzenOptions(1.0, true, false, Multivariate: false, 0.2);
        var buffers = new ParzenBuffers();
        var points = new[] { Enumerable.Range(0, 40).Select(i => i / 39.0).ToArray() };
        // Shrinking then growing sizes: the reused arrays hold stale values from the earlier, larger estimator.
        foreach (var n in new[] { 500, 120, 300, 40, 700 })
        {
            var obs = new[] { Enumerable.Range(0, n).Select(_ => random.NextDouble() * random.NextDouble()).ToArray() };
            var weights = TpeSampler.DefaultWeights(n);
            var fresh = new ParzenEstimator(dims, obs, n, weights, options).LogPdf(points, 40);
            var reused = new ParzenEstimator(dims, obs, n, weights, options, sorted: false, buffers).LogPdf(points, 40);
            Assert.Equal(fresh, reused);
        }
    }
}

public sealed class SamplerMathExpTests
{
    [Fact]
    public void Vector_exp_is_within_2_ulp_of_Math_Exp_and_zero_far_below()
    {
        var random = new Random(3);
        for (var i = 0; i < 10_000; i++)
        {
            var x = -random.NextDouble() * 700;
            var v = Labbook.Tuning.SamplerMath.Exp(System.Runtime.Intrinsics.Vector256.Create(x, x / 2, -x / 700, 0.0));
            for (var lane = 0; lane < 4; lane++)
            {
                var arg = lane switch { 0 => x, 1 => x / 2, 2 => -x / 700, _ => 0.0 };
                var expected = Math.Exp(arg);
                Assert.True(Math.Abs(v[lane] - expected) <= 4.5e-16 * expected, $"exp({arg}) = {v[lane]}, expected {expected}");
            }
        }
        Assert.True(Labbook.Tuning.SamplerMath.Exp(System.Runtime.Intrinsics.Vector256.Create(-1e6))[0] < 1e-300);
    }

    [Fact]
    public void Eight_lane_exp_equals_four_lane_exp_bit_for_bit()
    {
        var random = new Random(4);
        var lanes = new double[8];
        for (var i = 0; i < 10_000; i++)
        {
            for (var lane = 0; lane < 8; lane++)
            {
                lanes[lane] = (-random.NextDouble() * 760) + 5;
            }
            var wide = Labbook.Tuning.SamplerMath.Exp(System.Runtime.Intrinsics.Vector512.Create(lanes));
            var low = Labbook.Tuning.SamplerMath.Exp(System.Runtime.Intrinsics.Vector256.Create(lanes.AsSpan(0, 4)));
            var high = Labbook.Tuning.SamplerMath.Exp(System.Runtime.Intrinsics.Vector256.Create(lanes.AsSpan(4, 4)));
            for (var lane = 0; lane < 4; lane++)
            {
                Assert.Equal(BitConverter.DoubleToInt64Bits(low[lane]), BitConverter.DoubleToInt64Bits(wide[lane]));
                Assert.Equal(BitConverter.DoubleToInt64Bits(high[lane]), BitConverter.DoubleToInt64Bits(wide[lane + 4]));
            }
        }
    }
}
