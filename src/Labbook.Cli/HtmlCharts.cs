using System.Reflection;
using System.Text;
using System.Text.Json;
using Labbook.Metrics;
using Labbook.Runs;

namespace Labbook.Cli;

/// <summary>One line on a chart: a run's series of one metric.</summary>
/// <param name="Label">The legend text.</param>
/// <param name="Points">(step, value) pairs; non-finite values leave gaps.</param>
internal sealed record ChartSeries(string Label, IReadOnlyList<(long Step, double Value)> Points)
{
    /// <summary>Which palette colour (<see cref="Charts.Palette"/>) the line takes; -1 takes its position in the chart.
    /// Give each run the same index on every chart of a page so that a run keeps its colour.</summary>
    public int ColorIndex { get; init; } = -1;
}

/// <summary>
/// Writes one self-contained HTML file (works offline: Chart.js is inlined from an embedded
/// resource, with its licence) holding text sections and line charts of overlaid curves.
/// </summary>
internal sealed class HtmlCharts
{
    private readonly StringBuilder _body = new();
    private readonly List<(string Id, string Metric, IReadOnlyList<ChartSeries> Series)> _charts = [];

    public HtmlCharts(string title)
    {
        Title = title;
    }

    public string Title { get; }

    public void Heading(string text, int level = 2) =>
        _body.Append("<h").Append(level).Append('>').Append(Encode(text)).Append("</h").Append(level).Append(">\n");

    public void Paragraph(string text, string? cssClass = null) =>
        _body.Append(cssClass is null ? "<p>" : $"<p class=\"{cssClass}\">").Append(Encode(text)).Append("</p>\n");

    public void Preformatted(string text) =>
        _body.Append("<pre>").Append(Encode(text)).Append("</pre>\n");

    public void List(IEnumerable<string> items)
    {
        _body.Append("<ul>\n");
        foreach (var item in items)
        {
            _body.Append("<li>").Append(Encode(item)).Append("</li>\n");
        }
        _body.Append("</ul>\n");
    }

    /// <summary>A list whose items may carry a CSS class (met, notmet, undecided, failed, muted).</summary>
    public void List(IEnumerable<(string Text, string? Class)> items)
    {
        _body.Append("<ul>\n");
        foreach (var (text, cssClass) in items)
        {
            _body.Append(cssClass is null ? "<li>" : $"<li class=\"{cssClass}\">").Append(Encode(text)).Append("</li>\n");
        }
        _body.Append("</ul>\n");
    }

    /// <summary>A table; cells are text. Columns after the first two are right-aligned when <paramref name="numeric"/>.</summary>
    public void Table(string? caption, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, bool numeric = false)
    {
        // A wide table scrolls inside its own box instead of running off the page.
        _body.Append("<div class=\"scroll\">");
        _body.Append(numeric ? "<table class=\"num\">\n" : "<table>\n");
        if (caption is not null)
        {
            _body.Append("<caption>").Append(Encode(caption)).Append("</caption>\n");
        }
        _body.Append("<tr>").Append(string.Concat(headers.Select(h => "<th>" + Encode(h) + "</th>"))).Append("</tr>\n");
        foreach (var row in rows)
        {
            _body.Append("<tr>").Append(string.Concat(row.Select(c => "<td>" + Encode(c) + "</td>"))).Append("</tr>\n");
        }
        _body.Append("</table></div>\n");
    }

    public void Chart(string metric, IReadOnlyList<ChartSeries> series)
    {
        var id = "chart" + _charts.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _charts.Add((id, metric, series));
        _body.Append("<div class=\"chart\"><canvas id=\"").Append(id).Append("\"></canvas></div>\n");
    }

