using ScottPlot;

namespace Labbook.Cli;

/// <summary>
/// Writes overlaid curves as a PNG with ScottPlot 5 (SkiaSharp underneath): one panel per metric,
/// stacked, one line per run. Non-finite values are left out of the lines.
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
        var multiplot = new ScottPlot.Multiplot();
        var first = true;
        foreach (var (metric, series) in panels)
        {
            var plot = new ScottPlot.Plot();
            foreach (var s in series)
            {
                var finite = s.Points.Where(p => double.IsFinite(p.Value)).ToList();
                if (finite.Count == 0)
                {
                    continue;
                }
                var line = plot.Add.Scatter(finite.Select(p => (double)p.Step).ToArray(), finite.Select(p => p.Value).ToArray());
                line.LegendText = s.Label;
                line.MarkerSize = finite.Count > 60 ? 0 : 4;
            }
            plot.Title(metric);
            plot.XLabel("step");
            // Outside the data area, on the right: inside, it hid the end of the curves, where the results are.
            plot.ShowLegend(Edge.Right);
            // A new Multiplot holds one empty plot: the first panel replaces it.
            if (first)
            {
                multiplot.Reset(plot);
                first = false;
            }
            else
            {
                multiplot.AddPlot(plot);
            }
        }
        // Render to a temporary file, then rename: a reader never sees half a PNG.
        var full = Path.GetFullPath(path);
        var temp = $"{full}.{Environment.ProcessId}.tmp.png";
        multiplot.SavePng(temp, Width, PanelHeight * panels.Count);
        File.Move(temp, full, overwrite: true);
    }
}
