using System.Globalization;
using System.Text;
using Labbook.Runs;
using Labbook.Workspaces;

namespace Labbook.Notebook;

/// <summary>
/// Renders a <see cref="MorningReport"/> as plain text (the terminal), as Markdown (<c>--md</c>), and
/// as the Results block of each entry. Pure functions of the report, a time zone and optional curves,
/// so the same report always gives the same bytes.
/// </summary>
public static class MorningText
{
    /// <summary>
    /// At most this many failed, killed or crashed runs are shown per entry (a sweep may fail many
    /// trials the same way); the rest are counted.
    /// </summary>
    public const int MaxFailuresShown = 8;

    /// <summary>The report for the terminal: plain text, fixed layout, control characters escaped.</summary>
    public static string Render(MorningReport report, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(zone);
        var sb = new StringBuilder();
        sb.Append("Morning report: since ").Append(Time(report.SinceUtc, zone)).Append(", now ").Append(Time(report.NowUtc, zone)).Append('\n');
        if (report.Entries.Count == 0)
        {
            sb.Append("\nNo notebook entry had activity.\n");
        }
        foreach (var e in report.Entries)
        {
            sb.Append('\n').Append(e.Entry.Id).Append(" · ").Append(Names.Escape(e.Entry.Title)).Append('\n');
            if (e.Entry.Why is { Length: > 0 } why)
            {
                sb.Append("  why:      ").Append(Names.Escape(why)).Append('\n');
            }
            sb.Append("  runs:     ").Append(e.Counts).Append('\n');
            foreach (var r in e.Active.Where(r => !r.Status.IsFinal()))
            {
                sb.Append("  ").Append(r.Status == RunStatus.Queued ? "waiting:  " : "running:  ").Append(RunLabel(r)).Append('\n');
            }
            foreach (var q in e.NotStarted)
            {
                sb.Append("  not started: ").Append(q.Id).Append(" (").Append(Names.Escape(q.Label)).Append(")\n");
            }
            foreach (var st in e.Studies)
            {
                sb.Append("  study:    ").Append(Names.Escape(st.Name)).Append(": ").Append(st.CountText());
                if (st.BestText() is { } bestTrial)
                {
                    sb.Append("; ").Append(Names.Escape(bestTrial));
                }
                sb.Append('\n');
            }
            if (e.Best is { } best)
            {
                sb.Append("  best:     ").Append(RunLabel(best));
                if (e.KeyMetrics.Count > 0)
                {
                    sb.Append("  ").Append(string.Join(", ", e.KeyMetrics.Select(k => $"{Names.Escape(k.Metric)} {Prediction.Format(k.Value)}")));
                }
                sb.Append('\n');
            }
            foreach (var p in e.Predictions)
            {
                sb.Append("  ").Append(Mark(p.Outcome)).Append(' ').Append(p.OutcomeText.PadRight(9)).Append(' ')
                    .Append(Names.Escape(p.Text)).Append(": ").Append(Names.Escape(p.Detail)).Append('\n');
            }
            foreach (var f in e.Failures.Take(MaxFailuresShown))
            {
                sb.Append("  ").Append(f.Run.Status.ToText().PadRight(8)).Append("  ").Append(RunLabel(f.Run)).Append(": ").Append(Names.Escape(f.How)).Append('\n');
                foreach (var line in f.Tail)
                {
                    sb.Append("      | ").Append(Names.Escape(line)).Append('\n');
                }
            }
            if (e.Failures.Count > MaxFailuresShown)
            {
                sb.Append("  ... and ").Append(e.Failures.Count - MaxFailuresShown).Append(" more failed, killed or crashed (lab note show ").Append(e.Entry.Id).Append(")\n");
            }
        }
        if (report.Unfiled.Count > 0)
        {
            sb.Append("\nNot in any entry: ").Append(MorningReport.CountText(report.Unfiled)).Append('\n');
        }
        sb.Append('\n');
        if (report.NeedConclusion.Count > 0)
        {
            sb.Append("Waiting for a conclusion: ").Append(string.Join(", ", report.NeedConclusion.Select(e => $"{e.Id} ({Names.Escape(e.Title)})"))).Append('\n');
            sb.Append("  (lab conclude ").Append(report.NeedConclusion[0].Id).Append(" \"what you learned\")\n");
        }
        sb.Append(IdleLine(report, zone)).Append('\n');
        return sb.ToString();
    }

    /// <summary>The report as Markdown; <paramref name="curve"/> may render a metric's curve for a run (e.g. a sparkline).</summary>
    public static string RenderMarkdown(MorningReport report, TimeZoneInfo zone, Func<RunInfo, string, string?>? curve = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(zone);
        var sb = new StringBuilder();
        sb.Append("# Morning report\n\nSince ").Append(Time(report.SinceUtc, zone)).Append(", now ").Append(Time(report.NowUtc, zone)).Append(".\n");
        if (report.Entries.Count == 0)
        {
            sb.Append("\nNo notebook entry had activity.\n");
        }
        foreach (var e in report.Entries)
        {
            sb.Append("\n## ").Append(e.Entry.Id).Append(" · ").Append(Md(e.Entry.Title)).Append("\n\n");
            if (e.Entry.Why is { Length: > 0 } why)
            {
                sb.Append("**Why:** ").Append(Md(why)).Append("\n\n");
            }
            sb.Append(ResultsBlock(e, report.NowUtc, zone, withStamp: false));
            var metrics = e.KeyMetrics.Select(k => k.Metric).ToList();
            if (curve is not null && metrics.Count > 0)
            {
                var shown = MorningReport.Plotted(e);
                sb.Append("\n| run | ").Append(string.Join(" | ", metrics.Select(Md))).Append(" |\n|---|").Append(string.Concat(metrics.Select(_ => "---|"))).Append('\n');
                foreach (var r in shown)
                {
                    sb.Append("| `").Append(r.Id).Append('`').Append(r.Record.Name is { } n ? " " + Md(n) : "").Append(" | ");
                    sb.Append(string.Join(" | ", metrics.Select(m => ((curve(r, m) ?? "") + (r.Summary?.Final(m) is { } v ? " " + Prediction.Format(v) : "")).Trim()))).Append(" |\n");
                }
            }
        }
        if (report.NeedConclusion.Count > 0)
        {
            sb.Append("\n## Waiting for a conclusion\n\n");
            foreach (var e in report.NeedConclusion)
            {
                sb.Append("- ").Append(e.Id).Append(" · ").Append(Md(e.Title)).Append('\n');
            }
        }
        sb.Append("\n## Idle compute\n\n").Append(IdleLine(report, zone, labelled: false)).Append('\n');
        return sb.ToString();
    }

