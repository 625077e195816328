using Labbook.Sweeps;

namespace Labbook.Tests.Sweeps;

public class InlineSpaceTests
{
    [Fact]
    public void Every_inline_form_reads_as_the_file_form_would()
    {
        var space = InlineSpace.Parse(["lr=log:1e-5..1e-1", "layers=int:1..8", "act=relu,tanh,gelu", "dropout=0..0.5", "units=int:32..256:32",
            "batch=logint:16..512", "wd=float:0..0.1:0.01", "epochs=20", "tag=a;rm -rf ~"]);
        var p = space.Params.ToDictionary(x => x.Name);
        Assert.True(p["lr"] is { Kind: ParamKind.Float, Log: true, Low: 1e-5, High: 0.1 });
        Assert.True(p["layers"] is { Kind: ParamKind.Int, Log: false, Low: 1, High: 8, Step: null });
        Assert.Equal(["relu", "tanh", "gelu"], p["act"].Choices);
        Assert.True(p["dropout"] is { Kind: ParamKind.Float, Low: 0, High: 0.5 });
        Assert.Equal(32, p["units"].Step);
        Assert.True(p["batch"] is { Kind: ParamKind.Int, Log: true });
        Assert.Equal(0.01, p["wd"].Step);
        Assert.Equal(20L, p["epochs"].Value);
        Assert.Equal("a;rm -rf ~", p["tag"].Value);
        Assert.Equal([32L, 64L, 1.5, true, "x"], InlineSpace.ParseOne("b=32,64,1.5,true,x").Choices);
    }

    [Theory]
    [InlineData("lr", "expected NAME=SPEC")]
    [InlineData("lr=log:0..1", "needs low > 0")]
    [InlineData("n=int:1.5..3", "'1.5' is not an integer")]
    [InlineData("n=int:5..3", "low must not be greater than high")]
    [InlineData("x=float:a..b", "'a' is not a number")]
    [InlineData("x=log:1..10:2", "step cannot be used with a log scale")]
    [InlineData("x=int:1", "expected a range")]
    [InlineData("x=a,b,a", "listed twice")]
    [InlineData("1x=a,b", "parameter name")]
    public void A_bad_inline_spec_names_the_option(string spec, string problem)
    {
        var e = Assert.Throws<SearchSpaceException>(() => InlineSpace.ParseOne(spec));
        Assert.StartsWith($"-s {spec}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }
}
