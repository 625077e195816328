using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Labbook.Queue;

/// <summary>
/// <c>{name}</c> placeholders inside argv elements. Substitution happens inside one element and
/// never through a shell: a value <c>a; rm -rf ~</c> stays one argument. <c>{{</c> and <c>}}</c>
/// stand for literal braces.
/// </summary>
public static class Placeholders
{
    /// <summary>The names used by the placeholders of <paramref name="argv"/>.</summary>
    /// <exception cref="FormatException">An element has an unclosed or empty placeholder.</exception>
    public static IReadOnlyList<string> Names(IEnumerable<string> argv)
    {
        ArgumentNullException.ThrowIfNull(argv);
        var names = new List<string>();
        foreach (var element in argv)
        {
            Scan(element, names.Add, null);
        }
        return names;
    }

    /// <summary>Checks that every placeholder names a param; returns the first problem, or null.</summary>
    public static string? Check(IEnumerable<string> argv, IReadOnlyDictionary<string, JsonNode?> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        try
        {
            foreach (var name in Names(argv))
            {
                if (!parameters.ContainsKey(name))
                {
                    var known = parameters.Count == 0 ? "no params given" : "params: " + string.Join(", ", parameters.Keys.Order(StringComparer.Ordinal));
                    return $"placeholder {{{name}}} names no param ({known}; write {{{{ for a literal brace)";
                }
            }
        }
        catch (FormatException e)
        {
            return e.Message;
        }
        return null;
    }

    /// <summary>Replaces every placeholder; a missing param is an error.</summary>
    public static IReadOnlyList<string> Resolve(IEnumerable<string> argv, IReadOnlyDictionary<string, JsonNode?> parameters)
    {
        ArgumentNullException.ThrowIfNull(argv);
        ArgumentNullException.ThrowIfNull(parameters);
        var result = new List<string>();
        foreach (var element in argv)
        {
            var sb = new StringBuilder(element.Length);
            Scan(element, name => sb.Append(parameters.TryGetValue(name, out var v) ? Text(v) : throw new FormatException($"placeholder {{{name}}} names no param")), c => sb.Append(c));
            result.Add(sb.ToString());
        }
        return result;
    }

    /// <summary>Escapes braces so that <paramref name="literal"/> survives as a template unchanged.</summary>
    public static string Escape(string literal) => (literal ?? throw new ArgumentNullException(nameof(literal))).Replace("{", "{{", StringComparison.Ordinal).Replace("}", "}}", StringComparison.Ordinal);

    /// <summary>The text form of a param value, as placeholders and environment variables carry it.</summary>
    public static string Text(JsonNode? value) => value switch
    {
        null => "null",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<long>(out var l) => l.ToString(CultureInfo.InvariantCulture),
        JsonValue v when v.TryGetValue<int>(out var i) => i.ToString(CultureInfo.InvariantCulture),
        JsonValue v when v.TryGetValue<double>(out var d) => Json.MetricText.FormatValue(d),
        JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
        _ => value.ToJsonString(),
    };

    /// <summary>The environment variable that carries one param: <c>LAB_PARAM_</c> and the name in upper case, other characters as '_'.</summary>
    public static string EnvironmentName(string param)
    {
        ArgumentNullException.ThrowIfNull(param);
        var sb = new StringBuilder("LAB_PARAM_", 10 + param.Length);
        foreach (var c in param)
        {
            sb.Append(char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_');
        }
        return sb.ToString();
    }

    private static void Scan(string element, Action<string> placeholder, Action<char>? literal)
    {
        for (var i = 0; i < element.Length; i++)
        {
            var c = element[i];
            if (c == '{')
            {
                if (i + 1 < element.Length && element[i + 1] == '{')
                {
                    literal?.Invoke('{');
                    i++;
                    continue;
                }
                var close = element.IndexOf('}', i + 1);
                if (close < 0)
                {
                    throw new FormatException($"unclosed placeholder in argument '{element}' (write {{{{ for a literal brace)");
                }
                var name = element[(i + 1)..close];
                if (name.Length == 0)
                {
                    throw new FormatException($"empty placeholder {{}} in argument '{element}'");
                }
                placeholder(name);
                i = close;
            }
            else if (c == '}' && i + 1 < element.Length && element[i + 1] == '}')
            {
                literal?.Invoke('}');
                i++;
            }
            else
            {
                literal?.Invoke(c);
            }
        }
    }
}
