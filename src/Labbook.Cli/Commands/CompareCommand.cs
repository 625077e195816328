using System.CommandLine;
using Labbook.Metrics;
using Labbook.Notebook;
using Labbook.Runs;
using Labbook.Workspaces;
using Spectre.Console;

namespace Labbook.Cli.Commands;

/// <summary><c>lab compare</c>: runs side by side: the params that differ, metrics last/min/max, a curve per metric.</summary>
internal static class CompareCommand
{
    public static Command Build()
    {
        var runsArg = new Argument<string[]>("runs") { Description = "Runs by id, id prefix or name.", Arity = ArgumentArity.ZeroOrMore };
        var entry = new Option<string?>("--entry") { Description = "Compare the runs of this notebook entry." };
        var html = new Option<string?>("--html") { Description = "Also write the curves, overlaid per metric, to this self-contained HTML file (Chart.js, works offline)." };
        var png = new Option<string?>("--png") { Description = "Also write the curves, one panel per metric with the runs overlaid, to this PNG file (an .svg name writes SVG)." };
        var cmd = new Command("compare", "Compare runs: parameters that differ, metrics side by side (last, min, max) and a curve per metric.")
        {
            runsArg, entry, html, png,
        };
        cmd.SetAction(parse =>
        {
            var workspace = Workspace.FromEnvironment(create: false);
            var store = new RunStore(workspace);
            var ids = new List<string>();
            IReadOnlyList<string> predictions = [];
            if (parse.GetValue(entry) is { } e)
            {
                var doc = new NotebookStore(workspace).Read();
                var notebookEntry = NotebookCli.RequireEntry(doc, e);
                predictions = notebookEntry.Predictions;
                var all = store.LoadAll(Terminal.Warn, withSummary: false);
                ids.AddRange(MorningReport.EntryRuns(notebookEntry, all, NotebookCli.ById(all)).Select(r => r.Id));
            }
            foreach (var q in parse.GetValue(runsArg) ?? [])
            {
                ids.Add(store.Resolve(q));
            }
            ids = [.. ids.Distinct(StringComparer.Ordinal)];
            if (ids.Count == 0)
            {
                throw new UsageException("name the runs to compare (lab compare RUN RUN...) or an entry (--entry E12)");
            }
            var runs = ids.Select(id => store.Load(id) ?? throw new RunNotFoundException($"run {id} has no run.json")).ToList();
            Render(runs, predictions);
            if (parse.GetValue(html) is { } htmlPath)
            {
                WriteHtml(runs, htmlPath, predictions);
            }
            if (parse.GetValue(png) is { } pngPath)
            {
                PngCharts.Write(pngPath, Panels(runs));
                Terminal.Note($"wrote {pngPath}");
            }
            return 0;
        });
        return cmd;
    }

    /// <summary>The best of a series: its min or max when the metric's direction is known, else empty.</summary>
    private static string Best(string metric, MetricStats stats, IReadOnlyList<string> predictions) =>
        MetricDirection.LowerIsBetter(metric, predictions) switch
        {
            true => Terminal.Number(stats.Min),
            false => Terminal.Number(stats.Max),
            null => "",
        };

