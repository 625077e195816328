using Labbook.Sweeps;
using Labbook.Tuning;

namespace Labbook.Tests.Sweeps;

public class ParamImportanceTests
{
    [Fact]
    public void The_parameters_that_drive_the_objective_rank_first_and_a_dummy_gets_almost_nothing()
    {
        // f = 10 x^2 + y, with z unused: x matters most, then y, z not at all.
        var study = Study.Create(sampler: new RandomSampler(7));
        study.Optimize(t =>
        {
            var x = t.SuggestFloat("x", -1, 1);
            var y = t.SuggestFloat("y", 0, 1);
            _ = t.SuggestCategorical("z", new[] { "a", "b", "c" });
            return (10 * x * x) + y;
        }, nTrials: 300);
        var importance = ParamImportance.Compute(study.Trials);
        Assert.Equal(["x", "y", "z"], importance.Select(i => i.Param));
        Assert.True(importance[0].Importance > 0.6, $"x: {importance[0].Importance}");
        Assert.True(importance[2].Importance < 0.05, $"z: {importance[2].Importance}");
        Assert.Equal(1.0, importance.Sum(i => i.Importance), 6);
    }

    [Fact]
    public void A_log_scaled_and_a_categorical_parameter_that_matter_outrank_dummies_when_maximizing()
    {
        // Good when lr is near 1e-3 (in log scale) and act is "gelu"; layers and seed do nothing.
        var study = Study.Create(direction: StudyDirection.Maximize, sampler: new RandomSampler(11));
        study.Optimize(t =>
        {
            var lr = t.SuggestFloat("lr", 1e-5, 1e-1, log: true);
            var act = t.SuggestCategorical("act", new[] { "relu", "tanh", "gelu" });
            _ = t.SuggestInt("layers", 1, 8);
            _ = t.SuggestInt("batch", 16, 512, log: true);
            var l = Math.Log10(lr) + 3;
            return -(l * l) + (act == "gelu" ? 1.5 : 0);
        }, nTrials: 400);
        var importance = ParamImportance.Compute(study.Trials, StudyDirection.Maximize).ToDictionary(i => i.Param, i => i.Importance);
        Assert.True(importance["lr"] > importance["layers"] * 5 && importance["lr"] > importance["batch"] * 5, string.Join(", ", importance));
        Assert.True(importance["act"] > importance["layers"] * 5 && importance["act"] > importance["batch"] * 5, string.Join(", ", importance));
        Assert.True(importance["layers"] + importance["batch"] < 0.1, string.Join(", ", importance));
    }

    [Fact]
    public void The_direction_decides_which_trials_are_good()
    {
        // Minimizing f = x: the good trials sit at low x, so x is important; the same data maximized too.
        var study = Study.Create(sampler: new RandomSampler(3));
        study.Optimize(t => t.SuggestFloat("x", 0, 1) + (0 * t.SuggestFloat("d", 0, 1)), nTrials: 200);
        foreach (var direction in new[] { StudyDirection.Minimize, StudyDirection.Maximize })
        {
            var importance = ParamImportance.Compute(study.Trials, direction);
            Assert.Equal("x", importance[0].Param);
            Assert.True(importance[0].Importance > 0.85, $"{direction}: {importance[0].Importance}");
        }
    }

    [Fact]
    public void A_conditional_parameter_is_judged_on_the_trials_that_have_it_and_fixed_or_few_trials_do_not_break_it()
    {
        var study = Study.Create(sampler: new RandomSampler(5));
        study.Optimize(t =>
        {
            var optimizer = t.SuggestCategorical("optimizer", new[] { "adam", "sgd" });
            var momentum = optimizer == "sgd" ? t.SuggestFloat("momentum", 0, 0.99) : 0.9;
            _ = t.SuggestInt("fixed", 3, 3);
            return Math.Abs(momentum - 0.9) * 10;
        }, nTrials: 200);
        var importance = ParamImportance.Compute(study.Trials).ToDictionary(i => i.Param, i => i.Importance);
        Assert.Equal(0, importance["fixed"]);
        Assert.True(importance["momentum"] > importance["optimizer"], string.Join(", ", importance));
        Assert.Equal(1.0, importance.Values.Sum(), 6);

        var two = Study.Create(sampler: new RandomSampler(5));
        two.Optimize(t => t.SuggestFloat("a", 0, 1) + t.SuggestFloat("b", 0, 1), nTrials: 2);
        Assert.All(ParamImportance.Compute(two.Trials), i => Assert.Equal(0.5, i.Importance, 9));
        Assert.Empty(ParamImportance.Compute([]));
    }

    [Fact]
    public void The_parzen_estimators_are_densities_and_the_grid_follows_the_distribution()
    {
        var pdf = ParamImportance.NumericPdf([0, 3, 0, 0, 1, 0, 0, 0, 0, 2]);
        Assert.Equal(1.0, pdf.Sum(), 6);
        Assert.True(pdf[1] > pdf[7]);
        var cat = ParamImportance.CategoricalPdf([5, 0, 1]);
        Assert.Equal(1.0, cat.Sum(), 9);
        Assert.True(cat[0] > cat[2] && cat[2] > cat[1]);
        Assert.Equal(50, ParamImportance.Grid(new FloatDistribution(0, 1)).Length);
        Assert.Equal(11, ParamImportance.Grid(new FloatDistribution(0, 0.5, step: 0.05)).Length);
        Assert.Equal(8, ParamImportance.Grid(new IntDistribution(1, 8)).Length);
        // log2(512 - 16 + 1) rounded up, plus one.
        Assert.Equal(10, ParamImportance.Grid(new IntDistribution(16, 512, log: true)).Length);
        var logGrid = ParamImportance.Grid(new FloatDistribution(1e-5, 1e-1, log: true));
        Assert.Equal(0, ParamImportance.GridIndex(logGrid, new FloatDistribution(1e-5, 1e-1, log: true), 1e-5));
        Assert.Equal(49, ParamImportance.GridIndex(logGrid, new FloatDistribution(1e-5, 1e-1, log: true), 1e-1));
        Assert.InRange(ParamImportance.GridIndex(logGrid, new FloatDistribution(1e-5, 1e-1, log: true), 1.2e-3), 25, 26);
    }
}
