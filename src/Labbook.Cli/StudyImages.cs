using Labbook.Sweeps;
using Labbook.Tuning;
using ScottPlot;

namespace Labbook.Cli;

/// <summary>
/// Writes a study's plots as image files with ScottPlot 5 (PNG, or SVG): <c>history</c>,
/// <c>slices</c> (one panel per parameter), <c>parallel</c> (parallel coordinates) and
/// <c>intermediate</c> (one line per trial, pruned ones dashed red). Each file is rendered to a
/// temporary name and renamed, so a reader never sees half an image.
/// </summary>
internal static class StudyImages
{
    /// <summary>Colours of trial states on the intermediate-values plot, shared with the HTML page.</summary>
    public static readonly IReadOnlyDictionary<TrialState, string> StateColors = new Dictionary<TrialState, string>
    {
        [TrialState.Complete] = "#1f77b4",
        [TrialState.Pruned] = "#d62728",
        [TrialState.Fail] = "#7f7f7f",
        [TrialState.Running] = "#2ca02c",
        [TrialState.Waiting] = "#bcbd22",
    };

    /// <summary>The colour of a parallel-coordinates line: light grey-blue for the worst value, dark blue for the best.</summary>
    public static string LineColor(double goodness)
    {
        goodness = Math.Clamp(goodness, 0, 1);
        (int R, int G, int B) worst = (0xd4, 0xdb, 0xe6), best = (0x08, 0x30, 0x6b);
        int Mix(int a, int b) => (int)Math.Round(a + ((b - a) * goodness));
        return $"#{Mix(worst.R, best.R):x2}{Mix(worst.G, best.G):x2}{Mix(worst.B, best.B):x2}";
    }

    /// <summary>Where the line of a trial with this value sits between the worst (0) and the best (1) value.</summary>
    public static double Goodness(StudyPlots plots, double value)
    {
        var axis = plots.ParallelAxes[0];
        var t = axis.High <= axis.Low ? 1 : (value - axis.Low) / (axis.High - axis.Low);
        return plots.Direction == StudyDirection.Minimize ? 1 - t : t;
    }

