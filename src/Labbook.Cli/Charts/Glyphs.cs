namespace Labbook.Cli.Charts;

/// <summary>The face of chart text: tick labels, legend and axis labels, titles.</summary>
internal enum TextStyle
{
    /// <summary>Tick labels: DejaVu Sans 11 px.</summary>
    Small,

    /// <summary>Legend entries and axis labels: DejaVu Sans 13 px.</summary>
    Normal,

    /// <summary>Titles: DejaVu Sans Bold 14 px.</summary>
    Title,
}

/// <summary>One glyph of the atlas: its advance, and its alpha mask placed relative to the pen on the baseline.</summary>
internal sealed record Glyph(double Advance, int Left, int Top, int Width, int Height, byte[] Alpha);

/// <summary>
/// The printable ASCII glyphs of DejaVu Sans, pre-rasterized (scripts/glyph-atlas/make.sh) and embedded,
/// so that the PNG charts need no font file or native library. The SVG charts use the same advances,
/// so both layouts agree. Any other character is drawn and measured as '?' in a PNG.
/// </summary>
internal sealed class GlyphFont
{
    private static readonly Lazy<GlyphFont[]> Fonts = new(Load);
    private readonly Glyph[] _glyphs;

    private GlyphFont(int size, bool bold, int ascent, int descent, Glyph[] glyphs)
    {
        Size = size;
        Bold = bold;
        Ascent = ascent;
        Descent = descent;
        _glyphs = glyphs;
    }

    /// <summary>The font size in pixels.</summary>
    public int Size { get; }

    /// <summary>Whether this is the bold face.</summary>
    public bool Bold { get; }

    /// <summary>Pixels above the baseline.</summary>
    public int Ascent { get; }

    /// <summary>Pixels below the baseline.</summary>
    public int Descent { get; }

    /// <summary>The font of a text style.</summary>
    public static GlyphFont Of(TextStyle style) => Fonts.Value[(int)style];

    /// <summary>The glyph drawn for a character ('?' outside printable ASCII).</summary>
    public Glyph this[char c] => _glyphs[c is >= ' ' and <= '~' ? c - ' ' : '?' - ' '];

    /// <summary>The width of a text in pixels.</summary>
    public double Measure(string text)
    {
        var width = 0.0;
        foreach (var c in text)
        {
            width += this[c].Advance;
        }
        return width;
    }

    private static GlyphFont[] Load()
    {
        using var stream = typeof(GlyphFont).Assembly.GetManifestResourceStream("dejavu-glyphs.bin")
            ?? throw new InvalidOperationException("the chart font is missing from the lab binary");
        using var reader = new BinaryReader(stream);
        var fonts = new GlyphFont[reader.ReadByte()];
        for (var f = 0; f < fonts.Length; f++)
        {
            int size = reader.ReadByte(), bold = reader.ReadByte(), ascent = reader.ReadByte(), descent = reader.ReadByte();
            var glyphs = new Glyph[127 - 32];
            for (var i = 0; i < glyphs.Length; i++)
            {
                var advance = reader.ReadUInt16() / 16.0;
                int left = reader.ReadSByte(), top = reader.ReadSByte(), width = reader.ReadByte(), height = reader.ReadByte();
                glyphs[i] = new Glyph(advance, left, top, width, height, reader.ReadBytes(width * height));
            }
            fonts[f] = new GlyphFont(size, bold != 0, ascent, descent, glyphs);
        }
        return fonts;
    }
}
