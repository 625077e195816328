using System.Globalization;
using System.Net;
using System.Text;
using Labbook.Tuning;

namespace Labbook.Sweeps;

/// <summary>
/// A study's plots as one self-contained HTML page of inline SVG (works offline, no script): the
/// optimization history (each complete trial's value and the best so far) and one slice plot per
/// parameter (value against the parameter; categorical values spread by choice).
/// </summary>
public static class StudyPlots
{
    private const int Width = 560;
    private const int Height = 300;
    private const int Margin = 48;

    /// <summary>The HTML page.</summary>
    public static string Html(string studyName, StudyDirection direction, IReadOnlyList<FrozenTrial> trials)
    {
        ArgumentNullException.ThrowIfNull(studyName);
        ArgumentNullException.ThrowIfNull(trials);
        var complete = trials.Where(t => t.State == TrialState.Complete && t.Value is { } v && double.IsFinite(v)).OrderBy(t => t.Number).ToList();
        var sb = new StringBuilder();
        var title = WebUtility.HtmlEncode(studyName);
        sb.Append("<!doctype html><html><head><meta charset=\"utf-8\"><title>study ").Append(title).Append("</title>");
        sb.Append("<style>body{font-family:sans-serif;margin:2em}svg{border:1px solid #ddd;margin:0 1em 1em 0}text{font-size:11px}</style></head><body>");
        sb.Append("<h1>study ").Append(title).Append("</h1>");
        sb.Append(CultureInfo.InvariantCulture, $"<p>{trials.Count} trials, {complete.Count} complete, {direction.ToString().ToLowerInvariant()}</p>");
        if (complete.Count == 0)
        {
            sb.Append("<p>no complete trial yet</p></body></html>");
            return sb.ToString();
        }
        var best = new List<(double, double)>();
        foreach (var t in complete)
        {
            var v = t.Value!.Value;
            best.Add((t.Number, best.Count == 0 ? v : direction == StudyDirection.Minimize ? Math.Min(v, best[^1].Item2) : Math.Max(v, best[^1].Item2)));
        }
        sb.Append("<h2>Optimization history</h2>");
        sb.Append(Svg("trial", "value", [.. complete.Select(t => ((double)t.Number, t.Value!.Value))], best, null));
        sb.Append("<h2>Slices</h2>");
        foreach (var name in complete.SelectMany(t => t.Params.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var with = complete.Where(t => t.Params.ContainsKey(name)).ToList();
            var numeric = with.All(t => t.Params[name] is long or int or double);
            List<string>? labels = numeric ? null : [.. with.Select(t => CommandTemplate.Text(t.Params[name])).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
            var points = with.Select(t => (numeric ? Convert.ToDouble(t.Params[name], CultureInfo.InvariantCulture) : labels!.IndexOf(CommandTemplate.Text(t.Params[name])), t.Value!.Value)).ToList();
            sb.Append(Svg(name, "value", points, null, labels));
        }
        sb.Append("</body></html>");
        return sb.ToString();
    }

    private static string Svg(string xLabel, string yLabel, List<(double X, double Y)> points, List<(double X, double Y)>? line, List<string>? categories)
    {
        double xMin = points.Min(p => p.X), xMax = points.Max(p => p.X), yMin = points.Min(p => p.Y), yMax = points.Max(p => p.Y);
        if (categories is not null)
        {
            xMin = -0.5;
            xMax = categories.Count - 0.5;
        }
        if (xMax <= xMin)
        {
            xMin -= 1;
            xMax += 1;
        }
        if (yMax <= yMin)
        {
            yMin -= 1;
            yMax += 1;
        }
        string X(double x) => (Margin + ((x - xMin) / (xMax - xMin) * (Width - (2 * Margin)))).ToString("0.#", CultureInfo.InvariantCulture);
        string Y(double y) => (Height - Margin - ((y - yMin) / (yMax - yMin) * (Height - (2 * Margin)))).ToString("0.#", CultureInfo.InvariantCulture);
        string N(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\">");
        sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Margin}\" y1=\"{Height - Margin}\" x2=\"{Width - Margin}\" y2=\"{Height - Margin}\" stroke=\"#888\"/>");
        sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Margin}\" y1=\"{Margin}\" x2=\"{Margin}\" y2=\"{Height - Margin}\" stroke=\"#888\"/>");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"{Height - 10}\" text-anchor=\"middle\">{WebUtility.HtmlEncode(xLabel)}</text>");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"12\" y=\"{Height / 2}\" transform=\"rotate(-90 12 {Height / 2})\" text-anchor=\"middle\">{WebUtility.HtmlEncode(yLabel)}</text>");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Margin - 4}\" y=\"{Margin}\" text-anchor=\"end\">{N(yMax)}</text><text x=\"{Margin - 4}\" y=\"{Height - Margin}\" text-anchor=\"end\">{N(yMin)}</text>");
        if (categories is null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Margin}\" y=\"{Height - Margin + 14}\">{N(xMin)}</text><text x=\"{Width - Margin}\" y=\"{Height - Margin + 14}\" text-anchor=\"end\">{N(xMax)}</text>");
        }
        else
        {
            for (var i = 0; i < categories.Count; i++)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(i)}\" y=\"{Height - Margin + 14}\" text-anchor=\"middle\">{WebUtility.HtmlEncode(categories[i])}</text>");
            }
        }
        foreach (var (x, y) in points)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{X(x)}\" cy=\"{Y(y)}\" r=\"3\" fill=\"#1f77b4\" fill-opacity=\"0.7\"/>");
        }
        if (line is not null)
        {
            sb.Append("<polyline fill=\"none\" stroke=\"#d62728\" stroke-width=\"1.5\" points=\"");
            sb.Append(string.Join(' ', line.Select(p => $"{X(p.X)},{Y(p.Y)}")));
            sb.Append("\"/>");
        }
        sb.Append("</svg>");
        return sb.ToString();
    }
}
