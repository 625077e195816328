using System.Text;

namespace Labbook.Metrics;

/// <summary>RFC 4180 field quoting for the CSV files Labbook writes (exports, trial tables).</summary>
public static class CsvText
{
    /// <summary>Quotes a field when it contains a comma, quote, newline or edge spaces.</summary>
    public static string Field(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }
        var needs = value.AsSpan().IndexOfAny(",\"\r\n") >= 0 || char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1]);
        return needs ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    /// <summary>Joins fields into one line (without the newline).</summary>
    public static string Line(IEnumerable<string?> fields)
    {
        var sb = new StringBuilder();
        var first = true;
        foreach (var f in fields)
        {
            if (!first)
            {
                sb.Append(',');
            }
            first = false;
            sb.Append(Field(f));
        }
        return sb.ToString();
    }
}
