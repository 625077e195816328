using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Labbook.Queue;

/// <summary>Source-generated JSON for the queue journal: one compact object per line, snake_case.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = false,
    Converters = [typeof(Json.NonFiniteDoubleConverter)])]
[JsonSerializable(typeof(QueueOp))]
[JsonSerializable(typeof(JsonNode))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(JsonArray))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(bool))]
internal sealed partial class QueueJsonContext : JsonSerializerContext;
