using CsCheck;
using Labbook.Metrics;

namespace Labbook.Tests.Metrics;

public class MetricCsvTests
{
    private static readonly Gen<string> Names = Gen.OneOf(
        Gen.String[Gen.Char.AlphaNumeric, 1, 12],
        Gen.OneOf("a", ",", "\"", "\n", "\r", " ", "é", "損", "🙂", "=", ";").Array[1, 10].Select(string.Concat));

    private static readonly Gen<double> Values = Gen.OneOf(
        Gen.Double,
        Gen.OneOf(double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0, double.Epsilon, double.MaxValue, 1e-300));

    [Fact]
    public void Written_points_read_back_identically()
    {
        Gen.Select(Names, Values, Gen.Long[0, long.MaxValue]).Array[0, 40].Sample(points =>
        {
            using var dir = new TempDir();
            var path = dir.File("metrics.csv");
            using (var writer = new MetricWriter(path))
            {
                foreach (var (name, value, step) in points)
                {
                    writer.Log(name, value, step);
                }
            }
            var reader = new MetricReader();
            var read = reader.Read(path).ToList();
            Assert.Empty(reader.Issues);
            Assert.Equal(points.Length, read.Count);
            for (var i = 0; i < points.Length; i++)
            {
                Assert.Equal(points[i].Item1, read[i].Name);
                Assert.Equal(points[i].Item3, read[i].Step);
                Assert.Equal(BitConverter.DoubleToInt64Bits(Normalize(points[i].Item2)), BitConverter.DoubleToInt64Bits(Normalize(read[i].Value)));
            }
        }, iter: 200);
    }

    [Fact]
    public void Header_is_written_once_and_values_are_culture_invariant()
    {
        using var dir = new TempDir();
        var path = dir.File("metrics.csv");
        var previous = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
            using (var w = new MetricWriter(path))
            {
                w.Log("loss", 0.5, 1);
            }
            using (var w = new MetricWriter(path))
            {
                w.Log("loss", double.NaN, 2);
                w.Log("loss", double.NegativeInfinity, 3);
            }
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = previous;
        }
        var lines = File.ReadAllLines(path);
        Assert.Equal("step,name,value,time", lines[0]);
        Assert.Single(lines, l => l.StartsWith("step,", StringComparison.Ordinal));
        Assert.StartsWith("1,loss,0.5,", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("2,loss,nan,", lines[2], StringComparison.Ordinal);
        Assert.StartsWith("3,loss,-inf,", lines[3], StringComparison.Ordinal);
        Assert.Matches(@",\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", lines[1]);
    }

    [Fact]
    public void A_torn_last_line_is_left_for_later_and_other_bad_lines_are_named()
    {
        using var dir = new TempDir();
        var path = dir.File("metrics.csv");
        File.WriteAllText(path, "step,name,value,time\n0,loss,1.0,t\nx,loss,2,t\n1,loss,oops,t\n2,loss\n3,loss,0.25,t\n4,lo");
        var reader = new MetricReader();
        var points = reader.Read(path).ToList();
        Assert.Equal([0L, 3L], points.Select(p => p.Step));
        Assert.Equal(["line 3", "line 4", "line 5"], reader.Issues.Select(i => $"line {i.Line}"));
        Assert.Contains("not an integer", reader.Issues[0].Message, StringComparison.Ordinal);
        Assert.Contains("not a number", reader.Issues[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Line_numbers_count_newlines_inside_quoted_names()
    {
        using var dir = new TempDir();
        var path = dir.File("metrics.csv");
        File.WriteAllText(path, "step,name,value,time\n0,\"a\nb\",1,t\n1,c,bad,t\n");
        var reader = new MetricReader();
        Assert.Single(reader.Read(path));
        Assert.Equal(4, reader.Issues.Single().Line);
    }

    [Fact]
    public void A_writer_after_a_torn_tail_does_not_glue_onto_it()
    {
        using var dir = new TempDir();
        var path = dir.File("metrics.csv");
        File.WriteAllText(path, "step,name,value,time\n0,loss,1,t\n1,lo");
        using (var w = new MetricWriter(path))
        {
            w.Log("loss", 0.5, 2);
        }
        var reader = new MetricReader();
        var points = reader.Read(path).ToList();
        Assert.Equal([0L, 2L], points.Select(p => p.Step));
        Assert.Single(reader.Issues);
    }

    [Fact]
    public void Concurrent_writers_never_interleave_inside_a_line()
    {
        using var dir = new TempDir();
        var path = dir.File("metrics.csv");
        var writers = Enumerable.Range(0, 4).Select(_ => new MetricWriter(path)).ToList();
        Parallel.For(0, 4, w =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                writers[w].Log($"m{w}", i, i);
            }
        });
        writers.ForEach(w => w.Dispose());
        var reader = new MetricReader();
        var points = reader.Read(path).ToList();
        Assert.Empty(reader.Issues);
        Assert.Equal(80_000, points.Count);
        for (var w = 0; w < 4; w++)
        {
            Assert.Equal(Enumerable.Range(0, 20_000).Select(i => (long)i), points.Where(p => p.Name == $"m{w}").Select(p => p.Step));
        }
    }

    [Fact]
    public void Summary_tracks_last_min_max_and_ignores_nan_for_extremes()
    {
        using var dir = new TempDir();
        var path = dir.File("metrics.csv");
        using (var w = new MetricWriter(path))
        {
            w.Log("loss", 3, 0);
            w.Log("loss", 1, 1);
            w.Log("loss", double.NaN, 2);
            w.Log("loss", 2, 3);
        }
        var s = new MetricReader().Summarize(path).Metrics["loss"];
        Assert.Equal((2.0, 3L, 1.0, 1L, 3.0, 0L, 4L, 1L), (s.Last, s.LastStep, s.Min, s.MinStep!.Value, s.Max, s.MaxStep!.Value, s.Count, s.NanCount));
    }

    private static double Normalize(double v) => v == 0 ? 0 * Math.Sign(1 / v) : v;
}
