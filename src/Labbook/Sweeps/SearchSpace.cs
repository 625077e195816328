using System.Globalization;
using Labbook.Tuning;

namespace Labbook.Sweeps;

/// <summary>What kind of values a parameter of a search space takes.</summary>
public enum ParamKind
{
    /// <summary>A real number in [low, high].</summary>
    Float,

    /// <summary>An integer in [low, high].</summary>
    Int,

    /// <summary>One of a list of choices.</summary>
    Categorical,

    /// <summary>One fixed value, never searched.</summary>
    Fixed,
}

/// <summary>A parameter that exists only when another parameter has one of some values.</summary>
/// <param name="Param">The parameter the condition looks at.</param>
/// <param name="Values">The values that switch this parameter on.</param>
public sealed record ParamCondition(string Param, IReadOnlyList<object?> Values);

/// <summary>One parameter of a search space.</summary>
public sealed class ParamSpec
{
    /// <summary>The parameter name.</summary>
    public required string Name { get; init; }

    /// <summary>The kind of values.</summary>
    public required ParamKind Kind { get; init; }

    /// <summary>Lower bound (float, int).</summary>
    public double Low { get; init; }

    /// <summary>Upper bound (float, int).</summary>
    public double High { get; init; }

    /// <summary>Sampled on a log scale.</summary>
    public bool Log { get; init; }

    /// <summary>Grid step (float, int), or null.</summary>
    public double? Step { get; init; }

    /// <summary>The choices of a categorical parameter (null, bool, long, double or string).</summary>
    public IReadOnlyList<object?> Choices { get; init; } = [];

    /// <summary>The value of a fixed parameter.</summary>
    public object? Value { get; init; }

    /// <summary>When the parameter is present, or null (always).</summary>
    public ParamCondition? Condition { get; init; }

    /// <summary>1-based line where the parameter is defined (0 when not from a file).</summary>
    public int Line { get; init; }
}

/// <summary>
/// A search space for <c>lab sweep</c>: float, int and categorical parameters (log scale, step,
/// conditions) and fixed values. Built from a YAML or JSON file (<see cref="SpaceParser"/>) or
/// from inline <c>-s</c> specs (<see cref="InlineSpace"/>).
/// </summary>
public sealed class SearchSpace
{
    private readonly List<ParamSpec> _ordered;

    /// <summary>Makes a space; parameters are sampled so that a condition's parameter comes first.</summary>
    public SearchSpace(IReadOnlyList<ParamSpec> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Params = parameters;
        _ordered = Order(parameters);
    }

    /// <summary>The parameters, in definition order.</summary>
    public IReadOnlyList<ParamSpec> Params { get; }

    /// <summary>Whether the space has a parameter of that name.</summary>
    public bool Contains(string name) => Params.Any(p => p.Name == name);

    /// <summary>
    /// Null when <paramref name="value"/> is a value the parameter can take (inside a range and on its step's
    /// grid, an integer for an int, one of the choices, the fixed value), else what is wrong with it. Used to
    /// refuse an enqueued trial the space could never have produced.
    /// </summary>
    public string? CheckValue(string name, object? value)
    {
        ArgumentNullException.ThrowIfNull(name);
        var spec = Params.FirstOrDefault(p => p.Name == name);
        if (spec is null)
        {
            return $"'{name}' is not a parameter of the space{Text.NameSuggestions.DidYouMean(name, Params.Select(p => p.Name))}";
        }
        var shown = Workspaces.Names.Escape(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null");
        double? number = value switch { long l => l, double d => d, _ => null };
        switch (spec.Kind)
        {
            case ParamKind.Float or ParamKind.Int:
                if (number is not { } n || !double.IsFinite(n))
                {
                    return $"{name}={shown} is not a number";
                }
                if (spec.Kind == ParamKind.Int && n != Math.Floor(n))
                {
                    return $"{name}={shown} is not an integer";
                }
                var range = string.Create(CultureInfo.InvariantCulture, $"{spec.Low}..{spec.High}");
                if (n < spec.Low || n > spec.High)
                {
                    return $"{name}={shown} is outside the space's range {range}";
                }
                // On the step's grid, with Optuna's tolerance for a stepped float (its distributions' _contains).
                var steps = spec.Step is { } step ? (n - spec.Low) / step : 0;
                return Math.Abs(steps - Math.Round(steps)) > 1e-8
                    ? string.Create(CultureInfo.InvariantCulture, $"{name}={shown} is not on the space's grid {range} in steps of {spec.Step}")
                    : null;
            case ParamKind.Categorical:
                return spec.Choices.Any(c => SameValue(c, value)) ? null
                    : $"{name}={shown} is not one of the choices ({string.Join(", ", spec.Choices.Select(c => Convert.ToString(c, CultureInfo.InvariantCulture)))})";
            default:
                return SameValue(spec.Value, value) ? null : $"{name} is fixed to {Convert.ToString(spec.Value, CultureInfo.InvariantCulture)} in the space";
        }
    }

    /// <summary>
    /// Draws the trial's parameters through <paramref name="trial"/> (so the study's sampler decides),
    /// skipping parameters whose condition is not met, and adds fixed values.
    /// </summary>
    public Dictionary<string, object?> Sample(Trial trial)
    {
        ArgumentNullException.ThrowIfNull(trial);
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var p in _ordered)
        {
            if (p.Condition is { } c && !(values.TryGetValue(c.Param, out var parent) && c.Values.Any(v => SameValue(v, parent))))
            {
                continue;
            }
            values[p.Name] = p.Kind switch
            {
                ParamKind.Float => trial.SuggestFloat(p.Name, p.Low, p.High, p.Log, p.Step),
                ParamKind.Int => trial.SuggestLong(p.Name, (long)p.Low, (long)p.High, (long)(p.Step ?? 1), p.Log),
                ParamKind.Categorical => trial.SuggestCategorical(p.Name, p.Choices.ToArray()),
                _ => p.Value,
            };
        }
        return values;
    }