    /// <summary>Writes the images into a folder (created if needed) and returns their paths.</summary>
    public static IReadOnlyList<string> Write(string folder, StudyPlots plots, string format)
    {
        ArgumentNullException.ThrowIfNull(plots);
        if (format is not ("png" or "svg"))
        {
            throw new UsageException($"--format: '{format}' is not png or svg");
        }
        if (plots.History.Count == 0)
        {
            throw new UsageException($"--plots: study {plots.StudyName} has no complete trial to plot yet");
        }
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        try
        {
            Save(History(plots), folder, "history", format, 900, 420, written);
            SaveSlices(plots, folder, format, written);
            Save(Parallel(plots), folder, "parallel", format, Math.Max(700, 160 * plots.ParallelAxes.Count), 460, written);
            if (plots.Intermediate.Count > 0)
            {
                Save(Intermediate(plots), folder, "intermediate", format, 900, 420, written);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException)
        {
            throw new UsageException($"--plots: cannot load SkiaSharp's native library ({e.GetBaseException().Message}); libSkiaSharp.so must be beside the lab binary");
        }
        return written;
    }

    private static Plot History(StudyPlots plots)
    {
        var plot = new Plot();
        var values = plot.Add.ScatterPoints(plots.History.Select(p => (double)p.Number).ToArray(), plots.History.Select(p => p.Value).ToArray());
        values.Color = Color.FromHex(StateColors[TrialState.Complete]);
        values.MarkerSize = 6;
        values.LegendText = plots.Objective;
        var best = plot.Add.Scatter(plots.History.Select(p => (double)p.Number).ToArray(), plots.History.Select(p => p.BestSoFar).ToArray());
        best.Color = Color.FromHex(StateColors[TrialState.Pruned]);
        best.ConnectStyle = ConnectStyle.StepHorizontal;
        best.MarkerSize = 0;
        best.LineWidth = 2;
        best.LegendText = "best so far";
        plot.Legend.Alignment = plots.Direction == StudyDirection.Minimize ? Alignment.UpperRight : Alignment.LowerRight;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.Title($"{plots.StudyName}: optimization history ({plots.Direction.ToString().ToLowerInvariant()})");
        plot.XLabel("trial");
        plot.YLabel(plots.Objective);
        plot.ShowLegend();
        return plot;
    }

    private static void SaveSlices(StudyPlots plots, string folder, string format, List<string> written)
    {
        if (plots.Slices.Count == 0)
        {
            return;
        }
        const int columns = 3;
        var rows = (plots.Slices.Count + columns - 1) / columns;
        var cols = Math.Min(columns, plots.Slices.Count);
        var multiplot = new Multiplot();
        var first = true;
        foreach (var slice in plots.Slices)
        {
            var plot = Slice(plots, slice);
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
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(rows, cols);
        var (width, height) = (380 * cols, 320 * rows);
        var path = Path.GetFullPath(Path.Combine(folder, "slices." + format));
        var temp = $"{path}.{Environment.ProcessId}.tmp.{format}";
        // Multiplot clears its area to transparent (black in SVG) and has no SVG writer: render it
        // on SkiaSharp's canvases over a white background, as Plot.SavePng/SaveSvg do for one plot.
        if (format == "png")
        {
            using var surface = SkiaSharp.SKSurface.Create(new SkiaSharp.SKImageInfo(width, height));
            multiplot.Render(surface.Canvas, new PixelRect(0, width, height, 0));
            using var panels = surface.Snapshot();
            using var white = SkiaSharp.SKSurface.Create(new SkiaSharp.SKImageInfo(width, height));
            white.Canvas.Clear(SkiaSharp.SKColors.White);
            white.Canvas.DrawImage(panels, 0, 0);
            using var image = white.Snapshot();
            using var png = image.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
            using var file = File.Create(temp);
            png.SaveTo(file);
        }
        else
        {
            var svgPath = temp + ".raw";
            using (var stream = File.Create(svgPath))
            using (var canvas = SkiaSharp.SKSvgCanvas.Create(new SkiaSharp.SKRect(0, 0, width, height), stream))
            {
                multiplot.Render(canvas, new PixelRect(0, width, height, 0));
            }
            var svg = File.ReadAllText(svgPath).Replace($"<rect width=\"{width}\" height=\"{height}\"/>", $"<rect fill=\"white\" width=\"{width}\" height=\"{height}\"/>", StringComparison.Ordinal);
            File.WriteAllText(temp, svg);
            File.Delete(svgPath);
        }
        File.Move(temp, path, overwrite: true);
        written.Add(Path.Combine(folder, "slices." + format));
    }

    private static Plot Slice(StudyPlots plots, SlicePlot slice)
    {
        var plot = new Plot();
        var axis = slice.Axis;
        var xs = slice.Points.Select(p => axis.Scale == PlotScale.Log ? Math.Log10(p.X) : p.X).ToArray();
        var points = plot.Add.ScatterPoints(xs, slice.Points.Select(p => p.Value).ToArray());
        points.Color = Color.FromHex(StateColors[TrialState.Complete]).WithAlpha(0.75);
        points.MarkerSize = 6;
        switch (axis.Scale)
        {
            case PlotScale.Categorical:
                plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
                    [.. Enumerable.Range(0, axis.Categories.Count).Select(i => (double)i)], [.. axis.Categories]);
                plot.Axes.SetLimitsX(-0.5, axis.Categories.Count - 0.5);
                break;
            case PlotScale.Log:
                var ticks = axis.Ticks().Where(t => t.Position >= 0).ToList();
                plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
                    [.. ticks.Select(t => Math.Log10(axis.Low) + (t.Position * (Math.Log10(axis.High) - Math.Log10(axis.Low))))], [.. ticks.Select(t => t.Label)]);
                break;
            default:
                if (axis.IsInteger)
                {
                    plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
                }
                break;
        }
        plot.Title(axis.Name + (axis.Scale == PlotScale.Log ? " (log scale)" : ""));
        plot.XLabel(axis.Name);
        plot.YLabel(plots.Objective);
        return plot;
    }

