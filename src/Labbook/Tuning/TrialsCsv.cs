using System.Globalization;
using System.Text;

namespace Labbook.Tuning;

/// <summary>
/// Trials as CSV (RFC 4180): <c>number,state,value,params_&lt;name&gt;...,datetime_start,datetime_complete,duration</c>,
/// one row per trial, parameter columns in order of first appearance. Numbers are culture-invariant and
/// round-trip; NaN and infinities are <c>nan</c>, <c>inf</c>, <c>-inf</c>; categorical choices are written as
/// their value; empty cells mean "none". Durations are in seconds.
/// </summary>
public static class TrialsCsv
{
    /// <summary>Writes <paramref name="trials"/> to <paramref name="writer"/>.</summary>
    public static void Write(TextWriter writer, IReadOnlyList<FrozenTrial> trials)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(trials);
        var names = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in trials)
        {
            foreach (var name in t.InternalParams.Keys)
            {
                if (seen.Add(name))
                {
                    names.Add(name);
                }
            }
        }
        var header = new List<string> { "number", "state", "value" };
        header.AddRange(names.Select(n => "params_" + n));
        header.AddRange(["datetime_start", "datetime_complete", "duration"]);
        WriteRow(writer, header);
        var row = new List<string>(header.Count);
        foreach (var t in trials)
        {
            row.Clear();
            row.Add(t.Number.ToString(CultureInfo.InvariantCulture));
            row.Add(StateName(t.State));
            row.Add(t.Value is { } v ? Number(v) : string.Empty);
            var ps = t.Params;
            foreach (var name in names)
            {
                row.Add(ps.TryGetValue(name, out var p) ? Cell(p) : string.Empty);
            }
            row.Add(t.DatetimeStart is { } s ? Date(s) : string.Empty);
            row.Add(t.DatetimeComplete is { } c ? Date(c) : string.Empty);
            row.Add(t.DatetimeStart is { } s2 && t.DatetimeComplete is { } c2 ? Number((c2 - s2).TotalSeconds) : string.Empty);
            WriteRow(writer, row);
        }
    }

    /// <summary>Writes <paramref name="trials"/> to the file at <paramref name="path"/> atomically (a temporary file, then a rename).</summary>
    public static void Write(string path, IReadOnlyList<FrozenTrial> trials)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        var temp = full + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + ".tmp";
        using (var writer = new StreamWriter(temp, false, new UTF8Encoding(false)))
        {
            Write(writer, trials);
        }
        File.Move(temp, full, overwrite: true);
    }

    /// <summary>Optuna's state names.</summary>
    public static string StateName(TrialState state) => state switch
    {
        TrialState.Running => "RUNNING",
        TrialState.Complete => "COMPLETE",
        TrialState.Pruned => "PRUNED",
        TrialState.Fail => "FAIL",
        TrialState.Waiting => "WAITING",
        _ => state.ToString(),
    };

    private static string Number(double v) =>
        Json.MetricText.FormatValue(v);

    private static string Date(DateTime d) => d.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture);

    private static string Cell(object? value) => value switch
    {
        null => string.Empty,
        double d => Number(d),
        float f => Number(f),
        long l => l.ToString(CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        bool b => b ? "True" : "False",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    private static void WriteRow(TextWriter writer, List<string> cells)
    {
        for (var i = 0; i < cells.Count; i++)
        {
            if (i > 0)
            {
                writer.Write(',');
            }
            var cell = cells[i];
            if (cell.AsSpan().IndexOfAny(",\"\r\n") >= 0 || (cell.Length > 0 && (cell[0] == ' ' || cell[^1] == ' ')))
            {
                writer.Write('"');
                writer.Write(cell.Replace("\"", "\"\"", StringComparison.Ordinal));
                writer.Write('"');
            }
            else
            {
                writer.Write(cell);
            }
        }
        writer.Write("\r\n");
    }
}
