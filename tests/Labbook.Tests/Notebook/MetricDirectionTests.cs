using Labbook.Notebook;

namespace Labbook.Tests.Notebook;

public class MetricDirectionTests
{
    [Theory]
    [InlineData("loss", true)]
    [InlineData("val_loss", true)]
    [InlineData("top1_err", true)]
    [InlineData("eval/wer", true)]
    [InlineData("acc", false)]
    [InlineData("val_accuracy", false)]
    [InlineData("f1", false)]
    [InlineData("lr", null)]
    [InlineData("epoch", null)]
    [InlineData("glossary", null)]
    [InlineData("accelerator", null)]
    public void Common_names_tell_the_direction(string metric, bool? lowerIsBetter) =>
        Assert.Equal(lowerIsBetter, MetricDirection.LowerIsBetter(metric));

    [Fact]
    public void A_prediction_on_the_metric_wins_over_the_name()
    {
        Assert.False(MetricDirection.LowerIsBetter("loss", ["loss > 0.5"]));
        Assert.True(MetricDirection.LowerIsBetter("throughput", ["acc >= 0.9", "throughput < 100"]));
        Assert.Null(MetricDirection.LowerIsBetter("throughput", ["not a < < prediction"]));
    }
}
