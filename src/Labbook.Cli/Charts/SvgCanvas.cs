using System.Globalization;
using System.Text;

namespace Labbook.Cli.Charts;

/// <summary>Draws a chart as SVG text: one element per operation, text as text (any character, searchable).</summary>
internal sealed class SvgCanvas : ChartCanvas
{
    private readonly StringBuilder _body = new();
    private int _clips;
    private bool _inClip;

    public SvgCanvas(int width, int height)
        : base(width, height)
    {
        _body.Append(CultureInfo.InvariantCulture, $"<rect width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>\n");
    }

    public override void Clip(Box? box)
    {
        if (_inClip)
        {
            _body.Append("</g>\n");
            _inClip = false;
        }
        if (box is { } b)
        {
            _clips++;
            _body.Append(CultureInfo.InvariantCulture, $"<clipPath id=\"c{_clips}\"><rect x=\"{N(b.X)}\" y=\"{N(b.Y)}\" width=\"{N(b.Width)}\" height=\"{N(b.Height)}\"/></clipPath>\n");
            _body.Append(CultureInfo.InvariantCulture, $"<g clip-path=\"url(#c{_clips})\">\n");
            _inClip = true;
        }
    }

    public override void Polyline(IReadOnlyList<(double X, double Y)> points, Stroke stroke)
    {
        if (points.Count < 2)
        {
            return;
        }
        _body.Append("<polyline fill=\"none\" stroke-linejoin=\"round\" stroke-linecap=\"round\" points=\"");
        foreach (var (x, y) in points)
        {
            _body.Append(N(x)).Append(',').Append(N(y)).Append(' ');
        }
        _body.Length--;
        _body.Append(CultureInfo.InvariantCulture, $"\" stroke=\"{stroke.Color.Hex}\" stroke-width=\"{N(stroke.Width)}\"");
        if (stroke.Opacity < 1)
        {
            _body.Append(CultureInfo.InvariantCulture, $" stroke-opacity=\"{N(stroke.Opacity)}\"");
        }
        if (stroke.Dashed)
        {
            _body.Append(CultureInfo.InvariantCulture, $" stroke-dasharray=\"{N(stroke.Width * 4)} {N(stroke.Width * 3)}\"");
        }
        _body.Append("/>\n");
    }

    public override void Circle(double x, double y, double diameter, Rgb color, double opacity, bool open)
    {
        var paint = open ? $"fill=\"none\" stroke=\"{color.Hex}\" stroke-width=\"1.2\"" : $"fill=\"{color.Hex}\"";
        var alpha = opacity < 1 ? $" opacity=\"{N(opacity)}\"" : "";
        _body.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{N(x)}\" cy=\"{N(y)}\" r=\"{N(diameter / 2)}\" {paint}{alpha}/>\n");
    }

    public override void Rectangle(Box box, Rgb fill, double opacity, Rgb? outline)
    {
        var alpha = opacity < 1 ? $" fill-opacity=\"{N(opacity)}\"" : "";
        var stroke = outline is { } o ? $" stroke=\"{o.Hex}\" stroke-width=\"1\"" : "";
        _body.Append(CultureInfo.InvariantCulture, $"<rect x=\"{N(box.X)}\" y=\"{N(box.Y)}\" width=\"{N(box.Width)}\" height=\"{N(box.Height)}\" fill=\"{fill.Hex}\"{alpha}{stroke}/>\n");
    }

    public override void Text(string text, double x, double y, TextStyle style, Rgb color, TextAnchor anchor, bool vertical = false)
    {
        var font = GlyphFont.Of(style);
        var weight = font.Bold ? " font-weight=\"bold\"" : "";
        var align = anchor switch { TextAnchor.Middle => " text-anchor=\"middle\"", TextAnchor.End => " text-anchor=\"end\"", _ => "" };
        var turn = vertical ? $" transform=\"rotate(-90 {N(x)} {N(y)})\"" : "";
        _body.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(x)}\" y=\"{N(y)}\" font-size=\"{font.Size}\"{weight}{align}{turn} fill=\"{color.Hex}\">{Escape(text)}</text>\n");
    }

    public override void Save(string path)
    {
        Clip(null);
        var svg = new StringBuilder();
        svg.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"'DejaVu Sans', Verdana, sans-serif\">\n");
        svg.Append(_body);
        svg.Append("</svg>\n");
        File.WriteAllText(path, svg.ToString());
    }

    private static string N(double value) => Math.Round(value, 2).ToString(CultureInfo.InvariantCulture);

    /// <summary>Escapes XML and drops the control characters XML cannot carry (names are stored as text, never echoed raw).</summary>
    private static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            _ = c switch
            {
                '<' => sb.Append("&lt;"),
                '>' => sb.Append("&gt;"),
                '&' => sb.Append("&amp;"),
                '"' => sb.Append("&quot;"),
                _ when char.IsControl(c) => sb.Append('?'),
                _ => sb.Append(c),
            };
        }
        return sb.ToString();
    }
}
