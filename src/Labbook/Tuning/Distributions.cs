using System.Globalization;

namespace Labbook.Tuning;

/// <summary>
/// The domain of one hyperparameter. Values travel in two forms, as in Optuna: the
/// <em>external</em> value the objective sees (a double, a long or a categorical choice) and the
/// <em>internal</em> double that samplers and the journal use (the value itself for numbers,
/// the 0-based choice index for categoricals).
/// </summary>
public abstract record Distribution
{
    /// <summary>Converts an internal value to the value the objective sees.</summary>
    public abstract object? ToExternal(double internalValue);

    /// <summary>Converts a value the objective sees to its internal representation.</summary>
    /// <exception cref="ArgumentException">The value does not belong to this distribution.</exception>
    public abstract double ToInternal(object? externalValue);

    /// <summary>Whether an internal value lies in this distribution (bounds, step, choice index).</summary>
    public abstract bool Contains(double internalValue);

    /// <summary>True when the distribution has exactly one possible value.</summary>
    public abstract bool IsSingle { get; }
}

/// <summary>A real-valued parameter in [<see cref="Low"/>, <see cref="High"/>], optionally log-scaled or stepped.</summary>
public sealed record FloatDistribution : Distribution
{
    /// <summary>Creates a float distribution; <paramref name="step"/> and <paramref name="log"/> exclude each other.</summary>
    public FloatDistribution(double low, double high, bool log = false, double? step = null)
    {
        if (double.IsNaN(low) || double.IsNaN(high) || double.IsInfinity(low) || double.IsInfinity(high))
        {
            throw new ArgumentException("float bounds must be finite numbers");
        }
        if (low > high)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"low ({low}) must not exceed high ({high})"));
        }
        if (log && step is not null)
        {
            throw new ArgumentException("a float parameter cannot have both log and step");
        }
        if (log && low <= 0)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"a log-scaled parameter needs low > 0 (got {low})"));
        }
        if (step is { } s && !(s > 0))
        {
            throw new ArgumentException("step must be positive");
        }
        if (step is { } st)
        {
            // As Optuna does: shrink high onto the step grid so every grid point is reachable.
            high = AdjustHighToStep(low, high, st);
        }
        Low = low;
        High = high;
        Log = log;
        Step = step;
    }

    /// <summary>Lower bound, inclusive.</summary>
    public double Low { get; }

    /// <summary>Upper bound, inclusive (adjusted onto the step grid when a step is given).</summary>
    public double High { get; }

    /// <summary>Sample on a log scale.</summary>
    public bool Log { get; }

    /// <summary>Grid step, or null for a continuous parameter.</summary>
    public double? Step { get; }

    /// <inheritdoc/>
    public override bool IsSingle => Low == High || (Step is { } s && High - Low < s);

    /// <inheritdoc/>
    public override object? ToExternal(double internalValue) => internalValue;

    /// <inheritdoc/>
    public override double ToInternal(object? externalValue) => externalValue switch
    {
        double d => d,
        float f => f,
        int i => i,
        long l => l,
        decimal m => (double)m,
        _ => throw new ArgumentException($"'{externalValue}' is not a number"),
    };

    /// <inheritdoc/>
    public override bool Contains(double internalValue)
    {
        if (double.IsNaN(internalValue) || internalValue < Low || internalValue > High)
        {
            return false;
        }
        if (Step is { } s)
        {
            var k = (internalValue - Low) / s;
            return Math.Abs(k - Math.Round(k)) < 1e-8;
        }
        return true;
    }

    private static double AdjustHighToStep(double low, double high, double step)
    {
        var r = high - low;
        var k = Math.Floor(r / step + 1e-9);
        var adjusted = low + k * step;
        return adjusted > high ? high : adjusted;
    }
}

