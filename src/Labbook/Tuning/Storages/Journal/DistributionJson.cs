using System.Text;
using System.Text.Json.Nodes;

namespace Labbook.Tuning.Storages.Journal;

/// <summary>
/// Optuna's <c>distribution_to_json</c> and <c>json_to_distribution</c>: <c>{"name": class, "attributes": {...}}</c>,
/// itself stored as a JSON string inside journal lines. Legacy 2.x class names are read too.
/// </summary>
internal static class DistributionJson
{
    public static string ToJson(Distribution distribution)
    {
        var sb = new StringBuilder(96);
        switch (distribution)
        {
            case FloatDistribution f:
                sb.Append("{\"name\": \"FloatDistribution\", \"attributes\": {\"step\": ");
                if (f.Step is { } step)
                {
                    PythonJson.WriteDouble(sb, step);
                }
                else
                {
                    sb.Append("null");
                }
                sb.Append(", \"low\": ");
                PythonJson.WriteDouble(sb, f.Low);
                sb.Append(", \"high\": ");
                PythonJson.WriteDouble(sb, f.High);
                sb.Append(", \"log\": ").Append(f.Log ? "true" : "false").Append("}}");
                break;
            case IntDistribution i:
                sb.Append("{\"name\": \"IntDistribution\", \"attributes\": {\"log\": ").Append(i.Log ? "true" : "false")
                    .Append(", \"step\": ").Append(i.Step)
                    .Append(", \"low\": ").Append(i.Low)
                    .Append(", \"high\": ").Append(i.High).Append("}}");
                break;
            case CategoricalDistribution c:
                {
                    sb.Append("{\"name\": \"CategoricalDistribution\", \"attributes\": {\"choices\": [");
                    for (var k = 0; k < c.Choices.Count; k++)
                    {
                        if (k > 0)
                        {
                            sb.Append(", ");
                        }
                        PythonJson.Write(sb, ChoiceToNode(c.Choices[k]));
                    }
                    sb.Append("]}}");
                    break;
                }
            default:
                throw new ArgumentException($"unknown distribution {distribution.GetType().Name}", nameof(distribution));
        }
        return sb.ToString();
    }

    public static Distribution FromJson(string json)
    {
        var node = PythonJson.Parse(json) as JsonObject ?? throw new FormatException("a distribution must be a JSON object");
        var name = (string?)node["name"] ?? throw new FormatException("a distribution needs a name");
        var a = node["attributes"] as JsonObject ?? throw new FormatException("a distribution needs attributes");
        return name switch
        {
            "FloatDistribution" => new FloatDistribution(Num(a, "low"), Num(a, "high"), a["log"] is { } log && (bool)log, a["step"] is { } s ? (double)s : null),
            "IntDistribution" => new IntDistribution(Int(a, "low"), Int(a, "high"), a["log"] is { } l && (bool)l, a["step"] is { } st ? (long)st : 1),
            "CategoricalDistribution" => new CategoricalDistribution(
                (a["choices"] as JsonArray ?? throw new FormatException("categorical choices must be an array")).Select(NodeToChoice).ToArray()),
            "UniformDistribution" => new FloatDistribution(Num(a, "low"), Num(a, "high")),
            "LogUniformDistribution" => new FloatDistribution(Num(a, "low"), Num(a, "high"), log: true),
            "DiscreteUniformDistribution" => new FloatDistribution(Num(a, "low"), Num(a, "high"), step: Num(a, "q")),
            "IntUniformDistribution" => new IntDistribution(Int(a, "low"), Int(a, "high"), step: a["step"] is { } s2 ? (long)s2 : 1),
            "IntLogUniformDistribution" => new IntDistribution(Int(a, "low"), Int(a, "high"), log: true),
            _ => throw new FormatException($"unknown distribution '{name}'"),
        };
    }

    private static double Num(JsonObject a, string key) =>
        a[key] is JsonValue v ? (double)v : throw new FormatException($"distribution attribute '{key}' is missing");

    private static long Int(JsonObject a, string key) =>
        a[key] is JsonValue v ? (v.TryGetValue<long>(out var l) ? l : (long)(double)v) : throw new FormatException($"distribution attribute '{key}' is missing");

    /// <summary>A categorical choice as JSON (null, bool, long, double or string).</summary>
    public static JsonNode? ChoiceToNode(object? choice) => choice switch
    {
        null => null,
        bool b => JsonValue.Create(b),
        long l => JsonValue.Create(l),
        int i => JsonValue.Create((long)i),
        double d => JsonValue.Create(d),
        float f => JsonValue.Create((double)f),
        string s => JsonValue.Create(s),
        _ => throw new ArgumentException($"a categorical choice must be null, bool, a number or a string (got {choice.GetType().Name})"),
    };

    /// <summary>A JSON value as a categorical choice.</summary>
    public static object? NodeToChoice(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v when v.TryGetValue<double>(out var d) => d,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => throw new FormatException("a categorical choice must be null, bool, a number or a string"),
    };
}
