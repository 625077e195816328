using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Labbook.Metrics;
using Labbook.Runs;

namespace Labbook.Json;

/// <summary>Source-generated JSON for every file Labbook writes: snake_case keys, strict JSON numbers.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true,
    Converters = [typeof(NonFiniteDoubleConverter)])]
[JsonSerializable(typeof(RunRecord))]
[JsonSerializable(typeof(RunSummary))]
[JsonSerializable(typeof(Dictionary<string, JsonNode?>))]
[JsonSerializable(typeof(Dictionary<string, double>))]
[JsonSerializable(typeof(List<RunRecord>))]
[JsonSerializable(typeof(JsonNode))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(JsonArray))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(bool))]
internal sealed partial class LabJsonContext : JsonSerializerContext;

/// <summary>Reading and writing the workspace's JSON files.</summary>
internal static class LabJson
{
    private static readonly JsonSerializerOptions CompactOptions = new(LabJsonContext.Default.Options) { WriteIndented = false };

    /// <summary>Options for writing a JsonNode tree compactly and strictly (no reflection needed).</summary>
    public static readonly JsonSerializerOptions CompactNodeOptions = new(LabJsonContext.Default.Options) { WriteIndented = false };

    /// <summary>Options for writing a JsonNode tree indented.</summary>
    public static readonly JsonSerializerOptions IndentedNodeOptions = new(LabJsonContext.Default.Options) { WriteIndented = true };

    /// <summary>
    /// A JSON number node that writes <paramref name="value"/> with the workspace's converter (shortest exact digits,
    /// non-finite values as strings); <c>JsonValue.Create(double)</c> would write .NET's digits, which do not
    /// read back as the same double for every value (2^-25).
    /// </summary>
    public static JsonValue Number(double value) => JsonValue.Create(value, LabJsonContext.Default.Double)!;

    /// <summary>Serializes on one line (for environment variables, JSON Lines and --json output).</summary>
    public static string Compact<T>(T value) =>
        JsonSerializer.Serialize(value, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)CompactOptions.GetTypeInfo(typeof(T)));

    public static byte[] Serialize<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info) =>
        JsonSerializer.SerializeToUtf8Bytes(value, info);

    /// <summary>Reads a JSON file, naming the file and line in the error when it is malformed.</summary>
    public static T Read<T>(string path, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info)
    {
        var bytes = File.ReadAllBytes(path);
        try
        {
            return JsonSerializer.Deserialize(bytes, info) ?? throw new FormatException($"{path}: line 1: empty JSON document");
        }
        catch (JsonException e)
        {
            var line = (e.LineNumber ?? 0) + 1;
            throw new FormatException($"{path}: line {line}: {FirstSentence(e.Message)}", e);
        }
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(". Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
