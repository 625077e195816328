namespace Labbook.Metrics;

/// <summary>One metric's summary: last, min and max with their steps, and the count of points.</summary>
public sealed class MetricStats
{
    /// <summary>The last value logged (by file order).</summary>
    public double Last { get; set; } = double.NaN;

    /// <summary>The step of the last value.</summary>
    public long LastStep { get; set; }

    /// <summary>The smallest value, NaN ignored (NaN when every value was NaN).</summary>
    public double Min { get; set; } = double.NaN;

    /// <summary>The step of the smallest value.</summary>
    public long? MinStep { get; set; }

    /// <summary>The largest value, NaN ignored.</summary>
    public double Max { get; set; } = double.NaN;

    /// <summary>The step of the largest value.</summary>
    public long? MaxStep { get; set; }

    /// <summary>How many points were logged.</summary>
    public long Count { get; set; }

    /// <summary>How many of them were NaN.</summary>
    public long NanCount { get; set; }

    /// <summary>Folds one point into the summary.</summary>
    public void Add(long step, double value)
    {
        Count++;
        Last = value;
        LastStep = step;
        if (double.IsNaN(value))
        {
            NanCount++;
            return;
        }
        if (MinStep is null || value < Min)
        {
            Min = value;
            MinStep = step;
        }
        if (MaxStep is null || value > Max)
        {
            Max = value;
            MaxStep = step;
        }
    }

    /// <summary>Reduces the metric by name: last, min or max.</summary>
    public double Reduce(MetricReduction reduction) => reduction switch
    {
        MetricReduction.Min => Min,
        MetricReduction.Max => Max,
        _ => Last,
    };
}

/// <summary>How a metric series is reduced to one number.</summary>
public enum MetricReduction
{
    /// <summary>The last value.</summary>
    Last,

    /// <summary>The smallest value.</summary>
    Min,

    /// <summary>The largest value.</summary>
    Max,
}

/// <summary>The contents of <c>summary.json</c>.</summary>
public sealed class RunSummary
{
    /// <summary>Per-metric statistics, by metric name.</summary>
    public SortedDictionary<string, MetricStats> Metrics { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Values the program set explicitly (<c>run.SetSummary</c>).</summary>
    public SortedDictionary<string, double> Values { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Bytes of metrics.csv folded in so far (lets a writer continue incrementally).</summary>
    public long MetricsBytes { get; set; }

    /// <summary>The final value of a metric: an explicit summary value wins over the series' last.</summary>
    public double? Final(string metric) =>
        Values.TryGetValue(metric, out var v) ? v
        : Metrics.TryGetValue(metric, out var s) ? s.Last
        : null;
}
