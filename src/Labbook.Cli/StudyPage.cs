using System.Globalization;
using System.Text;
using System.Text.Json;
using Labbook.Sweeps;
using Labbook.Tuning;

namespace Labbook.Cli;

/// <summary>
/// A study's plots as one self-contained HTML page (works offline: Chart.js is inlined with its
/// licence, like the other reports): summary lines, then the optimization history, a slice per
/// parameter, parallel coordinates and the intermediate values, drawn from the same
/// <see cref="StudyPlots"/> as the image files.
/// </summary>
internal static class StudyPage
{
    public static string Render(StudyPlots plots, IReadOnlyList<string> summary, IReadOnlyList<(string Param, double Importance)> importance)
    {
        ArgumentNullException.ThrowIfNull(plots);
        var sb = new StringBuilder();
        var title = "study " + plots.StudyName;
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").Append(HtmlCharts.Encode(title)).Append("</title>\n");
        sb.Append("<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}")
            .Append(".chart{position:relative;height:340px;margin:1em 0 2em}.slices{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:1em}")
            .Append(".slices .chart{height:260px;margin:0}.muted{color:#777}table{border-collapse:collapse}td{padding:.1em .6em}.bar{background:#1f77b4;height:.8em}</style>\n");
        sb.Append("</head>\n<body>\n<h1>").Append(HtmlCharts.Encode(title)).Append("</h1>\n");
        foreach (var line in summary)
        {
            sb.Append("<p>").Append(HtmlCharts.Encode(line)).Append("</p>\n");
        }
        if (plots.History.Count == 0)
        {
            sb.Append("<p>no complete trial yet</p>\n</body>\n</html>\n");
            return sb.ToString();
        }
        if (importance.Count > 0)
        {
            sb.Append("<h2>Parameter importance (PED-ANOVA)</h2>\n<table>\n");
            foreach (var (param, value) in importance)
            {
                sb.Append("<tr><td>").Append(HtmlCharts.Encode(param)).Append("</td><td>").Append(value.ToString("0.00", CultureInfo.InvariantCulture))
                    .Append(CultureInfo.InvariantCulture, $"</td><td style=\"width:300px\"><div class=\"bar\" style=\"width:{Math.Round(value * 100)}%\"></div></td></tr>\n");
            }
            sb.Append("</table>\n");
        }
        sb.Append("<h2>Optimization history</h2>\n<div class=\"chart\"><canvas id=\"history\"></canvas></div>\n");
        if (plots.Slices.Count > 0)
        {
            sb.Append("<h2>Slices</h2>\n<div class=\"slices\">\n");
            for (var i = 0; i < plots.Slices.Count; i++)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<div class=\"chart\"><canvas id=\"slice{i}\"></canvas></div>\n");
            }
            sb.Append("</div>\n");
        }
        sb.Append("<h2>Parallel coordinates</h2>\n<p class=\"muted\">One line per complete trial, darker for better values, the best on top. Log-scaled parameters are on a log axis, categoricals one position per choice; a trial without a conditional parameter crosses its axis at “(absent)”.</p>\n");
        sb.Append("<div class=\"chart\" style=\"height:420px\"><canvas id=\"parallel\"></canvas></div>\n");
        sb.Append("<h2>Intermediate values</h2>\n");
        if (plots.Intermediate.Count == 0)
        {
            sb.Append("<p class=\"muted\">no trial reported intermediate values (they come with a pruner: the objective metric by step)</p>\n");
        }
        else
        {
            sb.Append("<p class=\"muted\">One line per trial; pruned trials dashed red.</p>\n<div class=\"chart\"><canvas id=\"intermediate\"></canvas></div>\n");
        }
        sb.Append("<p class=\"muted\">Charts by Chart.js (MIT licence, included at the end of this file).</p>\n");
        sb.Append("<script>\n").Append(HtmlCharts.Resource("chart.umd.min.js")).Append("\n</script>\n");
        sb.Append("<script>\nconst labStudy = ").Append(Data(plots)).Append(";\n").Append(Script).Append("</script>\n");
        sb.Append("<!--\nChart.js licence:\n").Append(HtmlCharts.Resource("chartjs-LICENSE.md").Replace("--", "- -", StringComparison.Ordinal)).Append("\n-->\n</body>\n</html>\n");
        return sb.ToString();
    }

    private const string Script = """
        const d = labStudy;
        const base = { animation: false, maintainAspectRatio: false };
        const title = text => ({ display: true, text });
        new Chart(document.getElementById('history'), {
          type: 'scatter',
          data: { datasets: [
            { label: d.objective, data: d.history.map(p => ({ x: p[0], y: p[1] })), backgroundColor: d.colors.complete, pointRadius: 3 },
            { label: 'best so far', type: 'line', data: d.history.map(p => ({ x: p[0], y: p[2] })), borderColor: d.colors.pruned, backgroundColor: d.colors.pruned, stepped: 'before', pointRadius: 0, borderWidth: 2 } ] },
          options: { ...base, scales: { x: { type: 'linear', title: title('trial'), ticks: { precision: 0 } }, y: { title: title(d.objective) } },
            plugins: { title: title('optimization history (' + d.direction + ')') } }
        });
        d.slices.forEach((s, i) => {
          // Powers of ten; over less than two decades, 1-2-5 steps too.
          const logTick = function (v) {
            const m = v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9));
            const few = Math.log10(this.max / this.min) < 2;
            const near = k => Math.abs(m - k) < 1e-6;
            return near(1) || (few && (near(2) || near(5))) ? String(Number(v.toPrecision(3))) : '';
          };
          const x = s.scale === 'log' ? { type: 'logarithmic', title: title(s.name + ' (log scale)'), ticks: { autoSkip: false, maxRotation: 0, callback: logTick } }
            : s.scale === 'categorical' ? { type: 'linear', min: -0.5, max: s.categories.length - 0.5, title: title(s.name),
                afterBuildTicks: a => { a.ticks = s.categories.map((_, k) => ({ value: k })); }, ticks: { callback: v => s.categories[v] ?? '' } }
            : { type: 'linear', title: title(s.name), ticks: s.integer ? { precision: 0 } : {} };
          new Chart(document.getElementById('slice' + i), {
            type: 'scatter',
            data: { datasets: [{ label: s.name, data: s.points.map(p => ({ x: p[0], y: p[1], n: p[2] })), backgroundColor: d.colors.complete + 'bb', pointRadius: 3 }] },
            options: { ...base, scales: { x, y: { title: title(d.objective) } },
              plugins: { legend: { display: false }, title: title(s.name),
                tooltip: { callbacks: { label: c => 'trial ' + c.raw.n + ': ' + (s.scale === 'categorical' ? s.categories[c.raw.x] : c.raw.x) + ' → ' + c.raw.y } } } }
          });
        });
        const axes = d.parallel.axes;
        const axisTicks = {
          id: 'axisTicks',
          afterDatasetsDraw(chart) {
            const { ctx, scales: { x, y } } = chart;
            ctx.save();
            ctx.font = '11px system-ui, sans-serif';
            ctx.textAlign = 'right';
            ctx.textBaseline = 'middle';
            axes.forEach((a, i) => {
              const px = x.getPixelForValue(i);
              ctx.strokeStyle = '#000';
              ctx.lineWidth = 1.5;
              ctx.beginPath();
              ctx.moveTo(px, y.getPixelForValue(a.missing ? d.parallel.missing : 0));
              ctx.lineTo(px, y.getPixelForValue(1));
              ctx.stroke();
              for (const [pos, label] of a.ticks) {
                const py = y.getPixelForValue(pos);
                ctx.fillStyle = 'rgba(255,255,255,0.8)';
                const w = ctx.measureText(label).width;
                ctx.fillRect(px - 6 - w, py - 7, w + 3, 14);
                ctx.fillStyle = '#222';
                ctx.fillText(label, px - 5, py);
              }
            });
            ctx.restore();
          }
        };
        new Chart(document.getElementById('parallel'), {
          type: 'line',
          data: { labels: axes.map(a => a.name + (a.scale === 'log' ? ' (log)' : '')),
            datasets: d.parallel.lines.map(l => ({ label: 'trial ' + l[0], value: l[1], data: l[3], borderColor: l[2], borderWidth: 1.5, pointRadius: 0, pointHitRadius: 4, fill: false, tension: 0 })) },
          options: { ...base, layout: { padding: { left: 70, right: 40 } },
            scales: { x: { type: 'category', position: 'top', offset: false, grid: { display: false }, ticks: { font: { weight: 'bold' } } },
              y: { min: d.parallel.missing - 0.08, max: 1.02, display: false } },
            plugins: { legend: { display: false }, title: title('parallel coordinates (darker = better ' + d.objective + ')'),
              tooltip: { callbacks: { title: c => c[0].dataset.label, label: c => d.objective + ' = ' + c.dataset.value } } } },
          plugins: [axisTicks]
        });
        if (d.intermediate.length > 0) {
          const states = [...new Set(d.intermediate.map(c => c.state))];
          new Chart(document.getElementById('intermediate'), {
            type: 'line',
            data: { datasets: d.intermediate.map(c => ({ label: 'trial ' + c.n + ' (' + c.state + ')', data: c.points.map(p => ({ x: p[0], y: p[1] })),
              borderColor: d.colors[c.state], backgroundColor: d.colors[c.state], borderDash: c.state === 'pruned' ? [6, 4] : [],
              pointRadius: c.points.length > 40 ? 0 : 2, borderWidth: 1.5, order: c.state === 'pruned' ? 1 : 0 })) },
            options: { ...base, scales: { x: { type: 'linear', title: title('step'), ticks: { precision: 0 } }, y: { title: title(d.objective) } },
              plugins: { title: title('intermediate values, one line per trial'),
                legend: { onClick: () => {}, labels: { generateLabels: () => states.map(s => ({ text: s + ' (' + d.intermediate.filter(c => c.state === s).length + ')',
                  strokeStyle: d.colors[s], fillStyle: d.colors[s], lineDash: s === 'pruned' ? [6, 4] : [], lineWidth: 2 })) } } } }
          });
        }

        """;

    private static string StateName(TrialState state) => state switch
    {
        TrialState.Complete => "complete",
        TrialState.Pruned => "pruned",
        TrialState.Fail => "failed",
        TrialState.Running => "running",
        _ => "waiting",
    };

    private static string Data(StudyPlots plots)
    {
        using var stream = new MemoryStream();
        // The default encoder escapes <, > and &, so no name or value can close the script element.
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("objective", plots.Objective);
            json.WriteString("direction", plots.Direction.ToString().ToLowerInvariant());
            json.WriteStartObject("colors");
            foreach (var (state, color) in StudyImages.StateColors)
            {
                json.WriteString(StateName(state), color);
            }
            json.WriteEndObject();
            json.WriteStartArray("history");
            foreach (var p in plots.History)
            {
                Row(json, p.Number, p.Value, p.BestSoFar);
            }
            json.WriteEndArray();
            json.WriteStartArray("slices");
            foreach (var s in plots.Slices)
            {
                json.WriteStartObject();
                AxisFields(json, s.Axis);
                json.WriteStartArray("points");
                foreach (var (x, value, number) in s.Points)
                {
                    Row(json, x, value, number);
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartObject("parallel");
            json.WriteNumber("missing", PlotAxis.MissingPosition);
            json.WriteStartArray("axes");
            foreach (var a in plots.ParallelAxes)
            {
                json.WriteStartObject();
                AxisFields(json, a);
                json.WriteBoolean("missing", a.HasMissing);
                json.WriteStartArray("ticks");
                foreach (var (position, label) in a.Ticks())
                {
                    json.WriteStartArray();
                    json.WriteNumberValue(position);
                    json.WriteStringValue(label);
                    json.WriteEndArray();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("lines");
            foreach (var l in plots.ParallelLines)
            {
                json.WriteStartArray();
                json.WriteNumberValue(l.Number);
                json.WriteNumberValue(l.Value);
                json.WriteStringValue(StudyImages.LineColor(StudyImages.Goodness(plots, l.Value)));
                json.WriteStartArray();
                foreach (var p in l.Positions)
                {
                    json.WriteNumberValue(p);
                }
                json.WriteEndArray();
                json.WriteEndArray();
            }
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteStartArray("intermediate");
            foreach (var c in plots.Intermediate)
            {
                json.WriteStartObject();
                json.WriteNumber("n", c.Number);
                json.WriteString("state", StateName(c.State));
                json.WriteStartArray("points");
                foreach (var (step, value) in c.Points)
                {
                    Row(json, step, value);
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void AxisFields(Utf8JsonWriter json, PlotAxis axis)
    {
        json.WriteString("name", axis.Name);
        json.WriteString("scale", axis.Scale.ToString().ToLowerInvariant());
        json.WriteBoolean("integer", axis.IsInteger);
        json.WriteStartArray("categories");
        foreach (var c in axis.Categories)
        {
            json.WriteStringValue(c);
        }
        json.WriteEndArray();
    }

    private static void Row(Utf8JsonWriter json, params double[] values)
    {
        json.WriteStartArray();
        foreach (var v in values)
        {
            json.WriteNumberValue(v);
        }
        json.WriteEndArray();
    }
}
