using System.CommandLine;
using Labbook.IO;
using Labbook.Metrics;
using Labbook.Notebook;
using Labbook.Runs;
using Labbook.Workspaces;

namespace Labbook.Cli.Commands;

/// <summary><c>lab morning</c>: what the night brought, per notebook entry; fills in each entry's Results.</summary>
internal static class MorningCommand
{
    /// <summary>The default start of the window when no report was made before: this hour, the previous day.</summary>
    public static readonly TimeSpan DefaultEvening = TimeSpan.FromHours(19);

    public static Command Build()
    {
        var since = new Option<string?>("--since") { Description = "Start of the window: 19:00, 12h, yesterday, 2026-11-27 18:30 (default: the last morning report, else 19:00 the previous day)." };
        var md = new Option<string?>("--md") { Description = "Also write the report as Markdown to this file, with a curve per key metric." };
        var html = new Option<string?>("--html") { Description = "Also write the report as one self-contained HTML file with the entries' curves overlaid (Chart.js, works offline)." };
        var cmd = new Command("morning", "The morning report: per notebook entry, runs done / failed / running, the best run, predictions met or not, idle compute; writes each entry's Results.")
        {
            since, md, html,
        };
        cmd.SetAction(parse => Execute(parse.GetValue(since), parse.GetValue(md), parse.GetValue(html)));
        return cmd;
    }

    private static int Execute(string? sinceText, string? mdPath, string? htmlPath)
    {
        var workspace = Workspace.FromEnvironment(create: false);
        if (!workspace.Exists)
        {
            Terminal.Note($"no workspace here yet (a first `lab run` creates one in {workspace.Root})");
            return 0;
        }
        var nowUtc = NotebookCli.UtcNow();
        var nowLocal = TimeZoneInfo.ConvertTimeFromUtc(nowUtc, NotebookCli.Zone);
        var store = new NotebookStore(workspace);
        DateTime sinceUtc;
        if (sinceText is not null)
        {
            sinceUtc = TimeSpec.TryParsePast(sinceText, nowLocal, out var t) ? t : throw new UsageException($"--since: cannot read '{sinceText}' as a time (try 19:00, 12h, yesterday, 2026-11-27 18:30)");
        }
        else
        {
            sinceUtc = store.LastMorning() ?? TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(nowLocal.Date.AddDays(-1) + DefaultEvening, DateTimeKind.Unspecified), NotebookCli.Zone);
        }

        // Read everything first: a notebook Labbook cannot read stops the report before any write.
        var notebook = store.Read();
        var runs = new RunStore(workspace).LoadAll(Terminal.Warn);
        var report = MorningReport.Build(notebook, runs, sinceUtc, nowUtc, r => MorningReport.ReadTail(r.OutputPath),
            NotebookCli.QueueWork(workspace, nowUtc), NotebookCli.StudyReader(workspace));
        Console.Out.Write(MorningText.Render(report, NotebookCli.Zone));

        if (mdPath is not null)
        {
            var curves = new CurveCache();
            AtomicFile.WriteText(Path.GetFullPath(mdPath), MorningText.RenderMarkdown(report, NotebookCli.Zone, curves.Sparkline));
        }

        if (htmlPath is not null)
        {
            AtomicFile.WriteText(Path.GetFullPath(htmlPath), Html(report));
        }

