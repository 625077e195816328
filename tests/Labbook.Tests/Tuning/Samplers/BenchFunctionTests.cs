using Labbook.Bench.Hpo;

namespace Labbook.Tests.Tuning.Samplers;

/// <summary>The C# port of ../shared/bench/hpo/functions.py reproduces every reference check.</summary>
public class BenchFunctionTests
{
    public static TheoryData<string> Names => [.. Space.AllNames];

    [Theory]
    [MemberData(nameof(Names))]
    public void Port_reproduces_the_reference_checks(string name)
    {
        var space = Space.Load(name);
        Assert.NotEmpty(space.Checks);
        foreach (var check in space.Checks)
        {
            var value = Functions.Evaluate(name, check.Params, check.NoiseSeed ?? 0, check.EvalIndex ?? 0);
            Assert.True(Math.Abs(value - check.Value) <= 1e-12 * Math.Abs(check.Value), $"{name}: {value} vs {check.Value}");
            if (check.NoiseFreeValue is { } noiseFree)
            {
                Assert.True(Math.Abs(Functions.EvaluateNoiseFree(name, check.Params) - noiseFree) <= 1e-12 * Math.Abs(noiseFree));
            }
        }
    }

    [Fact]
    public void Noise_is_standard_normal()
    {
        var zs = Enumerable.Range(0, 20000).Select(i => Functions.StdNormal(3, (ulong)i)).ToArray();
        Assert.InRange(zs.Average(), -0.03, 0.03);
        Assert.InRange(Math.Sqrt(zs.Select(z => z * z).Average()), 0.97, 1.03);
    }
}
