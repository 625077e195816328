using System.Globalization;

namespace Labbook.Cli.Charts;

/// <summary>An opaque colour.</summary>
internal readonly record struct Rgb(byte R, byte G, byte B)
{
    public static readonly Rgb Black = new(0, 0, 0);
    public static readonly Rgb White = new(255, 255, 255);

    /// <summary>Parses <c>#rrggbb</c>.</summary>
    public static Rgb FromHex(string hex) => new(
        byte.Parse(hex.AsSpan(1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
        byte.Parse(hex.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
        byte.Parse(hex.AsSpan(5, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));

    /// <summary>The colour as <c>#rrggbb</c>.</summary>
    public string Hex => $"#{R:x2}{G:x2}{B:x2}";
}

/// <summary>How a line is stroked.</summary>
internal sealed record Stroke(Rgb Color, double Width = 1.5, double Opacity = 1, bool Dashed = false);

/// <summary>Where a text's x coordinate sits on the text.</summary>
internal enum TextAnchor
{
    Start,
    Middle,
    End,
}

/// <summary>A rectangle in pixels, y downwards.</summary>
internal readonly record struct Box(double X, double Y, double Width, double Height)
{
    public double Right => X + Width;

    public double Bottom => Y + Height;
}

/// <summary>
/// The few drawing operations the charts need, with two implementations: <see cref="SvgCanvas"/> and
/// <see cref="RasterCanvas"/> (PNG). Text is measured with the embedded glyph atlas in both, so an SVG and a PNG of
/// the same chart have the same layout.
/// </summary>
internal abstract class ChartCanvas(int width, int height)
{
    /// <summary>Width in pixels.</summary>
    public int Width { get; } = width;

    /// <summary>Height in pixels.</summary>
    public int Height { get; } = height;

    /// <summary>Restricts the following lines and markers to a box (null: the whole canvas).</summary>
    public abstract void Clip(Box? box);

    /// <summary>Draws a polyline through the points.</summary>
    public abstract void Polyline(IReadOnlyList<(double X, double Y)> points, Stroke stroke);

    /// <summary>Draws a circle of a diameter, filled, or its outline only.</summary>
    public abstract void Circle(double x, double y, double diameter, Rgb color, double opacity, bool open);

    /// <summary>Fills a rectangle, with an optional outline.</summary>
    public abstract void Rectangle(Box box, Rgb fill, double opacity, Rgb? outline);

    /// <summary>Draws a text with its baseline at <paramref name="y"/>; <paramref name="vertical"/> turns it to read upwards.</summary>
    public abstract void Text(string text, double x, double y, TextStyle style, Rgb color, TextAnchor anchor, bool vertical = false);

    /// <summary>Writes the drawing to a file.</summary>
    public abstract void Save(string path);

    /// <summary>The width of a text in pixels.</summary>
    public static double Measure(string text, TextStyle style) => GlyphFont.Of(style).Measure(text);

    /// <summary>A straight line.</summary>
    public void Line(double x1, double y1, double x2, double y2, Stroke stroke) => Polyline([(x1, y1), (x2, y2)], stroke);

    /// <summary>Draws on a canvas of the format ("png" or "svg") and writes it to <paramref name="path"/> through a temporary file, so a reader never sees half an image.</summary>
    public static void Render(string path, string format, int width, int height, Action<ChartCanvas> draw)
    {
        ChartCanvas canvas = format == "svg" ? new SvgCanvas(width, height) : new RasterCanvas(width, height);
        draw(canvas);
        var full = Path.GetFullPath(path);
        var temp = $"{full}.{Environment.ProcessId}.tmp";
        try
        {
            canvas.Save(temp);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
