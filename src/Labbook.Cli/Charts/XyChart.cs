using System.Globalization;

namespace Labbook.Cli.Charts;

/// <summary>One set of points on an <see cref="XyChart"/>: a line, markers, or both.</summary>
internal sealed record Series(IReadOnlyList<(double X, double Y)> Points, Rgb Color)
{
    /// <summary>The legend text; none leaves the series out of the legend.</summary>
    public string? Label { get; init; }

    public double Opacity { get; init; } = 1;

    public double LineWidth { get; init; } = 1.5;

    public bool Dashed { get; init; }

    /// <summary>False draws markers only.</summary>
    public bool Line { get; init; } = true;

    /// <summary>Marker diameter in pixels; 0 draws none.</summary>
    public double MarkerSize { get; init; }

    public bool OpenMarkers { get; init; }

    /// <summary>Holds each value until the next x (a "best so far" line).</summary>
    public bool StepHorizontal { get; init; }
}

/// <summary>A legend line drawn without a series behind it.</summary>
internal sealed record LegendEntry(string Label, Rgb Color, bool Dashed = false, bool Marker = false);

/// <summary>Where the legend goes.</summary>
internal enum LegendPlace
{
    None,
    OutsideRight,
    UpperRight,
    LowerRight,
}

/// <summary>
/// A chart with x and y axes: title, axis labels, "nice" ticks with a light grid, series clipped to the plot area,
/// and a legend. Drawn on any <see cref="ChartCanvas"/> inside a box, so several make a multi-panel image.
/// </summary>
internal sealed class XyChart
{
    private static readonly Rgb Grid = Rgb.FromHex("#e6e6e6");
    private static readonly Rgb Frame = Rgb.FromHex("#555555");
    private static readonly Rgb Ink = Rgb.FromHex("#222222");

    public string Title { get; init; } = "";

    public string? XLabel { get; init; }

    public string? YLabel { get; init; }

    public List<Series> Series { get; } = [];

    public LegendPlace Legend { get; init; } = LegendPlace.None;

    /// <summary>Legend lines in place of the series' own.</summary>
    public List<LegendEntry>? LegendEntries { get; init; }

    public bool IntegerX { get; init; }

    /// <summary>Fixed x ticks (positions and labels), for categories and log scales.</summary>
    public (IReadOnlyList<double> Positions, IReadOnlyList<string> Labels)? XTicks { get; init; }

    /// <summary>Fixed x limits; otherwise the data's range with a margin.</summary>
    public (double Low, double High)? XLimits { get; init; }

