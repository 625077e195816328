using Labbook.Cli.Charts;
using Labbook.Sweeps;
using Labbook.Tuning;

namespace Labbook.Cli;

/// <summary>
/// Writes a study's plots as image files (PNG, or SVG), drawn by <see cref="ChartCanvas"/>: <c>history</c>,
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
        void Save(string name, int width, int height, Action<ChartCanvas> draw)
        {
            ChartCanvas.Render(Path.Combine(folder, name + "." + format), format, width, height, draw);
            written.Add(Path.Combine(folder, name + "." + format));
        }
        Save("history", 900, 420, c => History(plots).Draw(c, new Box(0, 0, c.Width, c.Height)));
        if (plots.Slices.Count > 0)
        {
            const int columns = 3;
            var cols = Math.Min(columns, plots.Slices.Count);
            var rows = (plots.Slices.Count + columns - 1) / columns;
            Save("slices", 380 * cols, 320 * rows, c =>
            {
                for (var i = 0; i < plots.Slices.Count; i++)
                {
                    Slice(plots, plots.Slices[i]).Draw(c, new Box(380 * (i % columns), 320 * (i / columns), 380, 320));
                }
            });
        }
        Save("parallel", Math.Max(700, 160 * plots.ParallelAxes.Count), 460, c => Parallel(plots, c));
        if (plots.Intermediate.Count > 0)
        {
            Save("intermediate", 900, 420, c => Intermediate(plots).Draw(c, new Box(0, 0, c.Width, c.Height)));
        }
        return written;
    }

    private static XyChart History(StudyPlots plots)
    {
        var chart = new XyChart
        {
            Title = $"{plots.StudyName}: optimization history ({plots.Direction.ToString().ToLowerInvariant()})",
            XLabel = "trial",
            YLabel = plots.Objective,
            IntegerX = true,
            Legend = plots.Direction == StudyDirection.Minimize ? LegendPlace.UpperRight : LegendPlace.LowerRight,
        };
        chart.Series.Add(new Series([.. plots.History.Select(p => ((double)p.Number, p.Value))], Rgb.FromHex(StateColors[TrialState.Complete]))
        {
            Label = plots.Objective,
            Line = false,
            MarkerSize = 6,
        });
        chart.Series.Add(new Series([.. plots.History.Select(p => ((double)p.Number, p.BestSoFar))], Rgb.FromHex(StateColors[TrialState.Pruned]))
        {
            Label = "best so far",
            LineWidth = 2,
            StepHorizontal = true,
        });
        return chart;
    }

    private static XyChart Slice(StudyPlots plots, SlicePlot slice)
    {
        var axis = slice.Axis;
        (IReadOnlyList<double>, IReadOnlyList<string>)? ticks = null;
        (double, double)? limits = null;
        switch (axis.Scale)
        {
            case PlotScale.Categorical:
                ticks = ([.. Enumerable.Range(0, axis.Categories.Count).Select(i => (double)i)], axis.Categories);
                limits = (-0.5, axis.Categories.Count - 0.5);
                break;
            case PlotScale.Log:
                var logTicks = axis.Ticks().Where(t => t.Position >= 0).ToList();
                double low = Math.Log10(axis.Low), high = Math.Log10(axis.High);
                ticks = ([.. logTicks.Select(t => low + (t.Position * (high - low)))], [.. logTicks.Select(t => t.Label)]);
                break;
        }
        var chart = new XyChart
        {
            Title = axis.Name + (axis.Scale == PlotScale.Log ? " (log scale)" : ""),
            XLabel = axis.Name,
            YLabel = plots.Objective,
            XTicks = ticks,
            XLimits = limits,
            IntegerX = axis.IsInteger,
        };
        var xs = slice.Points.Select(p => axis.Scale == PlotScale.Log ? Math.Log10(p.X) : p.X);
        chart.Series.Add(new Series([.. xs.Zip(slice.Points, (x, p) => (x, p.Value))], Rgb.FromHex(StateColors[TrialState.Complete]))
        {
            Line = false,
            MarkerSize = 6,
            Opacity = 0.75,
        });
        return chart;
    }

    private static void Parallel(StudyPlots plots, ChartCanvas canvas)
    {
        var axes = plots.ParallelAxes;
        var ink = Rgb.FromHex("#222222");
        var title = $"{plots.StudyName}: parallel coordinates (darker = better {plots.Objective})";
        canvas.Text(title, canvas.Width / 2.0, 8 + GlyphFont.Of(TextStyle.Title).Ascent, TextStyle.Title, ink, TextAnchor.Middle);
        // Positions run from the "missing" row (below 0) to 1; the axis titles sit above 1.
        const double low = -0.2, high = 1.12;
        double top = 40, bottom = canvas.Height - 12, left = 90, right = canvas.Width - 60;
        double X(int i) => axes.Count == 1 ? (left + right) / 2 : left + (i * (right - left) / (axes.Count - 1));
        double Y(double position) => bottom - ((position - low) / (high - low) * (bottom - top));
        foreach (var line in plots.ParallelLines)
        {
            var points = line.Positions.Select((p, i) => (X(i), Y(p))).ToList();
            canvas.Polyline(points, new Stroke(Rgb.FromHex(LineColor(Goodness(plots, line.Value))), 1.5, 0.85));
        }
        for (var i = 0; i < axes.Count; i++)
        {
            var axis = axes[i];
            var x = X(i);
            canvas.Line(x, Y(axis.HasMissing ? PlotAxis.MissingPosition : 0), x, Y(1), new Stroke(Rgb.Black, 1.5));
            canvas.Text(axis.Name + (axis.Scale == PlotScale.Log ? " (log)" : ""), x, Y(1.04), TextStyle.Title, ink, TextAnchor.Middle);
            foreach (var (position, label) in axis.Ticks())
            {
                var y = Y(position);
                var width = ChartCanvas.Measure(label, TextStyle.Small);
                canvas.Rectangle(new Box(x - 6 - width - 2, y - 8, width + 4, 12), Rgb.White, 0.8, null);
                canvas.Line(x - 4, y, x, y, new Stroke(Rgb.Black, 1));
                canvas.Text(label, x - 6, y + 4, TextStyle.Small, ink, TextAnchor.End);
            }
        }
    }

    private static XyChart Intermediate(StudyPlots plots)
    {
        var legend = plots.Intermediate.Select(c => c.State).Distinct().Order().Select(state => new LegendEntry(
            state switch
            {
                TrialState.Complete => "complete",
                TrialState.Pruned => "pruned",
                TrialState.Fail => "failed",
                TrialState.Running => "running",
                _ => "waiting",
            } + $" ({plots.Intermediate.Count(c => c.State == state)})",
            Rgb.FromHex(StateColors[state]),
            Dashed: state == TrialState.Pruned)).ToList();
        var chart = new XyChart
        {
            Title = $"{plots.StudyName}: intermediate values, one line per trial",
            XLabel = "step",
            YLabel = plots.Objective,
            IntegerX = true,
            Legend = LegendPlace.UpperRight,
            LegendEntries = legend,
        };
        foreach (var curve in plots.Intermediate.Where(c => c.Points.Count > 0).OrderBy(c => c.State == TrialState.Pruned ? 0 : 1))
        {
            chart.Series.Add(new Series([.. curve.Points.Select(p => ((double)p.Step, p.Value))], Rgb.FromHex(StateColors[curve.State]))
            {
                Opacity = curve.State == TrialState.Complete ? 0.8 : 0.9,
                MarkerSize = curve.Points.Count > 40 ? 0 : 3,
                Dashed = curve.State == TrialState.Pruned,
                OpenMarkers = curve.State == TrialState.Pruned,
            });
        }
        return chart;
    }
}
