using Labbook.Tuning;
using Labbook.Tuning.Samplers;

namespace Labbook.Tests.Tuning.Samplers;

public class CmaEsSamplerTests
{
    [Fact]
    public void Converges_on_a_sphere()
    {
        var history = new FakeHistory();
        var sampler = new CmaEsSampler(11);
        var d = new FloatDistribution(-5, 5);
        for (var t = 0; t < 400; t++)
        {
            history.RunTrial(sampler, suggest =>
            {
                var s = 0.0;
                for (var i = 0; i < 4; i++)
                {
                    var x = suggest("x" + i, d) - 1.0;
                    s += x * x;
                }
                return s;
            });
        }
        Assert.True(history.BestValue < 1e-3, $"best {history.BestValue}");
    }

    [Fact]
    public void Categorical_parameters_go_to_the_independent_sampler()
    {
        var history = new FakeHistory();
        var sampler = new CmaEsSampler(1);
        for (var t = 0; t < 30; t++)
        {
            history.RunTrial(sampler, suggest =>
                suggest("x", new FloatDistribution(0, 1)) + suggest("n", new IntDistribution(0, 10)) + suggest("c", new CategoricalDistribution(["a", "b"])));
        }
        var current = history.Add(TrialState.Running, null, [], []);
        var space = sampler.InferRelativeSearchSpace(history, current);
        Assert.Equal(["n", "x"], space.Keys.Order());
    }

    [Fact]
    public void Maximize_is_minimizing_the_negation()
    {
        var history = new FakeHistory(StudyDirection.Maximize);
        var sampler = new CmaEsSampler(4);
        var d = new FloatDistribution(-3, 3);
        for (var t = 0; t < 200; t++)
        {
            history.RunTrial(sampler, suggest => -Math.Pow(suggest("x", d) - 1, 2) - Math.Pow(suggest("y", d) + 1, 2));
        }
        Assert.True(history.BestValue > -1e-3, $"best {history.BestValue}");
    }
}

public class SobolTests
{
    [Fact]
    public void Unscrambled_points_are_the_sobol_sequence_in_natural_order()
    {
        // Point i is the XOR of the direction numbers of i's set bits (natural, not Gray-code, order).
        var sobol = new SobolSequence(2, seed: null);
        double[][] expected = [[0, 0], [0.5, 0.5], [0.25, 0.75], [0.75, 0.25], [0.125, 0.625], [0.625, 0.125]];
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], sobol.Point(i));
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData(7)]
    [InlineData(123)]
    public void The_first_two_dimensions_form_a_0_m_2_net(int? seed)
    {
        // Every 1/16 x 1/16 cell (and every 1/256 x 1 and 1 x 1/256 strip) holds exactly one of 256 points.
        var sobol = new SobolSequence(5, seed);
        var cells = new int[16, 16];
        var rows = new int[256];
        for (var i = 0; i < 256; i++)
        {
            var p = sobol.Point(i);
            Assert.All(p, v => Assert.InRange(v, 0.0, 1.0));
            cells[(int)(p[0] * 16), (int)(p[1] * 16)]++;
            rows[(int)(p[0] * 256)]++;
        }
        Assert.All(cells.Cast<int>(), c => Assert.Equal(1, c));
        Assert.All(rows, c => Assert.Equal(1, c));
    }

    [Fact]
    public void Discrepancy_is_far_below_random()
    {
        // Star discrepancy proxy: worst error of the empirical measure of anchored boxes [0, a) x [0, b) over a grid.
        static double Discrepancy(double[][] pts)
        {
            var worst = 0.0;
            for (var a = 1; a <= 20; a++)
            {
                for (var b = 1; b <= 20; b++)
                {
                    double x = a / 20.0, y = b / 20.0;
                    var inside = pts.Count(p => p[0] < x && p[1] < y);
                    worst = Math.Max(worst, Math.Abs((inside / (double)pts.Length) - (x * y)));
                }
            }
            return worst;
        }
        var sobol = new SobolSequence(3, 5);
        var qmc = Enumerable.Range(0, 512).Select(i => sobol.Point(i)[1..]).ToArray();
        var random = new Random(5);
        var mc = Enumerable.Range(0, 512).Select(_ => new[] { random.NextDouble(), random.NextDouble() }).ToArray();
        Assert.True(Discrepancy(qmc) < 0.5 * Discrepancy(mc), $"{Discrepancy(qmc)} vs {Discrepancy(mc)}");
    }

    [Fact]
    public void Scrambling_is_reproducible_per_seed()
    {
        Assert.Equal(new SobolSequence(40, 3).Point(17), new SobolSequence(40, 3).Point(17));
        Assert.NotEqual(new SobolSequence(40, 3).Point(17), new SobolSequence(40, 4).Point(17));
    }

    [Fact]
    public void Qmc_sampler_covers_the_space_evenly()
    {
        var history = new FakeHistory();
        var sampler = new QmcSampler(9);
        var d = new FloatDistribution(0, 1);
        for (var t = 0; t < 65; t++)
        {
            history.RunTrial(sampler, suggest => suggest("x", d) + suggest("y", d));
        }
        // Trials 1..64 are the first 64 Sobol points: one per 1/8 x 1/8 cell.
        var cells = history.Trials.Skip(1).Select(t => ((int)(t.InternalParams["x"] * 8), (int)(t.InternalParams["y"] * 8))).ToHashSet();
        Assert.Equal(64, cells.Count);
    }
}

public class GpSamplerTests
{
    [Fact]
    public void Likelihood_gradient_matches_finite_differences()
    {
        var random = new Random(3);
        var x = Enumerable.Range(0, 15).Select(_ => new[] { random.NextDouble(), random.NextDouble() }).ToArray();
        var y = x.Select(p => Math.Sin(5 * p[0]) + (p[1] * p[1])).ToArray();
        var gp = new GaussianProcess(2);
        double[] theta = [Math.Log(0.3), Math.Log(0.7), Math.Log(1.5), Math.Log(0.01)];
        theta.CopyTo(gp.Theta, 0);
        var analytic = gp.ObjectiveGradient(x, y);
        for (var i = 0; i < theta.Length; i++)
        {
            const double H = 1e-5;
            gp.Theta[i] += H;
            var up = gp.Objective(x, y);
            gp.Theta[i] -= 2 * H;
            var down = gp.Objective(x, y);
            gp.Theta[i] += H;
            Assert.Equal((up - down) / (2 * H), analytic[i], 4);
        }
    }

    [Fact]
    public void Finds_the_minimum_of_a_smooth_function_quickly()
    {
        var history = new FakeHistory();
        var sampler = new GpSampler(2);
        var d = new FloatDistribution(-2, 2);
        for (var t = 0; t < 30; t++)
        {
            history.RunTrial(sampler, suggest => Math.Pow(suggest("x", d) - 0.7, 2) + Math.Pow(suggest("y", d) + 0.4, 2));
        }
        Assert.True(history.BestValue < 1e-2, $"best {history.BestValue}");
    }
}
