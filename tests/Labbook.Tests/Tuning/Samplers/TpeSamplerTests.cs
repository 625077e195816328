using Labbook.Tuning;

namespace Labbook.Tests.Tuning.Samplers;

public class TpeSamplerTests
{
    private static readonly FloatDistribution X = new(-5, 5);

    private static double Quadratic(double x) => (x - 1.3) * (x - 1.3);

    [Fact]
    public void Multivariate_tpe_samples_the_shared_space_jointly_and_finds_a_2d_optimum()
    {
        var sampler = new TpeSampler(3, multivariate: true);
        var study = Study.Create(sampler: sampler);
        var relative = 0;
        study.Optimize(t =>
        {
            var x = t.SuggestFloat("x", -5, 5);
            var y = t.SuggestFloat("y", -5, 5);
            return ((x - 1) * (x - 1)) + ((y + 2) * (y + 2));
        }, nTrials: 80, callbacks: [(s, t) =>
        {
            if (t.Number >= 10 && sampler.InferRelativeSearchSpace(s, t).Count == 2)
            {
                relative++;
            }
        }]);
        Assert.Equal(70, relative);
        Assert.True(study.BestValue < 0.5, $"best {study.BestValue}");
    }

    [Fact]
    public void Tpe_concentrates_on_the_optimum_of_a_quadratic_better_than_random()
    {
        double tpeDistance = 0, randomDistance = 0, tpeBest = 0, randomBest = 0;
        for (var seed = 0; seed < 5; seed++)
        {
            foreach (var (sampler, isTpe) in new (ISampler, bool)[] { (new TpeSampler(seed), true), (new RandomSampler(seed), false) })
            {
                var history = new FakeHistory();
                for (var t = 0; t < 50; t++)
                {
                    history.RunTrial(sampler, suggest => Quadratic(suggest("x", X)));
                }
                var late = history.Trials.Skip(30).Average(t => Math.Abs(t.InternalParams["x"] - 1.3));
                if (isTpe)
                {
                    tpeDistance += late;
                    tpeBest += history.BestValue;
                }
                else
                {
                    randomDistance += late;
                    randomBest += history.BestValue;
                }
            }
        }
        Assert.True(tpeDistance < 0.5 * randomDistance, $"TPE mean distance {tpeDistance / 5} vs random {randomDistance / 5}");
        Assert.True(tpeBest < randomBest, $"TPE best {tpeBest / 5} vs random {randomBest / 5}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Maximize_finds_the_maximum(bool multivariate)
    {
        var history = new FakeHistory(StudyDirection.Maximize);
        var sampler = new TpeSampler(3, multivariate: multivariate);
        for (var t = 0; t < 80; t++)
        {
            history.RunTrial(sampler, suggest => -Quadratic(suggest("x", X)) - Math.Pow(suggest("y", X) + 2, 2));
        }
        var best = history.Trials.MaxBy(t => t.Value)!;
        Assert.True(best.Value > -0.1, $"best {best.Value}");
        Assert.InRange(best.InternalParams["x"], 1.0, 1.6);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Conditional_parameters_are_sampled_from_their_own_history(bool multivariate)
    {
        var history = new FakeHistory();
        var sampler = new TpeSampler(5, multivariate: multivariate);
        var kind = new CategoricalDistribution(["a", "b"]);
        var xa = new FloatDistribution(0, 10);
        var xb = new FloatDistribution(-10, 0, step: 0.5);
        for (var t = 0; t < 80; t++)
        {
            history.RunTrial(sampler, suggest =>
            {
                // Branch b is better, with its optimum at -2.5.
                if (suggest("kind", kind) == 0)
                {
                    return 1 + Math.Abs(suggest("xa", xa) - 5);
                }
                var v = suggest("xb", xb);
                Assert.True(xb.Contains(v));
                return Math.Abs(v + 2.5);
            });
        }
        var late = history.Trials.Skip(50).ToList();
        Assert.True(late.Count(t => t.InternalParams["kind"] == 1) > late.Count / 2, "TPE should favour the better branch");
        Assert.Equal(0.0, history.BestValue, 6);
        Assert.All(history.Trials, t => Assert.False(t.InternalParams.ContainsKey("xa") && t.InternalParams.ContainsKey("xb")));
    }

    [Fact]
    public void Constant_liar_moves_away_from_running_trials()
    {
        double Suggest(bool liar, int seed)
        {
            var history = new FakeHistory();
            var random = new Random(seed);
            for (var t = 0; t < 30; t++)
            {
                var x = -5 + (10 * random.NextDouble());
                history.AddComplete(Quadratic(x), new() { ["x"] = x }, new() { ["x"] = X });
            }
            // Three workers are evaluating points at the optimum right now.
            for (var t = 0; t < 3; t++)
            {
                history.Add(TrialState.Running, null, new() { ["x"] = 1.3 + (0.01 * t) }, new() { ["x"] = X });
            }
            var sampler = new TpeSampler(seed, constantLiar: liar);
            var current = history.Add(TrialState.Running, null, [], []);
            return sampler.SampleIndependent(history, current, "x", X);
        }
        // Without the liar TPE keeps proposing the optimum the workers already evaluate; with it, those running
        // trials count as bad results and the proposals leave their neighbourhood. Counted over many histories,
        // since one proposal may land anywhere.
        const int Histories = 40;
        int Near(bool liar) => Enumerable.Range(0, Histories).Count(seed => Math.Abs(Suggest(liar, seed) - 1.3) < 0.25);
        var honest = Near(liar: false);
        var lying = Near(liar: true);
        Assert.True(honest >= Histories / 3, $"without the liar only {honest} of {Histories} proposals are near the optimum");
        Assert.True(lying <= honest / 2, $"with the liar {lying} of {Histories} proposals are still near the running trials (without: {honest})");
    }

    [Fact]
    public void Running_trials_do_not_count_as_startup_observations()
    {
        // Twelve running trials (more than the 10 startup trials) must leave TPE in its startup phase: its proposal
        // is then the seeded random draw of this trial, the same one a history of twelve failed trials gives.
        double Suggest(TrialState earlier)
        {
            var history = new FakeHistory();
            for (var t = 0; t < 12; t++)
            {
                history.Add(earlier, earlier == TrialState.Complete ? 1.0 : null, new() { ["x"] = 0.5 }, new() { ["x"] = X });
            }
            var sampler = new TpeSampler(1, constantLiar: true);
            var current = history.Add(TrialState.Running, null, [], []);
            return sampler.SampleIndependent(history, current, "x", X);
        }
        var startup = Suggest(TrialState.Fail);
        Assert.Equal(startup, Suggest(TrialState.Running));
        // And a history where they count (completed) does leave the startup phase: the check above can tell.
        Assert.NotEqual(startup, Suggest(TrialState.Complete));
    }

    [Fact]
    public void Default_gamma_and_weights_follow_optuna()
    {
        Assert.Equal(1, TpeSampler.DefaultGamma(1));
        Assert.Equal(10, TpeSampler.DefaultGamma(100));
        Assert.Equal(25, TpeSampler.DefaultGamma(1000));
        Assert.Equal(Enumerable.Repeat(1.0, 10), TpeSampler.DefaultWeights(10));
        var w = TpeSampler.DefaultWeights(30);
        Assert.Equal(1.0 / 30, w[0], 12);
        Assert.Equal(1.0, w[4], 12);
        Assert.All(w.Skip(5), v => Assert.Equal(1.0, v));
    }
}
