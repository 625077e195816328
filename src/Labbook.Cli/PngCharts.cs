using Labbook.Cli.Charts;

namespace Labbook.Cli;

/// <summary>
/// Writes overlaid curves as a PNG (managed rasterizer, no native library): one panel per metric, stacked, one line
/// per run. Non-finite values are left out of the lines.
/// </summary>
internal static class PngCharts
{
    public const int Width = 900;
    public const int PanelHeight = 320;

    public static void Write(string path, IReadOnlyList<(string Metric, IReadOnlyList<ChartSeries> Series)> panels)
    {
        ArgumentNullException.ThrowIfNull(panels);
        if (panels.Count == 0)
        {
            throw new UsageException("--png: the runs logged no metrics to plot");
        }
        var format = string.Equals(Path.GetExtension(path), ".svg", StringComparison.OrdinalIgnoreCase) ? "svg" : "png";
        ChartCanvas.Render(path, format, Width, PanelHeight * panels.Count, canvas =>
        {
            for (var p = 0; p < panels.Count; p++)
            {
                var (metric, series) = panels[p];
                var chart = new XyChart { Title = metric, XLabel = "step", Legend = LegendPlace.OutsideRight };
                for (var i = 0; i < series.Count; i++)
                {
                    var finite = series[i].Points.Where(pt => double.IsFinite(pt.Value)).Select(pt => ((double)pt.Step, pt.Value)).ToList();
                    if (finite.Count == 0)
                    {
                        continue;
                    }
                    chart.Series.Add(new Series(finite, Rgb.FromHex(Palette.Color(i)))
                    {
                        Label = series[i].Label,
                        Dashed = Palette.Dashed(i),
                        MarkerSize = finite.Count > 60 ? 0 : 4,
                    });
                }
                chart.Draw(canvas, new Box(0, p * PanelHeight, Width, PanelHeight));
            }
        });
    }
}