/// <summary>An integer parameter in [<see cref="Low"/>, <see cref="High"/>] with a step, optionally log-scaled (step 1 only).</summary>
public sealed record IntDistribution : Distribution
{
    /// <summary>Creates an integer distribution.</summary>
    public IntDistribution(long low, long high, bool log = false, long step = 1)
    {
        if (low > high)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"low ({low}) must not exceed high ({high})"));
        }
        if (step <= 0)
        {
            throw new ArgumentException("step must be positive");
        }
        if (log && step != 1)
        {
            throw new ArgumentException("a log-scaled int parameter must have step 1");
        }
        if (log && low < 1)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"a log-scaled parameter needs low >= 1 (got {low})"));
        }
        Low = low;
        High = low + ((high - low) / step * step);
        Log = log;
        Step = step;
    }

    /// <summary>Lower bound, inclusive.</summary>
    public long Low { get; }

    /// <summary>Upper bound, inclusive (adjusted onto the step grid).</summary>
    public long High { get; }

    /// <summary>Sample on a log scale.</summary>
    public bool Log { get; }

    /// <summary>Grid step.</summary>
    public long Step { get; }

    /// <inheritdoc/>
    public override bool IsSingle => Low == High;

    /// <inheritdoc/>
    public override object? ToExternal(double internalValue) => (long)Math.Round(internalValue);

    /// <inheritdoc/>
    public override double ToInternal(object? externalValue) => externalValue switch
    {
        int i => i,
        long l => l,
        double d when d == Math.Floor(d) => d,
        float f when f == MathF.Floor(f) => f,
        _ => throw new ArgumentException($"'{externalValue}' is not an integer"),
    };

    /// <inheritdoc/>
    public override bool Contains(double internalValue)
    {
        if (double.IsNaN(internalValue) || internalValue < Low || internalValue > High || internalValue != Math.Floor(internalValue))
        {
            return false;
        }
        return ((long)internalValue - Low) % Step == 0;
    }
}

/// <summary>
/// A parameter that takes one of a fixed list of choices: null, bool, long, double or string,
/// as in Optuna. The internal value is the index of the choice.
/// </summary>
public sealed record CategoricalDistribution : Distribution
{
    /// <summary>Creates a categorical distribution from at least one choice.</summary>
    public CategoricalDistribution(IReadOnlyList<object?> choices)
    {
        ArgumentNullException.ThrowIfNull(choices);
        if (choices.Count == 0)
        {
            throw new ArgumentException("a categorical parameter needs at least one choice");
        }
        Choices = choices.Select(Normalize).ToArray();
    }

    /// <summary>The choices, in order; ints are stored as long, floats as double.</summary>
    public IReadOnlyList<object?> Choices { get; }

    /// <inheritdoc/>
    public override bool IsSingle => Choices.Count == 1;

    /// <inheritdoc/>
    public override object? ToExternal(double internalValue) => Choices[(int)internalValue];

    /// <inheritdoc/>
    public override double ToInternal(object? externalValue)
    {
        var v = Normalize(externalValue);
        for (var i = 0; i < Choices.Count; i++)
        {
            if (ChoiceEquals(Choices[i], v))
            {
                return i;
            }
        }
        throw new ArgumentException($"'{externalValue}' is not one of the choices");
    }

    /// <inheritdoc/>
    public override bool Contains(double internalValue) =>
        internalValue >= 0 && internalValue < Choices.Count && internalValue == Math.Floor(internalValue);

    /// <summary>Structural equality: same choices in the same order.</summary>
    public bool Equals(CategoricalDistribution? other) =>
        other is not null && other.Choices.Count == Choices.Count && Choices.Zip(other.Choices).All(p => ChoiceEquals(p.First, p.Second));

    /// <inheritdoc/>
    public override int GetHashCode() => Choices.Count;

    private static object? Normalize(object? value) => value switch
    {
        int i => (long)i,
        float f => (double)f,
        _ => value,
    };

    private static bool ChoiceEquals(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (null, _) or (_, null) => false,
        (double x, double y) => x.Equals(y),
        _ => a.GetType() == b.GetType() && a.Equals(b),
    };
}