    private static void Render(List<RunInfo> runs, IReadOnlyList<string> predictions)
    {
        var output = Terminal.Out;
        var runTable = new Table().Border(TableBorder.Simple);
        runTable.AddColumn("run");
        runTable.AddColumn("name");
        runTable.AddColumn("status");
        runTable.AddColumn("entry");
        runTable.AddColumn("tags");
        foreach (var r in runs)
        {
            runTable.AddRow(r.Id, Terminal.Safe(r.Record.Name ?? ""), Terminal.Status(r.Status), Terminal.Safe(r.Record.Entry ?? ""), Terminal.Safe(string.Join(",", r.Record.Tags)));
        }
        output.Write(runTable);

        var keys = runs.SelectMany(r => r.Record.Params.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var differing = Differing(runs);
        if (differing.Count > 0)
        {
            var t = new Table().Border(TableBorder.Simple).Title("params that differ");
            t.AddColumn("param");
            foreach (var r in runs)
            {
                t.AddColumn(Label(r));
            }
            foreach (var k in differing)
            {
                t.AddRow([Terminal.Safe(k), .. runs.Select(r => r.Record.Params.TryGetValue(k, out var v) ? Terminal.Safe(ParamParsing.Text(v)) : "[grey]-[/]")]);
            }
            output.Write(t);
        }
        else if (keys.Count > 0)
        {
            output.MarkupLine("[grey]params: all the same[/]");
        }

        // Curves come from metrics.csv itself (a handful of runs); the table from the same points.
        var series = runs.Select(Series).ToList();
        var metrics = series.SelectMany(s => s.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (metrics.Count == 0)
        {
            output.MarkupLine("[grey]no metrics logged[/]");
            return;
        }
        var table = new Table().Border(TableBorder.Simple).Title("metrics");
        table.AddColumn("metric");
        table.AddColumn("run");
        table.AddColumn(new TableColumn("last").RightAligned());
        table.AddColumn(new TableColumn("best").RightAligned());
        table.AddColumn(new TableColumn("min").RightAligned());
        table.AddColumn(new TableColumn("max").RightAligned());
        table.AddColumn(new TableColumn("steps").RightAligned());
        table.AddColumn("curve");
        foreach (var m in metrics)
        {
            var first = true;
            for (var i = 0; i < runs.Count; i++)
            {
                if (!series[i].TryGetValue(m, out var points))
                {
                    continue;
                }
                var stats = new MetricStats();
                foreach (var (step, value) in points)
                {
                    stats.Add(step, value);
                }
                table.AddRow(
                    first ? Terminal.Safe(m) : "",
                    Label(runs[i]),
                    Terminal.Number(stats.Last),
                    Best(m, stats, predictions),
                    Terminal.Number(stats.Min),
                    Terminal.Number(stats.Max),
                    stats.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Sparkline.Render(points.Select(p => p.Value).ToList(), 32));
                first = false;
            }
        }
        output.Write(table);
    }

    private static List<(string Metric, IReadOnlyList<ChartSeries> Series)> Panels(List<RunInfo> runs)
    {
        var series = runs.Select(HtmlCharts.ReadSeries).ToList();
        var panels = new List<(string, IReadOnlyList<ChartSeries>)>();
        foreach (var metric in series.SelectMany(s => s.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var lines = new List<ChartSeries>();
            for (var i = 0; i < runs.Count; i++)
            {
                if (series[i].TryGetValue(metric, out var points))
                {
                    lines.Add(new ChartSeries(runs[i].Record.Name is { } n ? $"{n} {runs[i].Id}" : runs[i].Id, points));
                }
            }
            panels.Add((metric, lines));
        }
        return panels;
    }

    /// <summary>The parameters whose values are not the same in every run (a missing one counts as a value).</summary>
    private static List<string> Differing(List<RunInfo> runs) =>
        [.. runs.SelectMany(r => r.Record.Params.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Where(k => runs.Select(r => r.Record.Params.TryGetValue(k, out var v) ? ParamParsing.Text(v) : "\u0000").Distinct(StringComparer.Ordinal).Count() > 1)];

    private static void WriteHtml(List<RunInfo> runs, string path, IReadOnlyList<string> predictions)
    {
        // A title that fits a line: the runs by name when few, else how many (the table below lists them).
        var names = string.Join(", ", runs.Select(r => r.Record.Name ?? r.Id));
        var page = new HtmlCharts("lab compare: " + (runs.Count <= 4 && names.Length <= 60 ? names : $"{runs.Count} runs"));
        var labels = DistinctLabels(runs);
        page.Table(null, ["run", "name", "status", "entry", "tags"],
            runs.Select(r => (IReadOnlyList<string>)[r.Id, r.Record.Name ?? "", r.Status.ToText(), r.Record.Entry ?? "", string.Join(",", r.Record.Tags)]));
        var differing = Differing(runs);
        if (differing.Count > 0)
        {
            page.Table("params that differ", ["param", .. labels],
                differing.Select(k => (IReadOnlyList<string>)[k, .. runs.Select(r => r.Record.Params.TryGetValue(k, out var v) ? ParamParsing.Text(v) : "-")]));
        }
        else if (runs.Any(r => r.Record.Params.Count > 0))
        {
            page.Paragraph("params: all the same", "muted");
        }
        var series = runs.Select(HtmlCharts.ReadSeries).ToList();
        var metrics = series.SelectMany(s => s.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var rows = new List<IReadOnlyList<string>>();
        foreach (var m in metrics)
        {
            for (var i = 0; i < runs.Count; i++)
            {
                if (series[i].TryGetValue(m, out var points))
                {
                    var stats = new MetricStats();
                    foreach (var (step, value) in points)
                    {
                        stats.Add(step, value);
                    }
                    rows.Add([m, labels[i], Terminal.Number(stats.Last), Best(m, stats, predictions), Terminal.Number(stats.Min), Terminal.Number(stats.Max), stats.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                }
            }
        }
        if (rows.Count > 0)
        {
            page.Table("metrics", ["metric", "run", "last", "best", "min", "max", "steps"], rows, numeric: true);
        }
        foreach (var metric in metrics)
        {
            var lines = new List<ChartSeries>();
            for (var i = 0; i < runs.Count; i++)
            {
                if (series[i].TryGetValue(metric, out var points))
                {
                    lines.Add(new ChartSeries(runs[i].Record.Name is { } n ? $"{n} {runs[i].Id}" : runs[i].Id, points) { ColorIndex = i });
                }
            }
            page.Chart(metric, lines);
        }
        Labbook.IO.AtomicFile.WriteText(Path.GetFullPath(path), page.Render());
        Terminal.Note($"wrote {path}");
    }

    /// <summary>Each run's name, with its id where several runs share the name (or the id alone when it has none).</summary>
    private static List<string> DistinctLabels(List<RunInfo> runs)
    {
        var shared = runs.GroupBy(r => r.Record.Name, StringComparer.Ordinal).Where(g => g.Key is not null && g.Count() > 1).Select(g => g.Key!).ToHashSet(StringComparer.Ordinal);
        return [.. runs.Select(r => r.Record.Name is not { } n ? r.Id : shared.Contains(n) ? $"{n} ({r.Id})" : n)];
    }

    private static string Label(RunInfo r) => r.Record.Name is { } n ? $"{Terminal.Safe(n)} {r.Id}" : r.Id;

    private static Dictionary<string, List<(long Step, double Value)>> Series(RunInfo run)
    {
        var map = new Dictionary<string, List<(long, double)>>(StringComparer.Ordinal);
        var reader = new MetricReader();
        foreach (var p in reader.Read(run.MetricsPath))
        {
            if (!map.TryGetValue(p.Name, out var list))
            {
                map[p.Name] = list = [];
            }
            list.Add((p.Step, p.Value));
        }
        foreach (var issue in reader.Issues.Take(3))
        {
            Terminal.Warn(issue.ToString());
        }
        return map;
    }
}
