using System.Globalization;
using System.Text.RegularExpressions;

namespace Labbook;

/// <summary>Durations as people type and read them: <c>90s</c>, <c>15m</c>, <c>2h</c>, <c>1h30m</c>, <c>1d</c>.</summary>
public static partial class Durations
{
    /// <summary>The longest duration accepted: a century (longer ones only overflow dates and timers).</summary>
    public static readonly TimeSpan Longest = TimeSpan.FromDays(36525);

    /// <summary>Parses a duration; plain numbers are seconds. False for text that is not one, or longer than <see cref="Longest"/>.</summary>
    public static bool TryParse(string? text, out TimeSpan duration) => Check(text, out duration) is null;

    /// <summary>
    /// Parses the duration an option gives, refusing with a message that names the option: text that
    /// is not a duration, one longer than a century, and (unless <paramref name="allowZero"/>) zero.
    /// </summary>
    /// <exception cref="FormatException">The text is refused; the message says why.</exception>
    public static TimeSpan Parse(string? text, string option, bool allowZero = false)
    {
        ArgumentNullException.ThrowIfNull(option);
        if (Check(text, out var duration) is { } problem)
        {
            throw new FormatException($"{option}: {problem}");
        }
        if (duration == TimeSpan.Zero && !allowZero)
        {
            throw new FormatException($"{option}: '{text}' is zero; give a positive duration (e.g. 90s, 15m, 2h)");
        }
        return duration;
    }

    /// <summary>True when the text reads as a duration that is only too long to use.</summary>
    public static bool IsTooLong(string? text) => Seconds(text) is { } s && s > Longest.TotalSeconds;

    /// <summary>Null when the text is a usable duration (set in <paramref name="duration"/>), else what is wrong with it.</summary>
    public static string? Check(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var seconds = Seconds(text);
        if (seconds is null)
        {
            return $"'{text}' is not a duration (e.g. 90s, 15m, 2h)";
        }
        if (seconds > Longest.TotalSeconds)
        {
            return $"'{text}' is too long (at most 36525d, a century)";
        }
        duration = TimeSpan.FromSeconds(seconds.Value);
        return null;
    }

    private static double? Seconds(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        text = text.Trim();
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return seconds < 0 || !double.IsFinite(seconds) ? null : seconds;
        }
        var m = Pattern().Match(text);
        if (!m.Success)
        {
            return null;
        }
        double total = 0;
        foreach (Capture c in m.Groups["part"].Captures)
        {
            var part = c.Value;
            var unit = part[^1];
            if (!double.TryParse(part[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
            {
                return null;
            }
            total += unit switch
            {
                'd' => n * 86400,
                'h' => n * 3600,
                'm' => n * 60,
                _ => n,
            };
        }
        return double.IsFinite(total) ? total : null;
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