        WriteResults(store, report, nowUtc);
        store.SetLastMorning(nowUtc);
        return 0;
    }

    private static void WriteResults(NotebookStore store, MorningReport report, DateTime nowUtc)
    {
        if (report.Entries.Count == 0)
        {
            return;
        }
        store.Update(doc =>
        {
            var changes = new List<(string, ManagedBlockKind, string)>();
            foreach (var e in report.Entries)
            {
                if (doc.Find(e.Entry.Id) is not { } entry)
                {
                    continue;
                }
                // The attached list gains the runs, queue items and studies that name the entry, each with its state now.
                changes.Add((entry.Id, ManagedBlockKind.Attached, NotebookDocument.AttachedContent(MorningReport.AttachedItems(e))));
                changes.Add((entry.Id, ManagedBlockKind.Results, MorningText.ResultsBlock(e, nowUtc, NotebookCli.Zone)));
            }
            return (doc.WithBlocks(changes), 0);
        });
    }

    /// <summary>The report as HTML: the same text per entry, and each key metric's curves overlaid across the entry's runs.</summary>
    private static string Html(MorningReport report)
    {
        var zone = NotebookCli.Zone;
        var page = new HtmlCharts("Morning report");
        page.Paragraph($"Since {MorningText.Time(report.SinceUtc, zone)}, now {MorningText.Time(report.NowUtc, zone)}.", "muted");
        if (report.Entries.Count == 0)
        {
            page.Paragraph("No notebook entry had activity.");
        }
        foreach (var e in report.Entries)
        {
            page.Heading($"{e.Entry.Id} · {e.Entry.Title}");
            if (e.Entry.Why is { Length: > 0 } why)
            {
                page.Paragraph("Why: " + why);
            }
            var items = new List<(string, string?)> { ("Runs: " + MorningReport.CountText(e.Runs, e.NotStarted.Count()), null) };
            items.AddRange(e.NotStarted.Select(q => ($"Not started: {q.Id} ({q.Label})", (string?)"muted")));
            items.AddRange(e.Studies.Select(st => ($"Study {st.Name}: {st.CountText()}" + (st.BestText() is { } b ? "; " + b : ""), (string?)null)));
            if (e.Best is { } best)
            {
                items.Add(($"Best: {best.Id}{(best.Record.Name is { } n ? " (" + n + ")" : "")}: {string.Join(", ", e.KeyMetrics.Select(k => $"{k.Metric} {Prediction.Format(k.Value)}"))}", null));
            }
            items.AddRange(e.Predictions.Select(p => ($"{Capital(p.OutcomeText)}: {p.Text}: {p.Detail}", (string?)(p.Outcome switch
            {
                PredictionOutcome.Met => "met",
                PredictionOutcome.NotMet => "notmet",
                _ => "undecided",
            }))));
            page.List(items);
            foreach (var f in e.Failures.Take(MorningText.MaxFailuresShown))
            {
                page.Paragraph($"{Capital(f.Run.Status.ToText())}: {f.Run.Id}{(f.Run.Record.Name is { } n ? " (" + n + ")" : "")}: {f.How}", "failed");
                if (f.Tail.Count > 0)
                {
                    page.Preformatted(string.Join("\n", f.Tail));
                }
            }
            if (e.Failures.Count > MorningText.MaxFailuresShown)
            {
                page.Paragraph($"... and {e.Failures.Count - MorningText.MaxFailuresShown} more failed, killed or crashed (lab note show {e.Entry.Id})", "failed");
            }
            var shown = MorningReport.Plotted(e);
            var series = shown.Select(HtmlCharts.ReadSeries).ToList();
            foreach (var (metric, _) in e.KeyMetrics)
            {
                var lines = new List<ChartSeries>();
                for (var i = 0; i < shown.Count; i++)
                {
                    if (series[i].TryGetValue(metric, out var points))
                    {
                        lines.Add(new ChartSeries($"{shown[i].Record.Name ?? shown[i].Id} ({MorningReport.PlotState(e, shown[i])})", points) { ColorIndex = i });
                    }
                }
                if (lines.Count > 0)
                {
                    page.Chart(metric, lines);
                }
            }
        }
        if (report.NeedConclusion.Count > 0)
        {
            page.Heading("Waiting for a conclusion");
            page.List(report.NeedConclusion.Select(x => $"{x.Id} · {x.Title}"));
        }
        page.Heading("Idle compute");
        page.Paragraph(MorningText.IdleLine(report, zone, labelled: false));
        return page.Render();
    }

    private static string Capital(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    /// <summary>Reads each run's metrics.csv once and renders sparklines from it.</summary>
    private sealed class CurveCache
    {
        private readonly Dictionary<string, Dictionary<string, List<double>>> _series = new(StringComparer.Ordinal);

        public string? Sparkline(RunInfo run, string metric)
        {
            if (!_series.TryGetValue(run.Id, out var byName))
            {
                byName = new Dictionary<string, List<double>>(StringComparer.Ordinal);
                foreach (var p in new MetricReader().Read(run.MetricsPath))
                {
                    if (!byName.TryGetValue(p.Name, out var list))
                    {
                        byName[p.Name] = list = [];
                    }
                    list.Add(p.Value);
                }
                _series[run.Id] = byName;
            }
            return byName.TryGetValue(metric, out var values) && values.Count > 1 ? Cli.Sparkline.Render(values, 24) : null;
        }
    }
}
