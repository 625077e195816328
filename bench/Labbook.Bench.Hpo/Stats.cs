namespace Labbook.Bench.Hpo;

/// <summary>Quantiles as numpy's default (linear interpolation), so the summary matches the peer's.</summary>
public static class Stats
{
    public static double Quantile(IReadOnlyList<double> values, double q)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }
        var pos = q * (sorted.Length - 1);
        var lo = (int)Math.Floor(pos);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((pos - lo) * (sorted[hi] - sorted[lo]));
    }

    public static (double Median, double Q25, double Q75) Summary(IReadOnlyList<double> values) =>
        (Quantile(values, 0.5), Quantile(values, 0.25), Quantile(values, 0.75));
}

/// <summary>The protocol's checkpoints.</summary>
public static class Checkpoints
{
    public static readonly int[] All = [10, 25, 50, 100, 200];
}