    public string Render()
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").Append(Encode(Title)).Append("</title>\n");
        sb.Append("<style>body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}")
            .Append("h1{font-size:1.5em;overflow-wrap:anywhere}.scroll{overflow-x:auto;max-width:100%}.chart{position:relative;height:320px;margin:1em 0 2em}pre{background:#f6f6f6;padding:.6em;overflow-x:auto}")
            .Append(".met{color:#186a2c}.notmet{color:#a01818}.undecided{color:#8a6d00}.failed{color:#a01818}.muted{color:#777}")
            .Append("table{border-collapse:collapse;margin:1em 0}caption{text-align:left;font-weight:600;padding-bottom:.3em}")
            .Append("th,td{border-bottom:1px solid #ddd;padding:.25em .8em;text-align:left}table.num td+td+td{text-align:right;font-variant-numeric:tabular-nums}</style>\n");
        sb.Append("</head>\n<body>\n<h1>").Append(Encode(Title)).Append("</h1>\n");
        sb.Append(_body);
        sb.Append("<p class=\"muted\">Charts by Chart.js (MIT licence, included at the end of this file).</p>\n");
        sb.Append("<script>\n").Append(Resource("chart.umd.min.js")).Append("\n</script>\n");
        sb.Append("<script>\nconst labCharts = ").Append(ChartData()).Append(";\n");
        sb.Append("const labPalette = ").Append("[" + string.Join(",", Charts.Palette.Colors.Select(c => "\"" + c + "\"")) + "]").Append(";\n");
        sb.Append(
            """
            for (const c of labCharts) {
              new Chart(document.getElementById(c.id), {
                type: 'line',
                data: { datasets: c.series.map((s, i) => {
                  // 20 distinguishable colours, then the same colours dashed.
                  const k = s.color >= 0 ? s.color : i, color = labPalette[k % labPalette.length];
                  return { label: s.label, data: s.points.map(p => ({ x: p[0], y: p[1] })), pointRadius: s.points.length > 60 ? 0 : 2, borderWidth: 1.5, spanGaps: false,
                    borderColor: color, backgroundColor: color, borderDash: Math.floor(k / labPalette.length) % 2 === 1 ? [6, 4] : [] };
                }) },
                options: { animation: false, maintainAspectRatio: false, parsing: true,
                  scales: { x: { type: 'linear', title: { display: true, text: 'step' } }, y: { title: { display: true, text: c.metric } } },
                  plugins: { title: { display: true, text: c.metric } } }
              });
            }
            </script>

            """);
        sb.Append("<!--\nChart.js licence:\n").Append(Resource("chartjs-LICENSE.md").Replace("--", "- -", StringComparison.Ordinal)).Append("\n-->\n</body>\n</html>\n");
        return sb.ToString();
    }

    /// <summary>Reads every metric series of a run from its metrics.csv.</summary>
    public static Dictionary<string, List<(long Step, double Value)>> ReadSeries(RunInfo run)
    {
        var map = new Dictionary<string, List<(long, double)>>(StringComparer.Ordinal);
        foreach (var p in new MetricReader().Read(run.MetricsPath))
        {
            if (!map.TryGetValue(p.Name, out var list))
            {
                map[p.Name] = list = [];
            }
            list.Add((p.Step, p.Value));
        }
        return map;
    }

    private string ChartData()
    {
        using var stream = new MemoryStream();
        // The default encoder escapes <, > and &, so no data can close the script element.
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartArray();
            foreach (var (id, metric, series) in _charts)
            {
                json.WriteStartObject();
                json.WriteString("id", id);
                json.WriteString("metric", metric);
                json.WriteStartArray("series");
                foreach (var s in series)
                {
                    json.WriteStartObject();
                    json.WriteString("label", s.Label);
                    json.WriteNumber("color", s.ColorIndex);
                    json.WriteStartArray("points");
                    foreach (var (step, value) in s.Points)
                    {
                        json.WriteStartArray();
                        json.WriteNumberValue(step);
                        if (double.IsFinite(value))
                        {
                            json.WriteNumberValue(value);
                        }
                        else
                        {
                            json.WriteNullValue();
                        }
                        json.WriteEndArray();
                    }
                    json.WriteEndArray();
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    // Only the characters HTML needs escaped (the page is UTF-8), so "·" stays readable.
    internal static string Encode(string text) => text
        .Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("\"", "&quot;", StringComparison.Ordinal);

    internal static string Resource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name) ?? throw new InvalidOperationException($"embedded resource {name} is missing");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
