using System.Text.Json;
using Labbook.Tuning;

namespace Labbook.Bench.Hpo;

/// <summary>One parameter of a benchmark space (spaces/*.json), with its optional condition.</summary>
public sealed record SpaceParam(string Name, Distribution Distribution, string? ConditionParam, object? ConditionEquals);

/// <summary>A reference value of a benchmark function, for checking the port.</summary>
public sealed record SpaceCheck(Dictionary<string, object?> Params, double Value, ulong? NoiseSeed, ulong? EvalIndex, double? NoiseFreeValue);

/// <summary>A benchmark space as written by functions.py write-spaces.</summary>
public sealed class Space
{
    public required string Name { get; init; }

    public required IReadOnlyList<SpaceParam> Params { get; init; }

    public required double Optimum { get; init; }

    public required bool Maximize { get; init; }

    public required IReadOnlyList<SpaceCheck> Checks { get; init; }

    public static readonly string[] AllNames = ["branin", "hartmann6", "rosenbrock5", "levy10", "styblinski_tang8", "ml_surrogate", "hartmann6_noisy"];

    public static string Directory => Path.Combine(AppContext.BaseDirectory, "spaces");

    public static Space Load(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, name + ".json")));
        var root = doc.RootElement;
        var ps = new List<SpaceParam>();
        foreach (var prop in root.GetProperty("params").EnumerateObject())
        {
            var d = prop.Value;
            var type = d.GetProperty("type").GetString();
            var log = d.TryGetProperty("log", out var l) && l.GetBoolean();
            Distribution dist = type switch
            {
                "float" => new FloatDistribution(d.GetProperty("low").GetDouble(), d.GetProperty("high").GetDouble(), log),
                "int" => new IntDistribution(d.GetProperty("low").GetInt64(), d.GetProperty("high").GetInt64(), log),
                "categorical" => new CategoricalDistribution([.. d.GetProperty("choices").EnumerateArray().Select(ToObject)]),
                _ => throw new InvalidDataException($"{name}: unknown param type {type}"),
            };
            string? condParam = null;
            object? condEquals = null;
            if (d.TryGetProperty("condition", out var c) && c.ValueKind == JsonValueKind.Object)
            {
                condParam = c.GetProperty("param").GetString();
                condEquals = ToObject(c.GetProperty("equals"));
            }
            ps.Add(new SpaceParam(prop.Name, dist, condParam, condEquals));
        }
        var checks = new List<SpaceCheck>();
        foreach (var c in root.GetProperty("checks").EnumerateArray())
        {
            var p = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var prop in c.GetProperty("params").EnumerateObject())
            {
                p[prop.Name] = ToObject(prop.Value);
            }
            checks.Add(new SpaceCheck(
                p,
                c.GetProperty("value").GetDouble(),
                c.TryGetProperty("noise_seed", out var ns) ? ns.GetUInt64() : null,
                c.TryGetProperty("eval_index", out var ei) ? ei.GetUInt64() : null,
                c.TryGetProperty("noise_free_value", out var nf) ? nf.GetDouble() : null));
        }
        return new Space
        {
            Name = name,
            Params = ps,
            Optimum = root.GetProperty("optimum").GetDouble(),
            Maximize = root.GetProperty("direction").GetString() == "maximize",
            Checks = checks,
        };
    }

    /// <summary>JSON numbers with a fraction or exponent are doubles, others longs; as Python reads them.</summary>
    private static object? ToObject(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number when e.GetRawText().IndexOfAny(['.', 'e', 'E']) >= 0 => e.GetDouble(),
        JsonValueKind.Number => e.GetInt64(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        _ => throw new InvalidDataException($"unsupported JSON value {e}"),
    };
}