    /// <summary>The content of an entry's Results block.</summary>
    public static string ResultsBlock(EntryMorning entry, DateTime nowUtc, TimeZoneInfo zone, bool withStamp = true)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(zone);
        var sb = new StringBuilder();
        if (withStamp)
        {
            sb.Append("_From `lab morning` at ").Append(Time(nowUtc, zone)).Append("._\n\n");
        }
        sb.Append("- **Runs:** ").Append(MorningReport.CountText(entry.Runs, entry.NotStarted.Count())).Append('\n');
        var notStarted = entry.NotStarted.ToList();
        if (notStarted.Count > 0)
        {
            sb.Append("- **Not started:** ").Append(string.Join(", ", notStarted.Select(q => $"`{q.Id}` ({Md(q.Label).Replace('`', '\'')})"))).Append('\n');
        }
        foreach (var st in entry.Studies)
        {
            sb.Append("- **Study** `").Append(Md(st.Name).Replace('`', '\'')).Append("`: ").Append(st.CountText());
            if (st.BestText() is { } bestTrial)
            {
                sb.Append("; ").Append(Md(bestTrial));
            }
            sb.Append('\n');
        }
        if (entry.Best is { } best)
        {
            sb.Append("- **Best:** `").Append(best.Id).Append('`');
            if (best.Record.Name is { } name)
            {
                sb.Append(" (").Append(Md(name)).Append(')');
            }
            if (entry.KeyMetrics.Count > 0)
            {
                sb.Append(": ").Append(string.Join(", ", entry.KeyMetrics.Select(k => $"{Md(k.Metric)} {Prediction.Format(k.Value)}")));
            }
            sb.Append('\n');
        }
        foreach (var p in entry.Predictions)
        {
            sb.Append("- **").Append(Capital(p.OutcomeText)).Append(":** `").Append(p.Text.Replace('`', '\'')).Append("`: ").Append(Md(p.Detail)).Append('\n');
        }
        foreach (var f in entry.Failures.Take(MaxFailuresShown))
        {
            sb.Append("- **").Append(Capital(f.Run.Status.ToText())).Append(":** `").Append(f.Run.Id).Append("`: ").Append(Md(f.How)).Append('\n');
        }
        if (entry.Failures.Count > MaxFailuresShown)
        {
            sb.Append("- ... and ").Append(entry.Failures.Count - MaxFailuresShown).Append(" more failed, killed or crashed\n");
        }
        return sb.ToString();
    }

    /// <summary>The idle-compute line: idle slot-hours out of the window's, per slot, and when an idle slot became free; <paramref name="labelled"/> starts it with "Idle compute:" (off under a heading of that name).</summary>
    public static string IdleLine(MorningReport report, TimeZoneInfo zone, bool labelled = true)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(zone);
        if (report.Idle.Count == 0 || report.IdleWindowStart is not { } start)
        {
            return labelled ? "Idle compute: nothing ran in the window." : "Nothing ran in the window.";
        }
        var sb = new StringBuilder();
        // Under its own heading the line drops the label the terminal needs.
        sb.Append(labelled ? "Idle compute: " : "").Append(Hours(report.IdleSlotHours)).Append(" of ").Append(Hours(report.WindowSlotHours))
            .Append(" slot-hours since ").Append(Time(start, zone)).Append(" (");
        sb.Append(string.Join("; ", report.Idle.Select(s =>
            $"{Names.Escape(s.Slot)} idle {Hours(s.IdleHours)} h" + (s.IdleSince is { } since ? $", free since {Clock(since, zone)}" : ""))));
        sb.Append(')');
        return sb.ToString();
    }

    private static string RunLabel(RunInfo r) => r.Record.Name is { } n ? $"{r.Id} ({Names.Escape(n)})" : r.Id;

    private static string Mark(PredictionOutcome outcome) => outcome switch
    {
        PredictionOutcome.Met => "[+]",
        PredictionOutcome.NotMet => "[-]",
        _ => "[?]",
    };

    private static string Capital(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private static string Hours(double h) => h.ToString("0.0", CultureInfo.InvariantCulture);

    /// <summary>A UTC time shown in <paramref name="zone"/> as yyyy-MM-dd HH:mm.</summary>
    public static string Time(DateTime utc, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static string Clock(DateTime utc, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone).ToString("HH:mm", CultureInfo.InvariantCulture);

    private static string Md(string text) =>
        string.Join(' ', Names.Escape(text).Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Replace("<!--", "&lt;!--", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal);
}
