using Labbook.Json;
using Labbook.Runs;

namespace Labbook.Metrics;

/// <summary>Writes the metrics of runs as one CSV: long (<c>run,step,name,value,time</c>) or wide (one column per metric).</summary>
public static class MetricsExport
{
    /// <summary>Long format: every point of every run, in file order.</summary>
    public static void WriteLong(IEnumerable<RunInfo> runs, TextWriter output, MetricReader reader)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(reader);
        output.Write("run,step,name,value,time\n");
        foreach (var run in runs)
        {
            var id = CsvText.Field(run.Id);
            foreach (var p in reader.Read(run.MetricsPath))
            {
                output.Write(id);
                output.Write(',');
                output.Write(p.Step.ToString(System.Globalization.CultureInfo.InvariantCulture));
                output.Write(',');
                output.Write(CsvText.Field(p.Name));
                output.Write(',');
                output.Write(MetricText.FormatValue(p.Value));
                output.Write(',');
                output.Write(CsvText.Field(p.Time));
                output.Write('\n');
            }
        }
    }

    /// <summary>
    /// Wide format: one row per run and step, the run's parameters repeated on each row (one column per parameter,
    /// empty where a run lacks it), then one column per metric (the last value at that step).
    /// </summary>
    public static void WriteWide(IEnumerable<RunInfo> runs, TextWriter output, MetricReader reader)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(reader);
        var tables = new List<(RunInfo Run, SortedDictionary<long, Dictionary<string, double>> Steps)>();
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var run in runs)
        {
            var steps = new SortedDictionary<long, Dictionary<string, double>>();
            foreach (var p in reader.Read(run.MetricsPath))
            {
                if (!steps.TryGetValue(p.Step, out var row))
                {
                    row = new Dictionary<string, double>(StringComparer.Ordinal);
                    steps[p.Step] = row;
                }
                row[p.Name] = p.Value;
                names.Add(p.Name);
            }
            tables.Add((run, steps));
        }
        var parameters = ParamColumns(tables.Select(t => t.Run), names, ["run", "step"]);
        output.Write(CsvText.Line(["run", "step", .. parameters.Select(p => p.Column), .. names]));
        output.Write('\n');
        foreach (var (run, steps) in tables)
        {
            var paramFields = parameters.Select(p => ParamText(run, p.Name)).ToList();
            foreach (var (step, row) in steps)
            {
                var fields = new List<string?>(names.Count + paramFields.Count + 2) { run.Id, step.ToString(System.Globalization.CultureInfo.InvariantCulture) };
                fields.AddRange(paramFields);
                foreach (var name in names)
                {
                    fields.Add(row.TryGetValue(name, out var v) ? MetricText.FormatValue(v) : "");
                }
                output.Write(CsvText.Line(fields));
                output.Write('\n');
            }
        }
    }

    /// <summary>
    /// One row per run: id, name, status, entry, tags, start, duration in seconds, its parameters, then the final
    /// value of each metric from summary.json (runs loaded with their summaries).
    /// </summary>
    public static void WriteRuns(IEnumerable<RunInfo> runs, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(output);
        var list = runs.ToList();
        var metrics = new SortedSet<string>(list.SelectMany(r => r.Summary?.Metrics.Keys.Concat(r.Summary.Values.Keys) ?? []), StringComparer.Ordinal);
        string[] fixedColumns = ["run", "name", "status", "entry", "tags", "started", "duration_s"];
        var parameters = ParamColumns(list, metrics, fixedColumns);
        output.Write(CsvText.Line([.. fixedColumns, .. parameters.Select(p => p.Column), .. metrics]));
        output.Write('\n');
        var now = DateTime.UtcNow;
        foreach (var run in list)
        {
            var fields = new List<string?>
            {
                run.Id,
                run.Record.Name,
                run.Status.ToText(),
                run.Record.Entry,
                string.Join(' ', run.Record.Tags),
                run.Record.Started?.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
                run.Duration(now) is { } d ? Math.Round(d.TotalSeconds, 3).ToString(System.Globalization.CultureInfo.InvariantCulture) : "",
            };
            fields.AddRange(parameters.Select(p => ParamText(run, p.Name)));
            fields.AddRange(metrics.Select(m => run.Summary?.Final(m) is { } v ? MetricText.FormatValue(v) : ""));
            output.Write(CsvText.Line(fields));
            output.Write('\n');
        }
    }

    /// <summary>
    /// The parameter columns of a set of runs, sorted by name. A parameter keeps its name as its column unless a
    /// metric or a fixed column has that name: then it is written <c>param.NAME</c>.
    /// </summary>
    private static List<(string Name, string Column)> ParamColumns(IEnumerable<RunInfo> runs, SortedSet<string> metrics, IReadOnlyList<string> fixedColumns) =>
        [.. runs.SelectMany(r => r.Record.Params.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(name => (name, metrics.Contains(name) || fixedColumns.Contains(name, StringComparer.Ordinal) ? "param." + name : name))];

    /// <summary>A parameter's value as CSV text: strings as they are, numbers and booleans as JSON writes them, empty when absent.</summary>
    private static string ParamText(RunInfo run, string name) =>
        !run.Record.Params.TryGetValue(name, out var value) ? ""
        : value is null ? "null"
        : value is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<string>(out var s) ? s
        : value.ToJsonString();
}
