using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Text.RegularExpressions;

namespace Labbook.EndToEnd.Tests;

/// <summary>What headless Chromium saw of a page: the DOM after its scripts ran, its console, and a screenshot.</summary>
/// <param name="Dom">The serialized DOM after scripts ran (<c>--dump-dom</c> with a virtual time budget).</param>
/// <param name="Console">The page's console messages (log, warnings, errors, uncaught exceptions), in order.</param>
/// <param name="Screenshot">The decoded screenshot.</param>
/// <param name="ScreenshotPath">Where the screenshot was saved (beside the page), for a person to look at.</param>
internal sealed record BrowserPage(string Dom, IReadOnlyList<string> Console, PngImage Screenshot, string ScreenshotPath)
{
    /// <summary>Console messages that report an error (console.error, an uncaught exception, a failed load).</summary>
    public IReadOnlyList<string> Errors => [.. Console.Where(m => m.Contains("error", StringComparison.OrdinalIgnoreCase) || m.Contains("Uncaught", StringComparison.Ordinal) || m.Contains("Failed to load", StringComparison.Ordinal))];

    /// <summary>How many times an element appears in the DOM, e.g. Count("canvas").</summary>
    public int Count(string element) => Regex.Count(Dom, "<" + Regex.Escape(element) + @"[\s>/]");
}

/// <summary>
/// Renders local HTML files in headless Chromium (Debian package <c>chromium</c>): the DOM after the
/// page's scripts ran, the console, and a PNG screenshot. One process per call, sandbox off (tests
/// run as root in containers), no network, no GPU.
/// </summary>
internal static class Browser
{
    private static readonly string[] Candidates = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

    /// <summary>The browser found on PATH, or null.</summary>
    public static string? Executable { get; } = Find();

    /// <summary>Why browser tests cannot run here, or null when they can.</summary>
    public static string? WhyMissing => Executable is null ? $"no headless browser on PATH (looked for {string.Join(", ", Candidates)})" : null;

    /// <summary>Renders <paramref name="htmlPath"/>: DOM and console after at most <paramref name="budgetMs"/> ms of virtual time, and a screenshot saved as <c>PAGE.png</c>.</summary>
    public static BrowserPage Render(string htmlPath, int width = 1200, int height = 900, int budgetMs = 5000)
    {
        var full = Path.GetFullPath(htmlPath);
        var (dom, log) = Run(["--enable-logging=stderr", "--v=0", $"--virtual-time-budget={budgetMs}", "--dump-dom", Url(full)]);
        var png = Path.ChangeExtension(full, ".png");
        File.Delete(png);
        Run([$"--screenshot={png}", $"--window-size={width},{height}", "--hide-scrollbars", $"--virtual-time-budget={budgetMs}", Url(full)]);
        Assert.True(File.Exists(png), $"chromium wrote no screenshot of {full}");
        return new BrowserPage(dom, ConsoleMessages(log), PngImage.Read(png), png);
    }

    /// <summary>The console messages in Chromium's stderr log (<c>INFO:CONSOLE:12] "message", source: ...</c>).</summary>
    public static List<string> ConsoleMessages(string log) =>
        [.. log.Split('\n').Where(l => l.Contains(":CONSOLE", StringComparison.Ordinal)).Select(l => l[(l.IndexOf(']', StringComparison.Ordinal) + 1)..].Trim())];

    private static string Url(string path) => new Uri(path).AbsoluteUri;

    private static (string Stdout, string Stderr) Run(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(Executable ?? throw new InvalidOperationException(WhyMissing))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // A profile of its own per call: parallel tests never share one, and nothing lands in $HOME.
        var profile = Path.Combine(Path.GetTempPath(), "lab-browser-" + Guid.NewGuid().ToString("N")[..10]);
        foreach (var a in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions", $"--user-data-dir={profile}", .. args])
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["HOME"] = profile;
        try
        {
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromSeconds(90)))
            {
                p.Kill(entireProcessTree: true);
                throw new TimeoutException($"chromium {string.Join(' ', args)} did not finish in 90 s");
            }
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"chromium {string.Join(' ', args)} exited {p.ExitCode}: {stderr.Result}");
            return (stdout.Result, stderr.Result);
        }
        finally
        {
            try
            {
                Directory.Delete(profile, recursive: true);
            }
            catch (IOException)
            {
                // A helper process may still hold a file for a moment; the temp folder is cleaned anyway.
            }
        }
    }

    private static string? Find()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in Candidates)
            {
                var path = Path.Combine(dir, name);
                if (File.Exists(path))
                {
                    return path;
                }
            }
        }
        return null;
    }
}

