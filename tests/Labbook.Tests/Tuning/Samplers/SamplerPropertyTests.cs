using CsCheck;
using Labbook.Tuning;
using Labbook.Tuning.Samplers;

namespace Labbook.Tests.Tuning.Samplers;

public class SamplerPropertyTests
{
    public static TheoryData<string> SamplerNames => ["random", "tpe", "tpe-mv", "tpe-liar", "cmaes", "qmc", "gp", "auto"];

    internal static ISampler Create(string name, int seed) => name switch
    {
        "random" => new RandomSampler(seed),
        "tpe" => new TpeSampler(seed, nStartupTrials: 5),
        "tpe-mv" => new TpeSampler(seed, nStartupTrials: 5, multivariate: true),
        "tpe-liar" => new TpeSampler(seed, nStartupTrials: 5, constantLiar: true),
        "cmaes" => new CmaEsSampler(seed, populationSize: 4),
        "qmc" => new QmcSampler(seed),
        "gp" => new GpSampler(seed, nStartupTrials: 4),
        "auto" => new AutoSampler(seed, gpTrials: 8),
        _ => throw new ArgumentException(name),
    };

    /// <summary>Builds a distribution from generated primitives (every kind: float, log, step; int, log, step; categorical).</summary>
    private static Distribution Make(int kind, double a, double width, int k)
    {
        var low = Math.Round(a, 3);
        var high = low + Math.Max(Math.Round(width, 3), 0.001);
        return kind switch
        {
            0 => new FloatDistribution(low, high),
            1 => new FloatDistribution(Math.Abs(low) + 1e-3, Math.Abs(low) + 1e-3 + width, log: true),
            2 => new FloatDistribution(low, high, step: width / k),
            3 => new IntDistribution((long)low, (long)low + k * 3),
            4 => new IntDistribution(1 + (long)Math.Abs(low), 1 + (long)Math.Abs(low) + (long)(width * 10), log: true),
            5 => new IntDistribution((long)low, (long)low + (k * 7), step: k),
            _ => new CategoricalDistribution([.. Enumerable.Range(0, k + 1).Select(i => (object?)("c" + i))]),
        };
    }

    [Theory]
    [MemberData(nameof(SamplerNames))]
    public void Every_sampled_value_lies_in_its_distribution(string samplerName)
    {
        var gen = Gen.Select(
            Gen.Int[0, 6].Array[1, 4],
            Gen.Double[-50, 50],
            Gen.Double[0.01, 100],
            Gen.Int[1, 5],
            Gen.Int[0, 1000]);
        gen.Sample(
            (kinds, a, width, k, seed) =>
            {
                var dists = kinds.Select((kind, i) => Make(kind, a + i, width, k)).ToArray();
                var sampler = Create(samplerName, seed);
                var history = new FakeHistory();
                for (var t = 0; t < 14; t++)
                {
                    history.RunTrial(sampler, suggest =>
                    {
                        var sum = 0.0;
                        for (var i = 0; i < dists.Length; i++)
                        {
                            var v = suggest("p" + i, dists[i]);
                            Assert.True(dists[i].Contains(v), $"{samplerName}: {v} not in {dists[i]}");
                            sum += Math.Abs(v - (0.3 * i));
                        }
                        return sum;
                    });
                }
            },
            iter: 12);
    }

    [Theory]
    [MemberData(nameof(SamplerNames))]
    public void Seeded_runs_are_reproducible(string samplerName)
    {
        List<double> Run(int seed)
        {
            var sampler = Create(samplerName, seed);
            var history = new FakeHistory();
            var values = new List<double>();
            for (var t = 0; t < 20; t++)
            {
                history.RunTrial(sampler, suggest =>
                {
                    var x = suggest("x", new FloatDistribution(-3, 3));
                    var n = suggest("n", new IntDistribution(1, 9));
                    var c = suggest("c", new CategoricalDistribution(["a", "b", "c"]));
                    values.AddRange([x, n, c]);
                    return (x * x) + n + c;
                });
            }
            return values;
        }
        Assert.Equal(Run(42), Run(42));
        Assert.NotEqual(Run(42), Run(43));
    }
}
