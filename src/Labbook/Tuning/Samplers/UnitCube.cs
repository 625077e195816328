namespace Labbook.Tuning.Samplers;

/// <summary>
/// Maps numeric and categorical parameters to [0, 1] and back, as the relative samplers work in
/// the unit cube: log parameters on a log scale, stepped and integer parameters widened by half a
/// step each side so every grid value gets an equal share, categoricals as equal slices.
/// </summary>
internal static class UnitCube
{
    private static (double Low, double High) Bounds(Distribution distribution) => distribution switch
    {
        FloatDistribution { Log: true } f => (Math.Log(f.Low), Math.Log(f.High)),
        FloatDistribution { Step: { } s } f => (f.Low - (0.5 * s), f.High + (0.5 * s)),
        FloatDistribution f => (f.Low, f.High),
        IntDistribution { Log: true } i => (Math.Log(i.Low - 0.5), Math.Log(i.High + 0.5)),
        IntDistribution i => (i.Low - (0.5 * i.Step), i.High + (0.5 * i.Step)),
        CategoricalDistribution c => (0, c.Choices.Count),
        _ => throw new ArgumentException($"unknown distribution {distribution.GetType().Name}", nameof(distribution)),
    };

    /// <summary>An internal value to [0, 1].</summary>
    public static double ToUnit(Distribution distribution, double internalValue)
    {
        var (low, high) = Bounds(distribution);
        var x = distribution switch
        {
            FloatDistribution { Log: true } or IntDistribution { Log: true } => Math.Log(internalValue),
            CategoricalDistribution => internalValue + 0.5,
            _ => internalValue,
        };
        return high > low ? Math.Clamp((x - low) / (high - low), 0, 1) : 0.5;
    }

    /// <summary>A point of [0, 1] to a valid internal value.</summary>
    public static double FromUnit(Distribution distribution, double u)
    {
        var (low, high) = Bounds(distribution);
        var x = low + (Math.Clamp(u, 0, 1) * (high - low));
        return distribution switch
        {
            FloatDistribution { Log: true } f => Math.Clamp(Math.Exp(x), f.Low, f.High),
            FloatDistribution { Step: { } s } f => Math.Clamp(f.Low + (Math.Round((x - f.Low) / s) * s), f.Low, f.High),
            FloatDistribution f => Math.Clamp(x, f.Low, f.High),
            IntDistribution { Log: true } i => Math.Clamp(Math.Round(Math.Exp(x)), i.Low, i.High),
            IntDistribution i => Math.Clamp(i.Low + (Math.Round((x - i.Low) / i.Step) * i.Step), i.Low, i.High),
            CategoricalDistribution c => Math.Clamp(Math.Floor(x), 0, c.Choices.Count - 1),
            _ => x,
        };
    }
}
