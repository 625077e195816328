using System.Globalization;

namespace Labbook.Sweeps;

/// <summary>
/// The inline space syntax of <c>lab sweep -s NAME=SPEC</c>, the short form of a space file:
/// <list type="bullet">
/// <item><c>lr=log:1e-5..1e-1</c> a float on a log scale; <c>dropout=float:0..0.5</c> (or <c>0..0.5</c>) a float;</item>
/// <item><c>layers=int:1..8</c> an integer; <c>batch=logint:16..512</c> an integer on a log scale;</item>
/// <item>a step as a third part: <c>units=int:32..256:32</c>, <c>wd=float:0..0.1:0.01</c>;</item>
/// <item><c>act=relu,tanh,gelu</c> a categorical (values typed like YAML plain scalars: numbers, true/false, text);</item>
/// <item><c>epochs=20</c> a fixed value.</item>
/// </list>
/// </summary>
public static class InlineSpace
{
    private static readonly string[] Kinds = ["float", "log", "int", "logint"];

    /// <summary>Parses <c>-s</c> specs into a space.</summary>
    /// <exception cref="SearchSpaceException">A spec is malformed (the message names it).</exception>
    public static SearchSpace Parse(IEnumerable<string> specs)
    {
        ArgumentNullException.ThrowIfNull(specs);
        var list = new List<ParamSpec>();
        foreach (var spec in specs)
        {
            var p = ParseOne(spec);
            if (list.Any(s => s.Name == p.Name))
            {
                throw new SearchSpaceException($"-s {spec}", 0, $"parameter '{p.Name}' is given twice");
            }
            list.Add(p);
        }
        return new SearchSpace(list);
    }

    /// <summary>Parses one <c>NAME=SPEC</c>.</summary>
    public static ParamSpec ParseOne(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var source = $"-s {spec}";
        var eq = spec.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            throw new SearchSpaceException(source, 0, "expected NAME=SPEC, e.g. lr=log:1e-5..1e-1, layers=int:1..8, act=relu,tanh");
        }
        var name = spec[..eq];
        if (ValidateName(name) is { } bad)
        {
            throw new SearchSpaceException(source, 0, bad);
        }
        var body = spec[(eq + 1)..];
        if (body.Length == 0)
        {
            throw new SearchSpaceException(source, 0, $"no value after '{name}=' (e.g. {name}=log:1e-5..1e-1, {name}=int:1..8, {name}=a,b, {name}=20)");
        }
        var colon = body.IndexOf(':', StringComparison.Ordinal);
        var prefix = colon > 0 ? body[..colon] : null;
        if (prefix is not null && prefix is not ("float" or "log" or "int" or "logint") && body.Contains("..", StringComparison.Ordinal) && !body.Contains(',', StringComparison.Ordinal))
        {
            // Without this, Log:1e-5..1e-1 would quietly become one constant text value.
            throw new SearchSpaceException(source, 0, $"unknown kind '{Workspaces.Names.Escape(prefix)}'{Text.NameSuggestions.DidYouMean(prefix, Kinds)}: use float, log, int or logint");
        }
        if (prefix is "float" or "log" or "int" or "logint" || (prefix is null && body.Contains("..", StringComparison.Ordinal) && !body.Contains(',', StringComparison.Ordinal)))
        {
            var range = prefix is null ? body : body[(colon + 1)..];
            var isInt = prefix is "int" or "logint";
            var log = prefix is "log" or "logint";
            var parts = range.Split(':');
            if (parts.Length > 2)
            {
                throw new SearchSpaceException(source, 0, "expected KIND:LOW..HIGH or KIND:LOW..HIGH:STEP");
            }
            var dots = parts[0].IndexOf("..", StringComparison.Ordinal);
            if (dots < 0)
            {
                throw new SearchSpaceException(source, 0, $"expected a range LOW..HIGH after '{prefix}:'");
            }
            if (parts[0].IndexOf("..", dots + 2, StringComparison.Ordinal) >= 0 || parts[0].Contains("...", StringComparison.Ordinal))
            {
                // 1e-5...1e-1 would read as high .1e-1 = 0.01.
                throw new SearchSpaceException(source, 0, $"'{parts[0]}' is ambiguous: write the range as LOW..HIGH with exactly two dots");
            }
            var low = RangeNumber(source, parts[0][..dots], isInt, "low");
            var high = RangeNumber(source, parts[0][(dots + 2)..], isInt, "high");
            double? step = parts.Length == 2 ? RangeNumber(source, parts[1], isInt, "step") : null;
            if (low > high)
            {
                throw new SearchSpaceException(source, 0, "low must not be greater than high");
            }
            if (log && low <= 0)
            {
                throw new SearchSpaceException(source, 0, "a log-scaled range needs low > 0");
            }
            if (step is { } s && (s <= 0 || log))
            {
                throw new SearchSpaceException(source, 0, log ? "a step cannot be used with a log scale" : "step must be positive");
            }
            return new ParamSpec { Name = name, Kind = isInt ? ParamKind.Int : ParamKind.Float, Low = low, High = high, Log = log, Step = step };
        }
        if (body.Contains(',', StringComparison.Ordinal))
        {
            var choices = new List<object?>();
            foreach (var item in body.Split(','))
            {
                if (item.Length == 0)
                {
                    throw new SearchSpaceException(source, 0, "an empty choice (two commas, or one at an end)");
                }
                var v = TypedValue(item);
                if (choices.Any(c => SearchSpace.SameValue(c, v)))
                {
                    throw new SearchSpaceException(source, 0, $"choice '{item}' is listed twice");
                }
                choices.Add(v);
            }
            return new ParamSpec { Name = name, Kind = ParamKind.Categorical, Choices = choices };
        }
        return new ParamSpec { Name = name, Kind = ParamKind.Fixed, Value = TypedValue(body) };
    }

    /// <summary>
    /// Checks a parameter name: letters, digits, '_', '-' and '.', starting with a letter or '_'
    /// (so that it can be a <c>{placeholder}</c> and an environment variable suffix).
    /// Returns a message, or null when valid.
    /// </summary>
    public static string? ValidateName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_') || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')))
        {
            return $"parameter name '{Workspaces.Names.Escape(name)}' must start with a letter or '_' and use only letters, digits, '_', '-' and '.'";
        }
        return null;
    }

    /// <summary>A text typed as a YAML plain scalar would be: integer, number, true/false, null, else text.</summary>
    public static object? TypedValue(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return l;
        }
        if (text.Length > 0 && !text.Contains(' ', StringComparison.Ordinal) && (char.IsAsciiDigit(text[^1]) || text[^1] == '.')
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return d;
        }
        return text switch
        {
            "true" or "True" or "TRUE" => true,
            "false" or "False" or "FALSE" => false,
            "null" or "Null" or "NULL" or "~" => null,
            _ => text,
        };
    }

    private static double RangeNumber(string source, string text, bool integer, string what)
    {
        if (integer)
        {
            return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)
                ? l
                : throw new SearchSpaceException(source, 0, $"{what} '{text}' is not an integer");
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)
            ? d
            : throw new SearchSpaceException(source, 0, $"{what} '{text}' is not a number");
    }
}