    /// <summary>The grid for <see cref="Tuning.GridSampler"/>: every value of every searched parameter.</summary>
    /// <exception cref="ArgumentException">A float parameter has no step, or the space has conditions.</exception>
    public Dictionary<string, object?[]> Grid()
    {
        var grid = new Dictionary<string, object?[]>(StringComparer.Ordinal);
        foreach (var p in Params)
        {
            if (p.Condition is not null)
            {
                throw new ArgumentException($"the grid sampler does not support conditional parameters ('{p.Name}')");
            }
            switch (p.Kind)
            {
                case ParamKind.Categorical:
                    grid[p.Name] = [.. p.Choices];
                    break;
                case ParamKind.Int:
                    var step = (long)(p.Step ?? 1);
                    var ints = new List<object?>();
                    for (var v = (long)p.Low; v <= (long)p.High; v += step)
                    {
                        ints.Add(v);
                    }
                    grid[p.Name] = [.. ints];
                    break;
                case ParamKind.Float when p.Step is { } s:
                    var n = (long)Math.Floor(((p.High - p.Low) / s) + 1e-9);
                    grid[p.Name] = [.. Enumerable.Range(0, (int)n + 1).Select(i => (object?)(p.Low + (i * s)))];
                    break;
                case ParamKind.Float:
                    throw new ArgumentException($"the grid sampler needs a step for float parameter '{p.Name}'");
            }
        }
        return grid;
    }

    /// <summary>Whether two parameter values are equal (numbers by value, whatever their type).</summary>
    public static bool SameValue(object? a, object? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }
        if (IsNumber(a) && IsNumber(b))
        {
            return Convert.ToDouble(a, CultureInfo.InvariantCulture) == Convert.ToDouble(b, CultureInfo.InvariantCulture);
        }
        return a.Equals(b);
    }

    private static bool IsNumber(object o) => o is long or int or double or float;

    private static List<ParamSpec> Order(IReadOnlyList<ParamSpec> parameters)
    {
        var ordered = new List<ParamSpec>(parameters.Count);
        var placed = new HashSet<string>(StringComparer.Ordinal);
        var pending = parameters.ToList();
        while (pending.Count > 0)
        {
            var next = pending.FirstOrDefault(p => p.Condition is not { } c || placed.Contains(c.Param));
            if (next is null)
            {
                // Cycles are refused by the parser; a hand-made space with one samples in definition order.
                ordered.AddRange(pending);
                break;
            }
            ordered.Add(next);
            placed.Add(next.Name);
            pending.Remove(next);
        }
        return ordered;
    }
}

/// <summary>A search space that is not valid: the file, the 1-based line and what is wrong.</summary>
public sealed class SearchSpaceException : FormatException
{
    /// <summary>Makes the error; the message reads <c>FILE line N: PROBLEM</c>.</summary>
    public SearchSpaceException(string source, int line, string problem)
        : base(line > 0 ? $"{source} line {line}: {problem}" : $"{source}: {problem}")
    {
        Source = source;
        Line = line;
        Problem = problem;
    }

    /// <summary>The file (or option) where the space came from.</summary>
    public new string Source { get; }

    /// <summary>1-based line, or 0.</summary>
    public int Line { get; }

    /// <summary>What is wrong.</summary>
    public string Problem { get; }
}
