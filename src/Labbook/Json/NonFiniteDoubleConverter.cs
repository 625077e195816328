using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Labbook.Json;

/// <summary>
/// Writes doubles as strict JSON: finite values as numbers, NaN and infinities as the strings
/// "nan", "inf" and "-inf" (the workspace contract), and reads either form back.
/// </summary>
public sealed class NonFiniteDoubleConverter : JsonConverter<double>
{
    /// <inheritdoc/>
    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            return reader.GetDouble();
        }
        if (reader.TokenType == JsonTokenType.String)
        {
            var s = reader.GetString();
            if (MetricText.TryParseValue(s, out var v))
            {
                return v;
            }
            throw new JsonException($"'{s}' is not a number");
        }
        throw new JsonException($"expected a number, found {reader.TokenType}");
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
    {
        if (double.IsFinite(value))
        {
            // Not WriteNumberValue: .NET's digits do not read back as the same double for every value (2^-25).
            Span<byte> utf8 = stackalloc byte[Metrics.ShortestDouble.MaxLength];
            Metrics.ShortestDouble.TryFormat(value, utf8, out var written);
            writer.WriteRawValue(utf8[..written], skipInputValidation: true);
        }
        else
        {
            writer.WriteStringValue(MetricText.FormatValue(value));
        }
    }
}

/// <summary>How metric values are written as text everywhere in a workspace (culture-invariant).</summary>
public static class MetricText
{
    /// <summary>Formats a value: shortest round-trip form, or nan / inf / -inf.</summary>
    public static string FormatValue(double value)
    {
        Span<byte> utf8 = stackalloc byte[Metrics.ShortestDouble.MaxLength];
        TryFormatValue(value, utf8, out var written);
        return System.Text.Encoding.UTF8.GetString(utf8[..written]);
    }

    /// <summary>Writes a value as UTF-8 into <paramref name="destination"/>.</summary>
    public static bool TryFormatValue(double value, Span<byte> destination, out int written)
    {
        if (double.IsFinite(value))
        {
            // The bytes of double.TryFormat(..., CultureInfo.InvariantCulture), several times faster,
            // and round-trippable for powers of two too (see ShortestDouble).
            return Metrics.ShortestDouble.TryFormat(value, destination, out written);
        }
        var text = double.IsNaN(value) ? "nan"u8 : value > 0 ? "inf"u8 : "-inf"u8;
        written = text.Length;
        return text.TryCopyTo(destination);
    }

    /// <summary>Parses a value written by any tool: numbers, and nan / inf / -inf in any letter case (also NaN, Infinity).</summary>
    public static bool TryParseValue(ReadOnlySpan<char> text, out double value)
    {
        text = text.Trim();
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }
        var negative = text.StartsWith("-");
        var body = negative || text.StartsWith("+") ? text[1..] : text;
        if (body.Equals("nan", StringComparison.OrdinalIgnoreCase))
        {
            value = double.NaN;
            return true;
        }
        if (body.Equals("inf", StringComparison.OrdinalIgnoreCase) || body.Equals("infinity", StringComparison.OrdinalIgnoreCase))
        {
            value = negative ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }
        value = 0;
        return false;
    }

    /// <summary>Parses UTF-8 bytes as a value (see <see cref="TryParseValue(ReadOnlySpan{char}, out double)"/>).</summary>
    public static bool TryParseValue(ReadOnlySpan<byte> utf8, out double value)
    {
        if (Utf8Parser.TryParse(utf8, out value, out var consumed) && consumed == utf8.Length)
        {
            return true;
        }
        Span<char> chars = stackalloc char[Math.Min(utf8.Length, 64)];
        if (utf8.Length > 64)
        {
            value = 0;
            return false;
        }
        var n = System.Text.Encoding.UTF8.GetChars(utf8, chars);
        return TryParseValue(chars[..n], out value);
    }
}