    /// <summary>Draws the chart inside <paramref name="area"/>.</summary>
    public void Draw(ChartCanvas canvas, Box area)
    {
        var finite = Series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
        var (xLow, xHigh) = XLimits ?? Range(finite.Select(p => p.X));
        var (yLow, yHigh) = Range(finite.Select(p => p.Y));
        var small = GlyphFont.Of(TextStyle.Small);
        var normal = GlyphFont.Of(TextStyle.Normal);
        var title = GlyphFont.Of(TextStyle.Title);

        var legend = LegendEntries ?? [.. Series.Where(s => s.Label is not null).Select(s => new LegendEntry(s.Label!, s.Color, s.Dashed, !s.Line || s.MarkerSize > 0))];
        var legendWidth = legend.Count == 0 ? 0 : legend.Max(e => ChartCanvas.Measure(e.Label, TextStyle.Normal)) + 40;
        var top = area.Y + (Title.Length > 0 ? title.Ascent + title.Descent + 14 : 10);
        var bottom = area.Bottom - (small.Ascent + small.Descent + 8) - (XLabel is null ? 4 : normal.Ascent + normal.Descent + 6);
        var yTicks = Ticks(yLow, yHigh, Math.Max(2, (int)((bottom - top) / 45)), integer: false);
        var yLabels = Labels(yTicks);
        var left = area.X + 8 + (yLabels.Count == 0 ? 0 : yLabels.Max(l => ChartCanvas.Measure(l, TextStyle.Small))) + 6 + (YLabel is null ? 0 : normal.Ascent + normal.Descent + 6);
        var right = area.Right - 12 - (Legend == LegendPlace.OutsideRight && legend.Count > 0 ? Math.Min(legendWidth + 8, area.Width / 2.5) : 0);
        var plot = new Box(left, top, Math.Max(10, right - left), Math.Max(10, bottom - top));

        double X(double x) => plot.X + ((x - xLow) / (xHigh - xLow) * plot.Width);
        double Y(double y) => plot.Bottom - ((y - yLow) / (yHigh - yLow) * plot.Height);

        if (Title.Length > 0)
        {
            canvas.Text(Title, area.X + (area.Width / 2), area.Y + 8 + title.Ascent, TextStyle.Title, Ink, TextAnchor.Middle);
        }
        var (xPositions, xLabels) = XTicks is { } fixedTicks
            ? ((IReadOnlyList<double>)fixedTicks.Positions, fixedTicks.Labels)
            : Ticks(xLow, xHigh, Math.Max(2, (int)(plot.Width / 80)), IntegerX) is var xt ? (xt, Labels(xt)) : default;
        for (var i = 0; i < xPositions.Count; i++)
        {
            var x = X(xPositions[i]);
            if (x < plot.X - 0.5 || x > plot.Right + 0.5)
            {
                continue;
            }
            canvas.Line(x, plot.Y, x, plot.Bottom, new Stroke(Grid, 1));
            canvas.Line(x, plot.Bottom, x, plot.Bottom + 4, new Stroke(Frame, 1));
            canvas.Text(xLabels[i], x, plot.Bottom + 6 + small.Ascent, TextStyle.Small, Ink, TextAnchor.Middle);
        }
        for (var i = 0; i < yTicks.Count; i++)
        {
            var y = Y(yTicks[i]);
            canvas.Line(plot.X, y, plot.Right, y, new Stroke(Grid, 1));
            canvas.Line(plot.X - 4, y, plot.X, y, new Stroke(Frame, 1));
            canvas.Text(yLabels[i], plot.X - 6, y + (small.Ascent / 2.0) - 1, TextStyle.Small, Ink, TextAnchor.End);
        }
        if (XLabel is not null)
        {
            canvas.Text(XLabel, plot.X + (plot.Width / 2), area.Bottom - 4 - normal.Descent, TextStyle.Normal, Ink, TextAnchor.Middle);
        }
        if (YLabel is not null)
        {
            canvas.Text(YLabel, area.X + 8 + normal.Ascent, plot.Y + (plot.Height / 2), TextStyle.Normal, Ink, TextAnchor.Middle, vertical: true);
        }

        canvas.Clip(new Box(plot.X - 4, plot.Y - 4, plot.Width + 8, plot.Height + 8));
        foreach (var s in Series)
        {
            var points = s.Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).Select(p => (X(p.X), Y(p.Y))).ToList();
            if (s.Line && points.Count > 1)
            {
                var path = points;
                if (s.StepHorizontal)
                {
                    path = [];
                    for (var i = 0; i < points.Count; i++)
                    {
                        if (i > 0)
                        {
                            path.Add((points[i].Item1, points[i - 1].Item2));
                        }
                        path.Add(points[i]);
                    }
                }
                canvas.Polyline(path, new Stroke(s.Color, s.LineWidth, s.Opacity, s.Dashed));
            }
            if (s.MarkerSize > 0)
            {
                foreach (var (x, y) in points)
                {
                    canvas.Circle(x, y, s.MarkerSize, s.Color, s.Opacity, s.OpenMarkers);
                }
            }
        }
        canvas.Clip(null);
        canvas.Rectangle(plot, Rgb.White, 0, Frame);

