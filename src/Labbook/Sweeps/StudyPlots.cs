using System.Globalization;
using Labbook.Tuning;

namespace Labbook.Sweeps;

/// <summary>How a plot axis maps values to positions.</summary>
public enum PlotScale
{
    /// <summary>Linear in the value.</summary>
    Linear,

    /// <summary>Linear in the value's logarithm (a log-scaled parameter).</summary>
    Log,

    /// <summary>One evenly spaced position per choice, in the order of the choices.</summary>
    Categorical,
}

/// <summary>
/// One axis of a study plot: a parameter or the objective, with its scale and range. Maps values to
/// a position in [0, 1] (<see cref="Normalize"/>) and names tick positions (<see cref="Ticks"/>).
/// </summary>
/// <param name="Name">The parameter name, or the objective's name.</param>
/// <param name="Scale">Linear, log or categorical.</param>
/// <param name="Low">The smallest value (numeric axes).</param>
/// <param name="High">The largest value (numeric axes).</param>
/// <param name="Categories">The choices as text, in order (categorical axes).</param>
/// <param name="HasMissing">Some plotted trials lack this parameter (a conditional parameter).</param>
public sealed record PlotAxis(string Name, PlotScale Scale, double Low, double High, IReadOnlyList<string> Categories, bool HasMissing)
{
    /// <summary>Where a parameter that a trial lacks is drawn on a parallel-coordinates axis: below the axis's range.</summary>
    public const double MissingPosition = -0.12;

    /// <summary>The position of a value in [0, 1] (0: low or first choice; a lone value or choice sits at 0.5), or null when it is not on this axis.</summary>
    public double? Normalize(object? value)
    {
        if (Scale == PlotScale.Categorical)
        {
            var index = Categories.ToList().IndexOf(PlotAxis.ChoiceText(value));
            return index < 0 ? null : Categories.Count == 1 ? 0.5 : (double)index / (Categories.Count - 1);
        }
        if (value is not (double or long or int))
        {
            return null;
        }
        var x = Convert.ToDouble(value, CultureInfo.InvariantCulture);
        if (!double.IsFinite(x))
        {
            return null;
        }
        if (Scale == PlotScale.Log)
        {
            return x <= 0 ? null : Ratio(Math.Log(x), Math.Log(Low), Math.Log(High));
        }
        return Ratio(x, Low, High);
    }

    /// <summary>Tick positions in [0, 1] with their labels: the choices, powers of ten (log), or five even steps (linear).</summary>
    public IReadOnlyList<(double Position, string Label)> Ticks()
    {
        var ticks = new List<(double, string)>();
        switch (Scale)
        {
            case PlotScale.Categorical:
                for (var i = 0; i < Categories.Count; i++)
                {
                    ticks.Add((Categories.Count == 1 ? 0.5 : (double)i / (Categories.Count - 1), Categories[i]));
                }
                break;
            case PlotScale.Log:
                ticks.Add((0, Label(Low)));
                // Powers of ten; over less than two decades, 1-2-5 steps too. None too close to the ends.
                int[] mantissas = Math.Log10(High / Low) < 2 ? [1, 2, 5] : [1];
                for (var e = Math.Floor(Math.Log10(Low)); e <= Math.Ceiling(Math.Log10(High)); e++)
                {
                    foreach (var m in mantissas)
                    {
                        var v = m * Math.Pow(10, e);
                        if (Normalize(v) is { } position && position > 0.06 && position < 0.94 && v > Low && v < High)
                        {
                            ticks.Add((position, Label(v)));
                        }
                    }
                }
                ticks.Add((1, Label(High)));
                break;
            default:
                if (High <= Low)
                {
                    ticks.Add((0.5, Label(Low)));
                    break;
                }
                var grid = Step is { } step && step > 0 ? step : IsInteger ? 1 : 0;
                if (grid > 0 && (High - Low) / grid <= 10)
                {
                    for (var v = Low; v <= High + (grid / 1e6); v += grid)
                    {
                        ticks.Add((Normalize(v)!.Value, Label(v)));
                    }
                    break;
                }
                for (var i = 0; i <= 4; i++)
                {
                    var v = Low + ((High - Low) * i / 4.0);
                    ticks.Add((i / 4.0, Label(IsInteger ? Math.Round(v) : v)));
                }
                break;
        }
        if (HasMissing)
        {
            ticks.Add((MissingPosition, "(absent)"));
        }
        return ticks;
    }

