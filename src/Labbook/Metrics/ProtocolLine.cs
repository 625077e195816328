namespace Labbook.Metrics;

/// <summary>
/// The stdout protocol: a line that starts with <c>@lab </c> followed by <c>key=value</c> pairs,
/// e.g. <c>@lab loss=0.31 acc=0.92 step=100</c>. <c>step</c> is optional; without it each metric
/// counts its own steps up from 0 (continuing after the last explicit step).
/// </summary>
public sealed class ProtocolParser
{
    /// <summary>The marker a protocol line starts with.</summary>
    public const string Prefix = "@lab ";

    private readonly Dictionary<string, long> _lastStep = new(StringComparer.Ordinal);

    /// <summary>True when <paramref name="line"/> is meant as a protocol line.</summary>
    public static bool IsProtocolLine(ReadOnlySpan<char> line) => line.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>Parses a protocol line into points.</summary>
    /// <returns>Null when the line is well formed, else what is wrong with it (the line logs nothing then).</returns>
    public string? TryParse(string line, List<(string Name, double Value, long Step)> points)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(points);
        points.Clear();
        long? explicitStep = null;
        var pending = new List<(string, double)>();
        foreach (var token in line[Prefix.Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = token.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                return $"'{token}' is not key=value";
            }
            var key = token[..eq];
            var text = token[(eq + 1)..];
            if (key == "step")
            {
                if (!long.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var s) || s < 0)
                {
                    return $"step '{text}' is not a non-negative integer";
                }
                explicitStep = s;
                continue;
            }
            if (!Json.MetricText.TryParseValue(text, out var value))
            {
                return $"value of '{key}' ('{text}') is not a number";
            }
            pending.Add((key, value));
        }
        if (pending.Count == 0)
        {
            return "no metric in the line";
        }
        foreach (var (name, value) in pending)
        {
            var step = explicitStep ?? (_lastStep.TryGetValue(name, out var last) ? last + 1 : 0);
            _lastStep[name] = step;
            points.Add((name, value, step));
        }
        return null;
    }

    /// <summary>The step the next value of <paramref name="name"/> gets when none is given.</summary>
    public long NextStep(string name) => _lastStep.TryGetValue(name, out var last) ? last + 1 : 0;

    /// <summary>Records an explicitly stepped value so that later automatic steps continue after it.</summary>
    public void Observe(string name, long step) => _lastStep[name] = step;
}