        if (Legend != LegendPlace.None && legend.Count > 0)
        {
            var rowHeight = normal.Ascent + normal.Descent + 3;
            var height = (legend.Count * rowHeight) + 8;
            var box = Legend switch
            {
                LegendPlace.OutsideRight => new Box(plot.Right + 8, plot.Y, area.Right - plot.Right - 12, height),
                LegendPlace.LowerRight => new Box(plot.Right - legendWidth - 8, plot.Bottom - height - 8, legendWidth, height),
                _ => new Box(plot.Right - legendWidth - 8, plot.Y + 8, legendWidth, height),
            };
            canvas.Rectangle(box, Rgb.White, 0.85, Grid);
            var y = box.Y + 4;
            foreach (var entry in legend)
            {
                var mid = y + (rowHeight / 2.0);
                canvas.Line(box.X + 6, mid, box.X + 28, mid, new Stroke(entry.Color, 2, 1, entry.Dashed));
                if (entry.Marker)
                {
                    canvas.Circle(box.X + 17, mid, 6, entry.Color, 1, open: false);
                }
                canvas.Text(Fit(entry.Label, box.Width - 40), box.X + 34, mid + (normal.Ascent / 2.0) - 1, TextStyle.Normal, Ink, TextAnchor.Start);
                y += rowHeight;
            }
        }
    }

    /// <summary>Shortens a text with an ellipsis to fit a width.</summary>
    private static string Fit(string text, double width)
    {
        if (ChartCanvas.Measure(text, TextStyle.Normal) <= width)
        {
            return text;
        }
        while (text.Length > 1 && ChartCanvas.Measure(text + "...", TextStyle.Normal) > width)
        {
            text = text[..^1];
        }
        return text + "...";
    }

    private static (double Low, double High) Range(IEnumerable<double> values)
    {
        double low = double.PositiveInfinity, high = double.NegativeInfinity;
        foreach (var v in values)
        {
            low = Math.Min(low, v);
            high = Math.Max(high, v);
        }
        if (low > high)
        {
            return (0, 1);
        }
        if (low == high)
        {
            var pad = low == 0 ? 1 : Math.Abs(low) * 0.1;
            return (low - pad, high + pad);
        }
        var margin = (high - low) * 0.05;
        return (low - margin, high + margin);
    }

    /// <summary>Round tick values (1, 2 or 5 times a power of ten apart) inside [low, high].</summary>
    internal static List<double> Ticks(double low, double high, int target, bool integer)
    {
        var raw = (high - low) / Math.Max(1, target);
        var power = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var ratio = raw / power;
        var step = power * (ratio <= 1 ? 1 : ratio <= 2 ? 2 : ratio <= 5 ? 5 : 10);
        if (integer)
        {
            step = Math.Max(1, Math.Round(step));
        }
        var ticks = new List<double>();
        for (var v = Math.Ceiling(low / step) * step; v <= high + (step * 1e-9); v += step)
        {
            ticks.Add(Math.Abs(v) < step * 1e-9 ? 0 : v);
        }
        return ticks;
    }

    /// <summary>Tick labels with as many decimals as the step needs, or powers of ten for very large or small values.</summary>
    internal static List<string> Labels(IReadOnlyList<double> ticks)
    {
        if (ticks.Count == 0)
        {
            return [];
        }
        var step = ticks.Count > 1 ? Math.Abs(ticks[1] - ticks[0]) : Math.Abs(ticks[0]);
        var largest = ticks.Max(Math.Abs);
        if (largest >= 1e6 || (step > 0 && step < 1e-4))
        {
            return [.. ticks.Select(t => t.ToString("0.###e0", CultureInfo.InvariantCulture))];
        }
        var decimals = step <= 0 ? 0 : Math.Clamp((int)Math.Ceiling(-Math.Log10(step) - 1e-9), 0, 6);
        return [.. ticks.Select(t => t.ToString("F" + decimals, CultureInfo.InvariantCulture))];
    }
}
