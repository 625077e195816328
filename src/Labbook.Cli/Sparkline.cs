using System.Text;

namespace Labbook.Cli;

/// <summary>A one-line curve of block characters; NaN and infinities leave gaps.</summary>
internal static class Sparkline
{
    private const string Blocks = "▁▂▃▄▅▆▇█";

    public static string Render(IReadOnlyList<double> values, int width)
    {
        if (values.Count == 0 || width <= 0)
        {
            return "";
        }
        var buckets = Math.Min(width, values.Count);
        var points = new double[buckets];
        for (var b = 0; b < buckets; b++)
        {
            // Each character shows the mean of its share of the series.
            var from = b * values.Count / buckets;
            var to = Math.Max(from + 1, (b + 1) * values.Count / buckets);
            double sum = 0;
            var n = 0;
            for (var i = from; i < to; i++)
            {
                if (double.IsFinite(values[i]))
                {
                    sum += values[i];
                    n++;
                }
            }
            points[b] = n > 0 ? sum / n : double.NaN;
        }
        var finite = points.Where(double.IsFinite).ToList();
        if (finite.Count == 0)
        {
            return new string(' ', buckets);
        }
        double min = finite.Min(), max = finite.Max();
        var sb = new StringBuilder(buckets);
        foreach (var p in points)
        {
            if (!double.IsFinite(p))
            {
                sb.Append(' ');
                continue;
            }
            var level = max > min ? (int)Math.Round((p - min) / (max - min) * (Blocks.Length - 1)) : Blocks.Length / 2;
            sb.Append(Blocks[level]);
        }
        return sb.ToString();
    }
}
