using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Labbook.Sweeps;

/// <summary>
/// Reads a search-space file, YAML or JSON (JSON is read by the same YAML parser, so both report
/// lines the same way). The schema is the benchmark suite's: a top-level <c>params</c> mapping of
/// name to <c>{type, low, high, log, step, choices, condition}</c>, plus two shorthands: a scalar
/// is a fixed value and a list is a categorical. Other top-level keys (name, description, ...) are
/// ignored. Uses YamlDotNet's representation model, which needs no reflection (Native AOT safe).
/// </summary>
public static class SpaceParser
{
    private static readonly string[] ParamKeys = ["type", "low", "high", "log", "step", "choices", "condition", "value"];

    /// <summary>Reads and validates the space in <paramref name="path"/>.</summary>
    /// <exception cref="SearchSpaceException">The file is malformed or the space is invalid.</exception>
    public static SearchSpace ParseFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SearchSpaceException(path, 0, $"cannot read the space file: {e.Message}");
        }
        return Parse(text, path);
    }

    /// <summary>Parses a space from text; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="SearchSpaceException">The text is malformed or the space is invalid.</exception>
    public static SearchSpace Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(source);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            var message = e.InnerException?.Message ?? e.Message;
            // YamlDotNet prefixes "(Line: a, Col: b, ...): "; the line is reported our way.
            var close = message.IndexOf("): ", StringComparison.Ordinal);
            if (message.StartsWith("(Line", StringComparison.Ordinal) && close > 0)
            {
                message = message[(close + 3)..];
            }
            throw new SearchSpaceException(source, (int)e.Start.Line, $"not valid YAML/JSON: {message}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            var line = stream.Documents.Count > 0 ? (int)stream.Documents[0].RootNode.Start.Line : 1;
            throw new SearchSpaceException(source, line, "expected a mapping with a 'params' key");
        }
        if (!root.Children.TryGetValue(new YamlScalarNode("params"), out var paramsNode))
        {
            throw new SearchSpaceException(source, (int)root.Start.Line, "no 'params' key: a space file is a mapping with 'params' (name: {type, low, high, ...})");
        }
        if (paramsNode is not YamlMappingNode paramsMap || paramsMap.Children.Count == 0)
        {
            throw new SearchSpaceException(source, (int)paramsNode.Start.Line, "'params' must be a non-empty mapping of parameter name to definition");
        }
        var specs = new List<ParamSpec>();
        var conditionLines = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in paramsMap.Children)
        {
            var line = (int)keyNode.Start.Line;
            if (keyNode is not YamlScalarNode { Value: { Length: > 0 } name })
            {
                throw new SearchSpaceException(source, line, "a parameter name must be a non-empty text");
            }
            if (InlineSpace.ValidateName(name) is { } badName)
            {
                throw new SearchSpaceException(source, line, badName);
            }
            if (specs.Any(s => s.Name == name))
            {
                throw new SearchSpaceException(source, line, $"parameter '{name}' is defined twice");
            }
            var spec = ParseParam(source, name, line, valueNode);
            if (spec.Condition is not null)
            {
                conditionLines[name] = spec.Line;
            }
            specs.Add(spec);
        }
        CheckConditions(source, specs);
        return new SearchSpace(specs);
    }

    private static ParamSpec ParseParam(string source, string name, int line, YamlNode node)
    {
        switch (node)
        {
            case YamlScalarNode scalar:
                return new ParamSpec { Name = name, Kind = ParamKind.Fixed, Value = ScalarValue(scalar), Line = line };
            case YamlSequenceNode sequence:
                return Categorical(source, name, line, sequence, null);
        }
        var map = (YamlMappingNode)node;
        var fields = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (k, v) in map.Children)
        {
            var key = (k as YamlScalarNode)?.Value ?? "";
            if (!ParamKeys.Contains(key))
            {
                throw new SearchSpaceException(source, (int)k.Start.Line, $"{name}: unknown key '{key}' (expected one of {string.Join(", ", ParamKeys)})");
            }
            fields[key] = v;
        }
        var condition = fields.TryGetValue("condition", out var condNode) ? ParseCondition(source, name, condNode) : null;
        string? type = fields.TryGetValue("type", out var typeNode) ? Text(source, name, "type", typeNode) : null;
        if (type is null)
        {
            if (fields.TryGetValue("value", out var fixedNode) && fixedNode is YamlScalarNode fixedScalar)
            {
                return new ParamSpec { Name = name, Kind = ParamKind.Fixed, Value = ScalarValue(fixedScalar), Condition = condition, Line = line };
            }
            if (fields.TryGetValue("choices", out var choiceNode))
            {
                type = "categorical";
                _ = choiceNode;
            }
            else
            {
                throw new SearchSpaceException(source, line, $"{name}: no 'type' (float, int, categorical or fixed)");
            }
        }
        switch (type)
        {
            case "categorical":
                if (!fields.TryGetValue("choices", out var choices) || choices is not YamlSequenceNode list)
                {
                    throw new SearchSpaceException(source, line, $"{name}: a categorical parameter needs 'choices' (a list)");
                }
                Disallow(source, name, fields, "categorical", "low", "high", "log", "step", "value");
                return Categorical(source, name, line, list, condition);
            case "fixed":
                if (!fields.TryGetValue("value", out var valueNode) || valueNode is not YamlScalarNode valueScalar)
                {
                    throw new SearchSpaceException(source, line, $"{name}: a fixed parameter needs a scalar 'value'");
                }
                return new ParamSpec { Name = name, Kind = ParamKind.Fixed, Value = ScalarValue(valueScalar), Condition = condition, Line = line };
            case "float" or "int":
                Disallow(source, name, fields, type, "choices", "value");
                var isInt = type == "int";
                var low = Number(source, name, "low", fields, isInt);
                var high = Number(source, name, "high", fields, isInt);
                var log = fields.TryGetValue("log", out var logNode) && Bool(source, name, logNode);
                double? step = fields.TryGetValue("step", out var stepNode) && !IsNull(stepNode) ? Number(source, name, "step", fields, isInt) : null;
                if (low > high)
                {
                    throw new SearchSpaceException(source, line, $"{name}: low ({Format(low)}) must not be greater than high ({Format(high)})");
                }
                if (log && low <= 0)
                {
                    throw new SearchSpaceException(source, line, $"{name}: a log-scaled range needs low > 0 (got {Format(low)})");
                }
                if (step is { } s && s <= 0)
                {
                    throw new SearchSpaceException(source, line, $"{name}: step must be positive (got {Format(s)})");
                }
                if (log && step is { } ls && !(isInt && ls == 1))
                {
                    throw new SearchSpaceException(source, line, $"{name}: 'step' and 'log' cannot be used together");
                }
                return new ParamSpec
                {
                    Name = name,
                    Kind = isInt ? ParamKind.Int : ParamKind.Float,
                    Low = low,
                    High = high,
                    Log = log,
                    Step = step,
                    Condition = condition,
                    Line = line,
                };
            default:
                throw new SearchSpaceException(source, (int)typeNode!.Start.Line, $"{name}: unknown type '{type}' (expected float, int, categorical or fixed)");
        }
    }

    private static ParamSpec Categorical(string source, string name, int line, YamlSequenceNode list, ParamCondition? condition)
    {
        if (list.Children.Count == 0)
        {
            throw new SearchSpaceException(source, line, $"{name}: 'choices' must not be empty");
        }
        var values = new List<object?>();
        foreach (var item in list.Children)
        {
            if (item is not YamlScalarNode scalar)
            {
                throw new SearchSpaceException(source, (int)item.Start.Line, $"{name}: a choice must be a single value (text, number, true/false or null)");
            }
            var v = ScalarValue(scalar);
            if (values.Any(x => SearchSpace.SameValue(x, v)))
            {
                throw new SearchSpaceException(source, (int)item.Start.Line, $"{name}: choice '{scalar.Value}' is listed twice");
            }
            values.Add(v);
        }
        return new ParamSpec { Name = name, Kind = ParamKind.Categorical, Choices = values, Condition = condition, Line = line };
    }

    private static ParamCondition ParseCondition(string source, string name, YamlNode node)
    {
        var line = (int)node.Start.Line;
        if (node is not YamlMappingNode map)
        {
            throw new SearchSpaceException(source, line, $"{name}: 'condition' must be a mapping {{param, equals | in}}");
        }
        string? param = null;
        List<object?>? values = null;
        foreach (var (k, v) in map.Children)
        {
            var key = (k as YamlScalarNode)?.Value;
            switch (key)
            {
                case "param":
                    param = Text(source, name, "condition.param", v);
                    break;
                case "equals" when v is YamlScalarNode s:
                    values = values is null ? [ScalarValue(s)] : throw new SearchSpaceException(source, (int)k.Start.Line, $"{name}: a condition has either 'equals' or 'in', not both");
                    break;
                case "in" when v is YamlSequenceNode seq && seq.Children.All(c => c is YamlScalarNode) && seq.Children.Count > 0:
                    values = values is null ? [.. seq.Children.Select(c => ScalarValue((YamlScalarNode)c))] : throw new SearchSpaceException(source, (int)k.Start.Line, $"{name}: a condition has either 'equals' or 'in', not both");
                    break;
                case "equals":
                    throw new SearchSpaceException(source, (int)v.Start.Line, $"{name}: condition 'equals' must be a single value");
                case "in":
                    throw new SearchSpaceException(source, (int)v.Start.Line, $"{name}: condition 'in' must be a non-empty list of values");
                default:
                    throw new SearchSpaceException(source, (int)k.Start.Line, $"{name}: unknown condition key '{key}' (expected param, equals, in)");
            }
        }
        if (param is null || values is null)
        {
            throw new SearchSpaceException(source, line, $"{name}: a condition needs 'param' and either 'equals' or 'in'");
        }
        return new ParamCondition(param, values);
    }

    private static void CheckConditions(string source, List<ParamSpec> specs)
    {
        foreach (var spec in specs)
        {
            if (spec.Condition is not { } c)
            {
                continue;
            }
            if (c.Param == spec.Name)
            {
                throw new SearchSpaceException(source, spec.Line, $"{spec.Name}: a condition cannot depend on the parameter itself");
            }
            if (specs.FirstOrDefault(s => s.Name == c.Param) is not { } parent)
            {
                throw new SearchSpaceException(source, spec.Line, $"{spec.Name}: condition names '{c.Param}', which is not a parameter of this space");
            }
            if (parent.Kind == ParamKind.Categorical && c.Values.FirstOrDefault(v => !parent.Choices.Any(ch => SearchSpace.SameValue(ch, v))) is { } missing)
            {
                throw new SearchSpaceException(source, spec.Line, $"{spec.Name}: condition value '{missing}' is not a choice of '{parent.Name}'");
            }
            // A chain of conditions must end at an unconditional parameter.
            var seen = new HashSet<string>(StringComparer.Ordinal) { spec.Name };
            for (var p = parent; p.Condition is { } pc; p = specs.First(s => s.Name == pc.Param))
            {
                if (!seen.Add(p.Name) || !specs.Any(s => s.Name == pc.Param))
                {
                    throw new SearchSpaceException(source, spec.Line, $"{spec.Name}: conditions form a cycle");
                }
            }
        }
    }

    private static void Disallow(string source, string name, Dictionary<string, YamlNode> fields, string type, params string[] keys)
    {
        foreach (var key in keys)
        {
            if (fields.TryGetValue(key, out var node) && !IsNull(node))
            {
                throw new SearchSpaceException(source, (int)node.Start.Line, $"{name}: '{key}' does not apply to a {type} parameter");
            }
        }
    }

    private static bool IsNull(YamlNode node) => node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "null" or "~" or "" };

    private static double Number(string source, string name, string key, Dictionary<string, YamlNode> fields, bool integer)
    {
        if (!fields.TryGetValue(key, out var node))
        {
            throw new SearchSpaceException(source, 0, $"{name}: '{key}' is missing");
        }
        var value = node is YamlScalarNode s ? ScalarValue(s) : null;
        var line = (int)node.Start.Line;
        switch (value)
        {
            case long l:
                return l;
            case double d when double.IsFinite(d) && !integer:
                return d;
            case double d when integer && double.IsFinite(d) && d == Math.Floor(d) && Math.Abs(d) < 1e15:
                return d;
            case double:
                throw new SearchSpaceException(source, line, $"{name}: '{key}' must be {(integer ? "an integer" : "a finite number")} (got '{((YamlScalarNode)node).Value}')");
            default:
                throw new SearchSpaceException(source, line, $"{name}: '{key}' must be a number (got '{(node as YamlScalarNode)?.Value ?? node.NodeType.ToString()}')");
        }
    }

    private static bool Bool(string source, string name, YamlNode node) =>
        node is YamlScalarNode s && ScalarValue(s) is bool b ? b
        : IsNull(node) ? false
        : throw new SearchSpaceException(source, (int)node.Start.Line, $"{name}: 'log' must be true or false");

    private static string Text(string source, string name, string key, YamlNode node) =>
        node is YamlScalarNode { Value: { Length: > 0 } v } ? v
        : throw new SearchSpaceException(source, (int)node.Start.Line, $"{name}: '{key}' must be a text");

    /// <summary>The typed value of a scalar: quoted text stays text; plain scalars may be numbers, booleans or null.</summary>
    internal static object? ScalarValue(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        return scalar.Style is ScalarStyle.Plain ? InlineSpace.TypedValue(text) : text;
    }

    private static string Format(double v) => Json.MetricText.FormatValue(v);
}
