using System.Globalization;
using System.Text.RegularExpressions;

namespace Labbook;

/// <summary>Durations as people type and read them: <c>90s</c>, <c>15m</c>, <c>2h</c>, <c>1h30m</c>, <c>1d</c>.</summary>
public static partial class Durations
{
    /// <summary>Parses a duration; plain numbers are seconds.</summary>
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        text = text.Trim();
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            if (seconds < 0 || !double.IsFinite(seconds))
            {
                return false;
            }
            duration = TimeSpan.FromSeconds(seconds);
            return true;
        }
        var m = Pattern().Match(text);
        if (!m.Success)
        {
            return false;
        }
        double total = 0;
        foreach (Capture c in m.Groups["part"].Captures)
        {
            var part = c.Value;
            var unit = part[^1];
            if (!double.TryParse(part[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
            {
                return false;
            }
            total += unit switch
            {
                'd' => n * 86400,
                'h' => n * 3600,
                'm' => n * 60,
                _ => n,
            };
        }
        duration = TimeSpan.FromSeconds(total);
        return true;
    }

    /// <summary>Formats compactly: <c>45s</c>, <c>12m05s</c>, <c>3h20m</c>, <c>2d04h</c>.</summary>
    public static string Format(TimeSpan d)
    {
        if (d < TimeSpan.Zero)
        {
            d = TimeSpan.Zero;
        }
        if (d.TotalSeconds < 10)
        {
            return d.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s";
        }
        if (d.TotalMinutes < 1)
        {
            return ((int)d.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s";
        }
        if (d.TotalHours < 1)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalMinutes}m{d.Seconds:00}s");
        }
        if (d.TotalDays < 1)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalHours}h{d.Minutes:00}m");
        }
        return string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalDays}d{d.Hours:00}h");
    }

    [GeneratedRegex(@"^(?<part>\d+(\.\d+)?[dhms])+$")]
    private static partial Regex Pattern();
}
