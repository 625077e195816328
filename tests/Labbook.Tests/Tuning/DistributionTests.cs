using Labbook.Tuning;

namespace Labbook.Tests.Tuning;

public class DistributionTests
{
    [Fact]
    public void Categorical_round_trips_choices_through_their_index()
    {
        var d = new CategoricalDistribution(["relu", 3, 1.5, true, null]);
        Assert.Equal(1.0, d.ToInternal(3L));
        Assert.Equal(3L, d.ToExternal(1));
        Assert.Null(d.ToExternal(d.ToInternal(null)));
        Assert.Throws<ArgumentException>(() => d.ToInternal("gelu"));
    }

    [Fact]
    public void Float_with_step_shrinks_high_onto_the_grid()
    {
        var d = new FloatDistribution(0, 1, step: 0.3);
        Assert.Equal(0.9, d.High, 12);
        Assert.True(d.Contains(0.6));
        Assert.False(d.Contains(0.5));
    }

    [Fact]
    public void Invalid_bounds_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new FloatDistribution(1, 0));
        Assert.Throws<ArgumentException>(() => new FloatDistribution(0, 1, log: true));
        Assert.Throws<ArgumentException>(() => new IntDistribution(0, 10, log: true));
    }
}
