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

    /// <summary>Wide format: one row per run and step, one column per metric (the last value at that step).</summary>
    public static void WriteWide(IEnumerable<RunInfo> runs, TextWriter output, MetricReader reader)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(reader);
        var tables = new List<(string Run, SortedDictionary<long, Dictionary<string, double>> Steps)>();
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
            tables.Add((run.Id, steps));
        }
        output.Write(CsvText.Line(["run", "step", .. names]));
        output.Write('\n');
        foreach (var (run, steps) in tables)
        {
            foreach (var (step, row) in steps)
            {
                var fields = new List<string?>(names.Count + 2) { run, step.ToString(System.Globalization.CultureInfo.InvariantCulture) };
                foreach (var name in names)
                {
                    fields.Add(row.TryGetValue(name, out var v) ? MetricText.FormatValue(v) : "");
                }
                output.Write(CsvText.Line(fields));
                output.Write('\n');
            }
        }
    }
}