    /// <summary>A categorical value as its label: as on a command line, except that null reads <c>null</c>.</summary>
    public static string ChoiceText(object? value) => value is null ? "null" : CommandTemplate.Text(value);

    /// <summary>The parameter's grid step, when it has one other than 1 (ticks then sit on the grid).</summary>
    public double? Step { get; init; }

    /// <summary>The axis holds integers (an int parameter).</summary>
    public bool IsInteger { get; init; }

    /// <summary>A number as a short label (4 significant digits, <c>1e-05</c> style).</summary>
    public static string Label(double value) => value.ToString("G4", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);

    private static double Ratio(double x, double low, double high) => high <= low ? 0.5 : Math.Clamp((x - low) / (high - low), 0, 1);
}

/// <summary>A complete trial on the optimization-history plot.</summary>
/// <param name="Number">The trial number (x).</param>
/// <param name="Value">Its objective value.</param>
/// <param name="BestSoFar">The best value of this and earlier complete trials.</param>
public sealed record HistoryPoint(int Number, double Value, double BestSoFar);

/// <summary>The slice plot of one parameter: the objective of each complete trial that has it, against its value.</summary>
/// <param name="Axis">The parameter's axis (x).</param>
/// <param name="Points">Per trial: its value on the axis (the number, or the choice's index for a categorical), the objective, the trial number.</param>
public sealed record SlicePlot(PlotAxis Axis, IReadOnlyList<(double X, double Value, int Number)> Points);

/// <summary>One trial's line on the parallel-coordinates plot.</summary>
/// <param name="Number">The trial number.</param>
/// <param name="Value">Its objective value (first axis, and the line's colour).</param>
/// <param name="Positions">Its position in [0, 1] on each axis, or <see cref="PlotAxis.MissingPosition"/> where it lacks the parameter.</param>
public sealed record ParallelLine(int Number, double Value, IReadOnlyList<double> Positions);

/// <summary>The intermediate values a trial reported (the objective metric by step).</summary>
/// <param name="Number">The trial number.</param>
/// <param name="State">Its state: complete, pruned, failed or running.</param>
/// <param name="Points">(step, value), by step.</param>
public sealed record IntermediateCurve(int Number, TrialState State, IReadOnlyList<(int Step, double Value)> Points);

/// <summary>
/// What the study plots show, computed from the trials, for any renderer (PNG, SVG, HTML): the
/// optimization history, a slice per parameter, parallel coordinates (objective first, then each
/// parameter on its own scale: log-scaled parameters in log, categoricals by choice, a conditional
/// parameter's absence below its axis), and the intermediate values of every trial that reported any.
/// </summary>
public sealed class StudyPlots
{
    private StudyPlots(string studyName, string objective, StudyDirection direction)
    {
        StudyName = studyName;
        Objective = objective;
        Direction = direction;
    }

    /// <summary>The study's name.</summary>
    public string StudyName { get; }

    /// <summary>The objective's name (the metric, or "value").</summary>
    public string Objective { get; }

    /// <summary>Minimize or maximize.</summary>
    public StudyDirection Direction { get; }

    /// <summary>Complete trials with finite values, by number, with the best so far.</summary>
    public IReadOnlyList<HistoryPoint> History { get; private set; } = [];

    /// <summary>One slice plot per parameter, by name.</summary>
    public IReadOnlyList<SlicePlot> Slices { get; private set; } = [];

    /// <summary>The parallel-coordinates axes: the objective, then the parameters by name.</summary>
    public IReadOnlyList<PlotAxis> ParallelAxes { get; private set; } = [];

    /// <summary>One line per complete trial, the best drawn last (on top).</summary>
    public IReadOnlyList<ParallelLine> ParallelLines { get; private set; } = [];

    /// <summary>One curve per trial that reported intermediate values, by number.</summary>
    public IReadOnlyList<IntermediateCurve> Intermediate { get; private set; } = [];