/// <summary>
/// A test that needs a headless browser. Skipped with a clear message when there is none, unless the
/// environment variable CI is "true": there it runs (and fails).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("CI") != "true" && Browser.WhyMissing is { } why)
        {
            Skip = $"needs headless Chromium: {why}. Install it with scripts/install-deps.sh (Debian package chromium); with CI=true this test runs and fails instead.";
        }
    }
}

/// <summary>A decoded 8-bit PNG (grey, RGB, grey+alpha or RGBA, not interlaced): enough to check a screenshot is not blank.</summary>
internal sealed class PngImage
{
    private PngImage(int width, int height, byte[] rgb)
    {
        Width = width;
        Height = height;
        _rgb = rgb;
    }

    private readonly byte[] _rgb;

    public int Width { get; }

    public int Height { get; }

    /// <summary>The pixel at (x, y) as RGB (alpha dropped).</summary>
    public (byte R, byte G, byte B) this[int x, int y]
    {
        get
        {
            var i = ((y * Width) + x) * 3;
            return (_rgb[i], _rgb[i + 1], _rgb[i + 2]);
        }
    }

    /// <summary>Pixels in the rectangle that differ from <paramref name="background"/> by more than <paramref name="tolerance"/> in some channel.</summary>
    public int CountDifferent((byte R, byte G, byte B) background, int tolerance = 16, (int X, int Y, int W, int H)? region = null)
    {
        var (x0, y0, w, h) = region ?? (0, 0, Width, Height);
        var n = 0;
        for (var y = y0; y < Math.Min(Height, y0 + h); y++)
        {
            for (var x = x0; x < Math.Min(Width, x0 + w); x++)
            {
                var (r, g, b) = this[x, y];
                if (Math.Abs(r - background.R) > tolerance || Math.Abs(g - background.G) > tolerance || Math.Abs(b - background.B) > tolerance)
                {
                    n++;
                }
            }
        }
        return n;
    }

    /// <summary>Pixels that are clearly coloured (not white, grey or black): chart lines and markers, never plain text.</summary>
    public int CountColoured(int minChroma = 60)
    {
        var n = 0;
        for (var i = 0; i < _rgb.Length; i += 3)
        {
            var max = Math.Max(_rgb[i], Math.Max(_rgb[i + 1], _rgb[i + 2]));
            var min = Math.Min(_rgb[i], Math.Min(_rgb[i + 1], _rgb[i + 2]));
            if (max - min >= minChroma)
            {
                n++;
            }
        }
        return n;
    }

    public static PngImage Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8 || !bytes.AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }))
        {
            throw new InvalidDataException($"{path}: not a PNG");
        }
        int width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        for (var pos = 8; pos + 8 <= bytes.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(pos));
            var type = System.Text.Encoding.ASCII.GetString(bytes, pos + 4, 4);
            var data = bytes.AsSpan(pos + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                var depth = data[8];
                var colour = data[9];
                channels = colour switch { 0 => 1, 2 => 3, 4 => 2, 6 => 4, _ => 0 };
                if (depth != 8 || channels == 0 || data[12] != 0)
                {
                    throw new InvalidDataException($"{path}: only 8-bit non-interlaced grey/RGB/RGBA PNGs are read here (depth {depth}, colour type {colour})");
                }
            }
            else if (type == "IDAT")
            {
                idat.Write(data);
            }
            else if (type == "IEND")
            {
                break;
            }
            pos += 12 + length;
        }
        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        var stride = width * channels;
        var raw = new byte[(stride + 1) * height];
        z.ReadExactly(raw);
        var pixels = new byte[stride * height];
        var previous = new byte[stride];
        for (var y = 0; y < height; y++)
        {
            var filter = raw[y * (stride + 1)];
            var line = raw.AsSpan((y * (stride + 1)) + 1, stride);
            var current = pixels.AsSpan(y * stride, stride);
            for (var i = 0; i < stride; i++)
            {
                int a = i >= channels ? current[i - channels] : 0, b = previous[i], c = i >= channels ? previous[i - channels] : 0;
                current[i] = (byte)(line[i] + filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"{path}: unknown PNG filter {filter}"),
                });
            }
            current.CopyTo(previous);
        }
        var rgb = new byte[width * height * 3];
        for (var p = 0; p < width * height; p++)
        {
            var src = p * channels;
            if (channels >= 3)
            {
                rgb[p * 3] = pixels[src];
                rgb[(p * 3) + 1] = pixels[src + 1];
                rgb[(p * 3) + 2] = pixels[src + 2];
            }
            else
            {
                rgb[p * 3] = rgb[(p * 3) + 1] = rgb[(p * 3) + 2] = pixels[src];
            }
        }
        return new PngImage(width, height, rgb);
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
