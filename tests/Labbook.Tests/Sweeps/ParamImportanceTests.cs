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
}