    /// <summary>Computes the plots of a study's trials.</summary>
    /// <param name="studyName">The study's name.</param>
    /// <param name="objective">The objective's name, for axis titles.</param>
    /// <param name="direction">Minimize or maximize.</param>
    /// <param name="trials">All trials of the study.</param>
    public static StudyPlots From(string studyName, string objective, StudyDirection direction, IReadOnlyList<FrozenTrial> trials)
    {
        ArgumentNullException.ThrowIfNull(studyName);
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(trials);
        var plots = new StudyPlots(studyName, objective, direction);
        var complete = trials.Where(t => t.State == TrialState.Complete && t.Value is { } v && double.IsFinite(v)).OrderBy(t => t.Number).ToList();
        var minimize = direction == StudyDirection.Minimize;

        var history = new List<HistoryPoint>();
        foreach (var t in complete)
        {
            var v = t.Value!.Value;
            var best = history.Count == 0 ? v : minimize ? Math.Min(v, history[^1].BestSoFar) : Math.Max(v, history[^1].BestSoFar);
            history.Add(new HistoryPoint(t.Number, v, best));
        }
        plots.History = history;

        var names = complete.SelectMany(t => t.Params.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var axes = names.Select(n => AxisOf(n, complete)).ToList();
        plots.Slices = [.. axes.Select(axis => new SlicePlot(axis, [.. complete
            .Where(t => t.Params.ContainsKey(axis.Name))
            .Select(t => (SliceX(axis, t.Params[axis.Name]), t.Value!.Value, t.Number))
            .Where(p => double.IsFinite(p.Item1))]))];

        if (complete.Count > 0)
        {
            var values = complete.Select(t => t.Value!.Value).ToList();
            var objectiveAxis = new PlotAxis(objective, PlotScale.Linear, values.Min(), values.Max(), [], false);
            plots.ParallelAxes = [objectiveAxis, .. axes];
            plots.ParallelLines = [.. complete
                .OrderBy(t => minimize ? -t.Value!.Value : t.Value!.Value)
                .Select(t => new ParallelLine(t.Number, t.Value!.Value, [
                    objectiveAxis.Normalize(t.Value!.Value)!.Value,
                    .. axes.Select(a => t.Params.TryGetValue(a.Name, out var p) ? a.Normalize(p) ?? PlotAxis.MissingPosition : PlotAxis.MissingPosition),
                ]))];
        }

        plots.Intermediate = [.. trials
            .Where(t => t.IntermediateValues.Count > 0)
            .OrderBy(t => t.Number)
            .Select(t => new IntermediateCurve(t.Number, t.State, [.. t.IntermediateValues.Where(p => double.IsFinite(p.Value)).OrderBy(p => p.Key).Select(p => (p.Key, p.Value))]))];
        return plots;
    }

    /// <summary>The x of a slice point: the number itself, or the choice's index.</summary>
    private static double SliceX(PlotAxis axis, object? value)
    {
        if (axis.Scale == PlotScale.Categorical)
        {
            var index = axis.Categories.ToList().IndexOf(PlotAxis.ChoiceText(value));
            return index < 0 ? double.NaN : index;
        }
        return value is double or long or int ? Convert.ToDouble(value, CultureInfo.InvariantCulture) : double.NaN;
    }

    /// <summary>A parameter's axis: the scale and range of its latest distribution, widened to every value seen.</summary>
    private static PlotAxis AxisOf(string name, List<FrozenTrial> trials)
    {
        var with = trials.Where(t => t.Distributions.ContainsKey(name)).ToList();
        var missing = with.Count < trials.Count;
        var dist = with[^1].Distributions[name];
        if (dist is CategoricalDistribution categorical)
        {
            var labels = categorical.Choices.Select(PlotAxis.ChoiceText).ToList();
            // Values from earlier versions of the space that are no longer choices still get a place.
            labels.AddRange(with.Select(t => PlotAxis.ChoiceText(t.Params[name])).Where(l => !labels.Contains(l)).Distinct(StringComparer.Ordinal));
            return new PlotAxis(name, PlotScale.Categorical, 0, labels.Count - 1, labels, missing);
        }
        var (low, high, log, step) = dist switch
        {
            FloatDistribution f => (f.Low, f.High, f.Log, f.Step),
            IntDistribution i => ((double)i.Low, (double)i.High, i.Log, i.Step > 1 ? i.Step : (double?)null),
            _ => (0.0, 1.0, false, null),
        };
        foreach (var t in with)
        {
            if (t.Params[name] is double or long or int)
            {
                var x = Convert.ToDouble(t.Params[name], CultureInfo.InvariantCulture);
                low = Math.Min(low, x);
                high = Math.Max(high, x);
            }
        }
        return new PlotAxis(name, log && low > 0 ? PlotScale.Log : PlotScale.Linear, low, high, [], missing) { IsInteger = dist is IntDistribution, Step = step };
    }
}
