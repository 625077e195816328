namespace Labbook.Metrics;

/// <summary>
/// Thins a long curve for drawing: the x range is cut into equal buckets (one per pixel column) and
/// each bucket keeps its first, lowest, highest and last point, in x order (the "M4" rule). A line
/// drawn through the kept points covers the same pixels as one drawn through every point, so a
/// 1,000,000-point curve keeps its spikes and costs the browser at most four points per pixel.
/// </summary>
public static class Downsampling
{
    /// <summary>
    /// The indices of the points to keep, ascending. <paramref name="x"/> is normally non-decreasing
    /// (steps, times); when it is not, consecutive points of one bucket are grouped, which keeps more. Points whose y is not finite are never kept by the min/max rule but may be kept as a bucket's
    /// first or last point (so gaps stay visible). Series of at most <c>4 × buckets</c> points are kept whole.
    /// </summary>
    /// <param name="x">The x values (steps or times), non-decreasing.</param>
    /// <param name="y">The y values, as many as <paramref name="x"/>.</param>
    /// <param name="buckets">How many buckets (pixel columns); at least 1.</param>
    public static int[] MinMaxIndices(ReadOnlySpan<double> x, ReadOnlySpan<double> y, int buckets)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException($"x has {x.Length} values but y has {y.Length}", nameof(y));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1);
        var n = x.Length;
        if (n <= 4L * buckets)
        {
            var all = new int[n];
            for (var i = 0; i < n; i++)
            {
                all[i] = i;
            }
            return all;
        }
        double x0 = double.PositiveInfinity, x1 = double.NegativeInfinity;
        foreach (var v in x)
        {
            if (double.IsFinite(v))
            {
                x0 = Math.Min(x0, v);
                x1 = Math.Max(x1, v);
            }
        }
        var width = x1 - x0;
        var kept = new List<int>(4 * buckets);
        var start = 0;
        while (start < n)
        {
            var bucket = Bucket(x[start], x0, width, buckets);
            var end = start + 1;
            while (end < n && Bucket(x[end], x0, width, buckets) == bucket)
            {
                end++;
            }
            int lo = -1, hi = -1;
            for (var i = start; i < end; i++)
            {
                var v = y[i];
                if (!double.IsFinite(v))
                {
                    continue;
                }
                if (lo < 0 || v < y[lo])
                {
                    lo = i;
                }
                if (hi < 0 || v > y[hi])
                {
                    hi = i;
                }
            }
            kept.Add(start);
            if (lo >= 0)
            {
                kept.Add(Math.Min(lo, hi));
                kept.Add(Math.Max(lo, hi));
            }
            kept.Add(end - 1);
            start = end;
        }
        // A bucket's first point may also be its lowest, and so on: keep each index once, in order.
        kept.Sort();
        var unique = new List<int>(kept.Count);
        foreach (var i in kept)
        {
            if (unique.Count == 0 || unique[^1] != i)
            {
                unique.Add(i);
            }
        }
        return [.. unique];
    }

    private static int Bucket(double x, double x0, double width, int buckets) =>
        width <= 0 || !double.IsFinite(width) || !double.IsFinite(x) ? 0 : Math.Min(buckets - 1, (int)((x - x0) / width * buckets));
}
