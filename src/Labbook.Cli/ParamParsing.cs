using System.Globalization;
using System.Text.Json.Nodes;
using Labbook.Workspaces;

namespace Labbook.Cli;

/// <summary>Turns <c>-p key=value</c> arguments into typed parameters.</summary>
internal static class ParamParsing
{
    /// <summary>
    /// Parses <c>key=value</c> pairs. Values that read as integers, numbers or true/false are stored
    /// typed (so <c>lab ls --sort</c> and comparisons work); everything else as text.
    /// </summary>
    public static Dictionary<string, JsonNode?> Parse(IEnumerable<string>? pairs, string option = "-p")
    {
        var result = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var pair in pairs ?? [])
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new UsageException($"{option} {Names.Printable(pair)}: expected key=value");
            }
            var key = pair[..eq];
            if (Names.Validate(key, "parameter name") is { } problem)
            {
                throw new UsageException($"{option}: {problem}");
            }
            result[key] = Typed(pair[(eq + 1)..]);
        }
        return result;
    }

    /// <summary>The typed JSON value of a command-line text.</summary>
    public static JsonNode? Typed(string text)
    {
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) && l.ToString(CultureInfo.InvariantCulture) == text)
        {
            return JsonValue.Create(l);
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) && !text.Contains(' ', StringComparison.Ordinal))
        {
            return Labbook.Json.LabJson.Number(d);
        }
        return text switch
        {
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            _ => JsonValue.Create(text),
        };
    }

    /// <summary>The text form of a parameter value, as placeholders and tables show it.</summary>
    public static string Text(JsonNode? value) => value switch
    {
        null => "null",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<double>(out var d) => Labbook.Json.MetricText.FormatValue(d),
        JsonValue v when v.TryGetValue<long>(out var l) => l.ToString(CultureInfo.InvariantCulture),
        JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
        _ => value.ToJsonString(),
    };
}
