using System.Globalization;

namespace Labbook;

/// <summary>
/// Points in time as people type them: an age (<c>2h</c>, <c>3d</c>), a clock time (<c>19:00</c>,
/// the most recent one that is not in the future), a date (<c>2026-11-27</c>), a date and time, or
/// <c>today</c> / <c>yesterday</c>. All in local time, returned as UTC.
/// </summary>
public static class TimeSpec
{
    /// <summary>Parses a point in the past relative to <paramref name="nowLocal"/>.</summary>
    public static bool TryParsePast(string? text, DateTime nowLocal, out DateTime utc)
    {
        utc = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        text = text.Trim();
        if (!text.Contains(':', StringComparison.Ordinal) && Durations.TryParse(text, out var age))
        {
            // An age further back than the calendar goes means "since the beginning", not an overflow.
            utc = nowLocal - DateTime.MinValue > age ? (nowLocal - age).ToUniversalTime() : DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc);
            return true;
        }
        if (!text.Contains(':', StringComparison.Ordinal) && Durations.IsTooLong(text))
        {
            utc = DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc);
            return true;
        }
        switch (text.ToLowerInvariant())
        {
            case "today":
                utc = nowLocal.Date.ToUniversalTime();
                return true;
            case "yesterday":
                utc = nowLocal.Date.AddDays(-1).ToUniversalTime();
                return true;
        }
        if (TryParseClock(text, out var clock))
        {
            var candidate = nowLocal.Date + clock;
            if (candidate > nowLocal)
            {
                candidate = candidate.AddDays(-1);
            }
            utc = candidate.ToUniversalTime();
            return true;
        }
        string[] formats = ["yyyy-MM-dd", "yyyy-MM-dd HH:mm", "yyyy-MM-ddTHH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-ddTHH:mm:ss"];
        if (DateTime.TryParseExact(text, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var local))
        {
            utc = local.ToUniversalTime();
            return true;
        }
        if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var any) && text.EndsWith('Z'))
        {
            utc = any;
            return true;
        }
        return false;
    }

    /// <summary>The next occurrence (now or later) of a clock time such as <c>07:30</c>, as UTC.</summary>
    public static bool TryParseNext(string? text, DateTime nowLocal, out DateTime utc)
    {
        utc = default;
        if (text is null || !TryParseClock(text.Trim(), out var clock))
        {
            return false;
        }
        var candidate = nowLocal.Date + clock;
        if (candidate < nowLocal)
        {
            candidate = candidate.AddDays(1);
        }
        utc = candidate.ToUniversalTime();
        return true;
    }

    /// <summary>Parses <c>HH:mm</c>.</summary>
    public static bool TryParseClock(string text, out TimeSpan clock) =>
        TimeSpan.TryParseExact(text, [@"h\:mm", @"hh\:mm"], CultureInfo.InvariantCulture, out clock) && clock < TimeSpan.FromDays(1);
}
