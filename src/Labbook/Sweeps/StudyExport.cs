using System.Globalization;
using Labbook.IO;
using Labbook.Metrics;
using Labbook.Tuning;

namespace Labbook.Sweeps;

/// <summary>
/// A study's trials as CSV for <c>lab study export</c>: Optuna's <c>trials_dataframe</c> columns
/// (number, state, value, params_*, datetime_start, datetime_complete, duration in seconds) plus the
/// trial's run id and its fail reason. A parameter absent from a trial is an empty cell.
/// </summary>
public static class StudyExport
{
    /// <summary>Writes the CSV.</summary>
    public static void Write(TextWriter writer, IReadOnlyList<FrozenTrial> trials)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(trials);
        var names = trials.SelectMany(t => t.Params.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var header = new List<string?> { "number", "state", "value" };
        header.AddRange(names.Select(n => "params_" + n));
        header.AddRange(["run_id", "datetime_start", "datetime_complete", "duration", "fail_reason"]);
        writer.Write(CsvText.Line(header));
        writer.Write('\n');
        foreach (var t in trials)
        {
            var row = new List<string?>
            {
                t.Number.ToString(CultureInfo.InvariantCulture),
                TrialsCsv.StateName(t.State),
                t.Value is { } v ? Json.MetricText.FormatValue(v) : "",
            };
            row.AddRange(names.Select(n => t.Params.TryGetValue(n, out var p) ? CommandTemplate.Text(p) : ""));
            row.Add(SweepRunner.RunIdOf(t) ?? "");
            row.Add(t.DatetimeStart is { } s ? Date(s) : "");
            row.Add(t.DatetimeComplete is { } c ? Date(c) : "");
            row.Add(t.DatetimeStart is { } s2 && t.DatetimeComplete is { } c2 ? Json.MetricText.FormatValue((c2 - s2).TotalSeconds) : "");
            row.Add(Attr(t.SystemAttrs, Study.FailReasonAttr));
            writer.Write(CsvText.Line(row));
            writer.Write('\n');
        }
    }

    /// <summary>Writes the CSV to a file atomically.</summary>
    public static void Write(string path, IReadOnlyList<FrozenTrial> trials)
    {
        var sw = new StringWriter(CultureInfo.InvariantCulture);
        Write(sw, trials);
        AtomicFile.WriteText(path, sw.ToString(), durable: true);
    }

    private static string Attr(IReadOnlyDictionary<string, System.Text.Json.Nodes.JsonNode?> attrs, string key) =>
        attrs.TryGetValue(key, out var node) && node is System.Text.Json.Nodes.JsonValue value && value.TryGetValue<string>(out var s) ? s : "";

    private static string Date(DateTime d) => d.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
}
