namespace Labbook.Tuning;

/// <summary>Draws every parameter independently and uniformly (log-uniformly for log parameters).</summary>
public sealed class RandomSampler : ISampler
{
    private readonly Random _random;
    private readonly int? _seed;
    private readonly Lock _gate = new();

    /// <summary>
    /// Creates a random sampler; a seed makes its draws reproducible: each draw comes from (seed, trial number,
    /// parameter), so a study continued or resumed in another process neither repeats nor changes its trials.
    /// </summary>
    public RandomSampler(int? seed = null)
    {
        _seed = seed;
        _random = seed is { } s ? new Random(s) : new Random();
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, Distribution> InferRelativeSearchSpace(ITrialHistory study, FrozenTrial trial) =>
        new Dictionary<string, Distribution>();

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, double> SampleRelative(ITrialHistory study, FrozenTrial trial, IReadOnlyDictionary<string, Distribution> searchSpace) =>
        new Dictionary<string, double>();

    /// <inheritdoc/>
    public double SampleIndependent(ITrialHistory study, FrozenTrial trial, string paramName, Distribution distribution)
    {
        ArgumentNullException.ThrowIfNull(trial);
        ArgumentNullException.ThrowIfNull(paramName);
        if (_seed is { } seed)
        {
            return Sample(TrialRandom.For(seed, trial.Number, paramName, TrialRandom.Purpose.Independent), distribution);
        }
        lock (_gate)
        {
            return Sample(_random, distribution);
        }
    }

    /// <summary>Draws one internal value of <paramref name="distribution"/> from <paramref name="random"/>.</summary>
    public static double Sample(Random random, Distribution distribution)
    {
        ArgumentNullException.ThrowIfNull(random);
        switch (distribution)
        {
            case FloatDistribution { Log: true } or IntDistribution { Log: true }:
                // Uniform in log space; the cube's mapping clamps both sides (exp(log(low)) can round below low).
                return UnitCube.FromUnit(distribution, random.NextDouble());
            case FloatDistribution { Step: { } step } f:
                {
                    var k = Math.Round(Uniform(random, -0.5, ((f.High - f.Low) / step) + 0.5));
                    return Math.Clamp(f.Low + (k * step), f.Low, f.High);
                }
            case FloatDistribution f:
                return Uniform(random, f.Low, f.High);
            case IntDistribution i:
                return i.Low + (random.NextInt64(0, ((i.High - i.Low) / i.Step) + 1) * i.Step);
            case CategoricalDistribution c:
                return random.Next(c.Choices.Count);
            default:
                throw new ArgumentException($"unknown distribution {distribution.GetType().Name}", nameof(distribution));
        }
    }

    private static double Uniform(Random random, double low, double high) => low + (random.NextDouble() * (high - low));
}