    private static Plot Parallel(StudyPlots plots)
    {
        var plot = new Plot();
        var axes = plots.ParallelAxes;
        var xs = Enumerable.Range(0, axes.Count).Select(i => (double)i).ToArray();
        foreach (var line in plots.ParallelLines)
        {
            var scatter = plot.Add.ScatterLine(xs, [.. line.Positions]);
            scatter.Color = Color.FromHex(LineColor(Goodness(plots, line.Value))).WithAlpha(0.85);
            scatter.LineWidth = 1.5f;
        }
        for (var i = 0; i < axes.Count; i++)
        {
            var axis = axes[i];
            var bottom = axis.HasMissing ? PlotAxis.MissingPosition : 0;
            var bar = plot.Add.Line(i, bottom, i, 1);
            bar.Color = Colors.Black;
            bar.LineWidth = 1.5f;
            var title = plot.Add.Text(axis.Name + (axis.Scale == PlotScale.Log ? " (log)" : ""), i, 1.04);
            title.LabelFontSize = 13;
            title.LabelBold = true;
            title.LabelAlignment = Alignment.LowerCenter;
            foreach (var (position, label) in axis.Ticks())
            {
                var tick = plot.Add.Text(label, i - 0.03, position);
                tick.LabelFontSize = 11;
                tick.LabelAlignment = Alignment.MiddleRight;
                tick.LabelBackgroundColor = Colors.White.WithAlpha(0.8);
            }
        }
        plot.Axes.Frameless();
        plot.HideGrid();
        plot.Axes.SetLimits(-0.5, axes.Count - 0.6, -0.2, 1.12);
        plot.Title($"{plots.StudyName}: parallel coordinates (darker = better {plots.Objective})");
        return plot;
    }

    private static Plot Intermediate(StudyPlots plots)
    {
        var plot = new Plot();
        foreach (var curve in plots.Intermediate.Where(c => c.Points.Count > 0).OrderBy(c => c.State == TrialState.Pruned ? 0 : 1))
        {
            var line = plot.Add.Scatter(curve.Points.Select(p => (double)p.Step).ToArray(), curve.Points.Select(p => p.Value).ToArray());
            line.Color = Color.FromHex(StateColors[curve.State]).WithAlpha(curve.State == TrialState.Complete ? 0.8 : 0.9);
            line.MarkerSize = curve.Points.Count > 40 ? 0 : 3;
            line.LineWidth = 1.5f;
            if (curve.State == TrialState.Pruned)
            {
                line.LinePattern = LinePattern.Dashed;
                line.MarkerShape = MarkerShape.OpenCircle;
            }
        }
        foreach (var state in plots.Intermediate.Select(c => c.State).Distinct().Order())
        {
            plot.Legend.ManualItems.Add(new LegendItem
            {
                LabelText = state switch
                {
                    TrialState.Complete => "complete",
                    TrialState.Pruned => "pruned",
                    TrialState.Fail => "failed",
                    TrialState.Running => "running",
                    _ => "waiting",
                } + $" ({plots.Intermediate.Count(c => c.State == state)})",
                LineColor = Color.FromHex(StateColors[state]),
                LineWidth = 2,
                LinePattern = state == TrialState.Pruned ? LinePattern.Dashed : LinePattern.Solid,
            });
        }
        plot.ShowLegend();
        plot.Legend.Alignment = Alignment.UpperRight;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.Title($"{plots.StudyName}: intermediate values, one line per trial");
        plot.XLabel("step");
        plot.YLabel(plots.Objective);
        return plot;
    }

    private static void Save(Plot plot, string folder, string name, string format, int width, int height, List<string> written)
    {
        var path = Path.GetFullPath(Path.Combine(folder, name + "." + format));
        var temp = $"{path}.{Environment.ProcessId}.tmp.{format}";
        if (format == "png")
        {
            plot.SavePng(temp, width, height);
        }
        else
        {
            plot.SaveSvg(temp, width, height);
        }
        File.Move(temp, path, overwrite: true);
        written.Add(Path.Combine(folder, name + "." + format));
    }
}
