using Labbook.Tuning;

namespace Labbook.Tests.Tuning.Samplers;

public class AutoSamplerTests
{
    [Fact]
    public void Maximizes_a_smooth_numeric_function_with_the_gp_phase()
    {
        var history = new FakeHistory(StudyDirection.Maximize);
        var sampler = DefaultSampler.Create(5);
        var x = new FloatDistribution(-3, 3);
        var lr = new FloatDistribution(1e-5, 1, log: true);
        for (var t = 0; t < 40; t++)
        {
            history.RunTrial(sampler, suggest => -Math.Pow(suggest("x", x) - 1, 2) - Math.Pow(Math.Log10(suggest("lr", lr)) + 3, 2));
        }
        Assert.True(history.BestValue > -0.05, $"best {history.BestValue}");
    }

    [Fact]
    public void Hands_over_to_cma_es_after_the_gp_budget()
    {
        var history = new FakeHistory();
        var sampler = new AutoSampler(1, gpTrials: 12);
        var d = new FloatDistribution(-2, 2);
        var chosen = new List<string>();
        for (var t = 0; t < 60; t++)
        {
            chosen.Add(sampler.Choose(history).GetType().Name);
            history.RunTrial(sampler, suggest => Math.Pow(suggest("a", d), 2) + Math.Pow(suggest("b", d) - 1, 2));
        }
        // The first trial (no space known yet) is TPE's, trials 1-11 the GP's, and from 12 completed trials on CMA-ES's.
        Assert.Equal(nameof(TpeSampler), chosen[0]);
        Assert.All(chosen.Skip(1).Take(11), name => Assert.Equal(nameof(GpSampler), name));
        Assert.All(chosen.Skip(12), name => Assert.Equal(nameof(CmaEsSampler), name));
        Assert.True(history.BestValue < 0.05, $"best {history.BestValue}");
    }

    [Fact]
    public void Uses_tpe_for_conditional_and_categorical_spaces()
    {
        var history = new FakeHistory();
        var sampler = DefaultSampler.Create(2);
        var kind = new CategoricalDistribution(["sgd", "adam"]);
        var m = new FloatDistribution(0, 0.99);
        var lr = new FloatDistribution(1e-4, 1, log: true);
        for (var t = 0; t < 60; t++)
        {
            history.RunTrial(sampler, suggest =>
            {
                var v = Math.Abs(Math.Log10(suggest("lr", lr)) + 2);
                return suggest("kind", kind) == 0 ? v + Math.Abs(suggest("momentum", m) - 0.9) : v + 0.5;
            });
        }
        var current = history.Add(TrialState.Running, null, [], []);
        Assert.Empty(sampler.InferRelativeSearchSpace(history, current));
        Assert.True(history.BestValue < 0.3, $"best {history.BestValue}");
    }
}

public class TpePrunedTrialTests
{
    [Fact]
    public void Pruned_trials_are_ranked_by_their_last_intermediate_value()
    {
        var history = new FakeHistory();
        var x = new FloatDistribution(0, 1);
        var random = new Random(4);
        for (var t = 0; t < 20; t++)
        {
            var v = random.NextDouble();
            history.AddComplete(v, new() { ["x"] = v }, new() { ["x"] = x });
        }
        // Pruned trials near x = 0.9 with poor intermediate values; one without any.
        for (var t = 0; t < 5; t++)
        {
            history.Trials.Add(new FrozenTrial
            {
                Number = history.Trials.Count,
                TrialId = history.Trials.Count,
                State = TrialState.Pruned,
                InternalParams = new Dictionary<string, double> { ["x"] = 0.9 },
                Distributions = new Dictionary<string, Distribution> { ["x"] = x },
                IntermediateValues = t == 0 ? new Dictionary<int, double>() : new Dictionary<int, double> { [1] = 5.0, [2] = double.NaN },
            });
        }
        var sampler = new TpeSampler(8);
        var values = Enumerable.Range(0, 30).Select(_ =>
        {
            var current = history.Add(TrialState.Running, null, [], []);
            var v = sampler.SampleIndependent(history, current, "x", x);
            history.Trials.RemoveAt(history.Trials.Count - 1);
            return v;
        }).ToList();
        Assert.All(values, v => Assert.True(x.Contains(v)));
        Assert.True(values.Average() < 0.5, $"mean suggestion {values.Average()}");
    }
}
