using System.Diagnostics;
using CsCheck;
using Labbook.Metrics;

namespace Labbook.Tests.Metrics;

public class DownsamplingTests
{
    [Fact]
    public void A_million_point_series_keeps_its_spikes_in_at_most_four_points_per_bucket()
    {
        const int n = 1_000_000;
        var x = new double[n];
        var y = new double[n];
        for (var i = 0; i < n; i++)
        {
            x[i] = i;
            y[i] = Math.Sin(i / 5000.0) + (i % 7 * 1e-3);
        }
        y[123_457] = 50;    // one-point spikes, up and down, far from bucket edges
        y[777_777] = -40;
        var clock = Stopwatch.StartNew();
        var keep = Downsampling.MinMaxIndices(x, y, 1000);
        clock.Stop();
        Assert.InRange(keep.Length, 1000, 4000);
        Assert.Contains(123_457, keep);
        Assert.Contains(777_777, keep);
        Assert.Contains(0, keep);
        Assert.Contains(n - 1, keep);
        Assert.True(keep.SequenceEqual(keep.Order().Distinct()), "indices ascending, each once");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Every_bucket_keeps_its_own_minimum_and_maximum()
    {
        Gen.Select(Gen.Double[-1e6, 1e6].Array[1, 400], Gen.Int[1, 40]).Sample((values, buckets) =>
        {
            var x = Enumerable.Range(0, values.Length).Select(i => (double)i).ToArray();
            var keep = Downsampling.MinMaxIndices(x, values, buckets);
            if (values.Length <= 4 * buckets)
            {
                return keep.Length == values.Length;
            }
            var width = (double)(values.Length - 1);
            int Bucket(int i) => Math.Min(buckets - 1, (int)(i / width * buckets));
            return Enumerable.Range(0, values.Length).GroupBy(Bucket).All(g =>
                keep.Contains(g.MinBy(i => values[i])) && keep.Contains(g.MaxBy(i => values[i])) && keep.Count(i => Bucket(i) == g.Key) <= 4);
        });
    }

    [Fact]
    public void Short_series_are_kept_whole_and_non_finite_values_never_win_min_or_max()
    {
        Assert.Equal([0, 1, 2], Downsampling.MinMaxIndices([0, 1, 2], [3, double.NaN, 1], 1));
        var x = Enumerable.Range(0, 100).Select(i => (double)i).ToArray();
        var y = x.Select(v => v == 50 ? double.PositiveInfinity : v % 10).ToArray();
        var keep = Downsampling.MinMaxIndices(x, y, 1);
        Assert.Equal([0, 9, 99], keep);
        Assert.Throws<ArgumentException>(() => Downsampling.MinMaxIndices([1, 2], [1], 3));
    }
}
