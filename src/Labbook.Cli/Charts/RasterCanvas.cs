using System.Buffers.Binary;
using System.IO.Compression;

namespace Labbook.Cli.Charts;

/// <summary>
/// Draws a chart into an RGB pixel buffer with anti-aliasing and writes it as a PNG, in managed code only
/// (zlib from the runtime): no native graphics library has to ship beside <c>lab</c>. Lines are stroked by
/// distance to each segment; one polyline's coverage is merged before blending, so its joints do not darken.
/// </summary>
internal sealed class RasterCanvas : ChartCanvas
{
    private readonly float[] _pixels;
    private readonly float[] _coverage;
    private readonly List<int> _touched = [];
    private (int X0, int Y0, int X1, int Y1) _clip;

    public RasterCanvas(int width, int height)
        : base(width, height)
    {
        _pixels = new float[width * height * 3];
        Array.Fill(_pixels, 1f);
        _coverage = new float[width * height];
        _clip = (0, 0, width, height);
    }

    public override void Clip(Box? box) => _clip = box is { } b
        ? (Math.Max(0, (int)Math.Floor(b.X)), Math.Max(0, (int)Math.Floor(b.Y)), Math.Min(Width, (int)Math.Ceiling(b.Right)), Math.Min(Height, (int)Math.Ceiling(b.Bottom)))
        : (0, 0, Width, Height);

    public override void Polyline(IReadOnlyList<(double X, double Y)> points, Stroke stroke)
    {
        var half = stroke.Width / 2;
        if (!stroke.Dashed)
        {
            for (var i = 1; i < points.Count; i++)
            {
                Segment(points[i - 1], points[i], half);
            }
        }
        else
        {
            double dash = stroke.Width * 4, gap = stroke.Width * 3, phase = 0;
            var drawing = true;
            for (var i = 1; i < points.Count; i++)
            {
                var (a, b) = (points[i - 1], points[i]);
                var length = Math.Sqrt(((b.X - a.X) * (b.X - a.X)) + ((b.Y - a.Y) * (b.Y - a.Y)));
                var at = 0.0;
                while (at < length)
                {
                    var step = Math.Min((drawing ? dash : gap) - phase, length - at);
                    if (drawing)
                    {
                        Segment(Lerp(a, b, at / length), Lerp(a, b, (at + step) / length), half);
                    }
                    at += step;
                    phase += step;
                    if (phase >= (drawing ? dash : gap) - 1e-9)
                    {
                        phase = 0;
                        drawing = !drawing;
                    }
                }
            }
        }
        Blend(stroke.Color, stroke.Opacity);
    }

    public override void Circle(double x, double y, double diameter, Rgb color, double opacity, bool open)
    {
        var r = diameter / 2;
        Cover(x - r - 1, y - r - 1, x + r + 1, y + r + 1, (px, py) =>
        {
            var d = Math.Sqrt(((px - x) * (px - x)) + ((py - y) * (py - y)));
            return open ? Math.Clamp(0.6 + 0.5 - Math.Abs(d - r), 0, 1) : Math.Clamp(r + 0.5 - d, 0, 1);
        });
        Blend(color, opacity);
    }

    public override void Rectangle(Box box, Rgb fill, double opacity, Rgb? outline)
    {
        var saved = _clip;
        _clip = (0, 0, Width, Height);
        Cover(box.X, box.Y, box.Right, box.Bottom, (px, py) =>
            Math.Clamp(Math.Min(px - box.X, box.Right - px) + 0.5, 0, 1) * Math.Clamp(Math.Min(py - box.Y, box.Bottom - py) + 0.5, 0, 1));
        Blend(fill, opacity);
        if (outline is { } o)
        {
            Polyline([(box.X, box.Y), (box.Right, box.Y), (box.Right, box.Bottom), (box.X, box.Bottom), (box.X, box.Y)], new Stroke(o, 1));
        }
        _clip = saved;
    }

    public override void Text(string text, double x, double y, TextStyle style, Rgb color, TextAnchor anchor, bool vertical = false)
    {
        var font = GlyphFont.Of(style);
        var width = font.Measure(text);
        var start = anchor switch { TextAnchor.Middle => -width / 2, TextAnchor.End => -width, _ => 0 };
        var pen = start;
        foreach (var c in text)
        {
            var glyph = font[c];
            var offset = (int)Math.Round(pen);
            for (var gy = 0; gy < glyph.Height; gy++)
            {
                for (var gx = 0; gx < glyph.Width; gx++)
                {
                    var alpha = glyph.Alpha[(gy * glyph.Width) + gx];
                    if (alpha == 0)
                    {
                        continue;
                    }
                    // Along the text: u; across it (down from the baseline): v. Vertical text reads upwards.
                    int u = offset + glyph.Left + gx, v = glyph.Top + gy;
                    var (px, py) = vertical ? ((int)Math.Round(x) + v, (int)Math.Round(y) - u) : ((int)Math.Round(x) + u, (int)Math.Round(y) + v);
                    if (px >= 0 && py >= 0 && px < Width && py < Height)
                    {
                        Mix(px, py, color, alpha / 255f);
                    }
                }
            }
            pen += glyph.Advance;
        }
    }

