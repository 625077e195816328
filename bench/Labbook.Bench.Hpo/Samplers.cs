using Labbook.Tuning;
using Labbook.Tuning.Samplers;

namespace Labbook.Bench.Hpo;

/// <summary>The samplers the benchmark knows, by the names written to the JSONL records.</summary>
public static class BenchSamplers
{
    public static readonly string[] AllNames = ["cs-random", "cs-tpe", "cs-tpe-mv", "cs-cmaes", "cs-qmc", "cs-default"];

    public static (ISampler Sampler, string Config) Create(string name, int seed) => name switch
    {
        "cs-random" => (new RandomSampler(seed), "RandomSampler"),
        "cs-tpe" => (new TpeSampler(seed), "TpeSampler defaults"),
        "cs-tpe-mv" => (new TpeSampler(seed, multivariate: true), "TpeSampler multivariate"),
        "cs-tpe-o31" => (new TpeSampler(seed, unscaledDensity: true), "TpeSampler unscaledDensity (Optuna 3.1 density)"),
        "cs-tpe-mv-o31" => (new TpeSampler(seed, multivariate: true, unscaledDensity: true), "TpeSampler multivariate unscaledDensity (Optuna 3.1 density)"),
        "cs-gp" => (new GpSampler(seed), "GpSampler defaults"),
        "cs-cmaes" => (new CmaEsSampler(seed), "CmaEsSampler defaults"),
        "cs-qmc" => (new QmcSampler(seed), "QmcSampler defaults"),
        "cs-default" => (DefaultSampler.Create(seed), "DefaultSampler.Create"),
        _ when name.StartsWith("cs-auto-", StringComparison.Ordinal) => (new AutoSampler(seed, int.Parse(name["cs-auto-".Length..], System.Globalization.CultureInfo.InvariantCulture)), name),
        _ => throw new ArgumentException($"unknown sampler {name}; known: {string.Join(", ", AllNames)}"),
    };
}
