using System.Buffers.Text;
using System.Text;
using Labbook.Json;

namespace Labbook.Metrics;

/// <summary>
/// The <c>metrics.csv</c> format: RFC 4180, header <c>step,name,value,time</c>, one row per point,
/// culture-invariant numbers, <c>nan</c>/<c>inf</c>/<c>-inf</c> for non-finite values, ISO 8601 UTC times.
/// </summary>
public static class MetricCsv
{
    /// <summary>The header line, with its newline.</summary>
    public static ReadOnlySpan<byte> HeaderLine => "step,name,value,time\n"u8;

    /// <summary>The column names.</summary>
    public static readonly IReadOnlyList<string> Columns = ["step", "name", "value", "time"];

    /// <summary>Encodes a metric name as a CSV field (quoted only when it must be).</summary>
    public static byte[] EncodeName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var needsQuotes = name.Length == 0
            || name.AsSpan().IndexOfAny(",\"\r\n") >= 0
            || char.IsWhiteSpace(name[0]) || char.IsWhiteSpace(name[^1]);
        return Encoding.UTF8.GetBytes(needsQuotes ? "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : name);
    }

    /// <summary>Writes one row into <paramref name="destination"/>; returns bytes written or -1 when it does not fit.</summary>
    public static int FormatRow(Span<byte> destination, long step, ReadOnlySpan<byte> encodedName, double value, ReadOnlySpan<byte> time)
    {
        if (!Utf8Formatter.TryFormat(step, destination, out var n))
        {
            return -1;
        }
        var pos = n;
        if (destination.Length < pos + encodedName.Length + 2)
        {
            return -1;
        }
        destination[pos++] = (byte)',';
        encodedName.CopyTo(destination[pos..]);
        pos += encodedName.Length;
        destination[pos++] = (byte)',';
        if (!MetricText.TryFormatValue(value, destination[pos..], out n))
        {
            return -1;
        }
        pos += n;
        if (destination.Length < pos + time.Length + 2)
        {
            return -1;
        }
        destination[pos++] = (byte)',';
        time.CopyTo(destination[pos..]);
        pos += time.Length;
        destination[pos++] = (byte)'\n';
        return pos;
    }

    /// <summary>Formats a UTC time as written in the time column: <c>2026-11-28T04:05:12.345Z</c>.</summary>
    public static int FormatTime(DateTime utc, Span<byte> destination)
    {
        utc.TryFormat(destination, out var n, "yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);
        return n;
    }
}

/// <summary>One logged value.</summary>
/// <param name="Step">The step (iteration, epoch...).</param>
/// <param name="Name">The metric's name.</param>
/// <param name="Value">The value; NaN and infinities allowed.</param>
/// <param name="Time">The time column as written (ISO 8601), or empty.</param>
public readonly record struct MetricPoint(long Step, string Name, double Value, string Time);