    public override void Save(string path)
    {
        using var file = File.Create(path);
        file.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0d, 0x0a, 0x1a, 0x0a]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, Width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), Height);
        header[8] = 8; // bits per channel
        header[9] = 2; // RGB
        Chunk(file, "IHDR", header);
        using var packed = new MemoryStream();
        using (var zlib = new ZLibStream(packed, CompressionLevel.Optimal, leaveOpen: true))
        {
            var row = new byte[1 + (Width * 3)];
            for (var y = 0; y < Height; y++)
            {
                row[0] = 0; // no filter
                for (var i = 0; i < Width * 3; i++)
                {
                    row[1 + i] = (byte)Math.Clamp((int)Math.Round(_pixels[(y * Width * 3) + i] * 255), 0, 255);
                }
                zlib.Write(row);
            }
        }
        Chunk(file, "IDAT", packed.ToArray());
        Chunk(file, "IEND", []);
    }

    private static (double X, double Y) Lerp((double X, double Y) a, (double X, double Y) b, double t) => (a.X + ((b.X - a.X) * t), a.Y + ((b.Y - a.Y) * t));

    private void Segment((double X, double Y) a, (double X, double Y) b, double half)
    {
        double dx = b.X - a.X, dy = b.Y - a.Y, length2 = (dx * dx) + (dy * dy);
        Cover(Math.Min(a.X, b.X) - half - 1, Math.Min(a.Y, b.Y) - half - 1, Math.Max(a.X, b.X) + half + 1, Math.Max(a.Y, b.Y) + half + 1, (px, py) =>
        {
            var t = length2 == 0 ? 0 : Math.Clamp((((px - a.X) * dx) + ((py - a.Y) * dy)) / length2, 0, 1);
            double ex = px - (a.X + (t * dx)), ey = py - (a.Y + (t * dy));
            return Math.Clamp(half + 0.5 - Math.Sqrt((ex * ex) + (ey * ey)), 0, 1);
        });
    }

    /// <summary>Raises the pending coverage of the pixels of a box (centres at +0.5) to what <paramref name="coverage"/> says.</summary>
    private void Cover(double x0, double y0, double x1, double y1, Func<double, double, double> coverage)
    {
        if (!double.IsFinite(x0 + y0 + x1 + y1))
        {
            return;
        }
        int left = Math.Max(_clip.X0, (int)Math.Floor(x0)), top = Math.Max(_clip.Y0, (int)Math.Floor(y0));
        int right = Math.Min(_clip.X1, (int)Math.Ceiling(x1)), bottom = Math.Min(_clip.Y1, (int)Math.Ceiling(y1));
        for (var py = top; py < bottom; py++)
        {
            for (var px = left; px < right; px++)
            {
                var c = (float)coverage(px + 0.5, py + 0.5);
                if (c <= 0)
                {
                    continue;
                }
                var i = (py * Width) + px;
                if (_coverage[i] == 0)
                {
                    _touched.Add(i);
                }
                _coverage[i] = Math.Max(_coverage[i], c);
            }
        }
    }

    private void Blend(Rgb color, double opacity)
    {
        foreach (var i in _touched)
        {
            Mix(i % Width, i / Width, color, (float)(_coverage[i] * opacity));
            _coverage[i] = 0;
        }
        _touched.Clear();
    }

    private void Mix(int x, int y, Rgb color, float alpha)
    {
        var i = ((y * Width) + x) * 3;
        _pixels[i] += ((color.R / 255f) - _pixels[i]) * alpha;
        _pixels[i + 1] += ((color.G / 255f) - _pixels[i + 1]) * alpha;
        _pixels[i + 2] += ((color.B / 255f) - _pixels[i + 2]) * alpha;
    }

    private static void Chunk(Stream file, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        file.Write(word);
        var typed = new byte[4 + data.Length];
        System.Text.Encoding.ASCII.GetBytes(type, typed);
        data.CopyTo(typed, 4);
        file.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(word, Labbook.Tuning.PrunerMath.Crc32(typed));
        file.Write(word);
    }
}
