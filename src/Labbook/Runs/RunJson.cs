using System.Text.Json;
using System.Text.Json.Nodes;
using Labbook.Json;
namespace Labbook.Runs;

/// <summary>The JSON shape of a run in <c>--json</c> output: run.json with the effective status and the summary.</summary>
public static class RunJson
{
    /// <summary>run.json as a JSON object, with the effective status, the run's folder and its summary when there is one.</summary>
    public static JsonObject ToNode(RunInfo run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var node = JsonSerializer.SerializeToNode(run.Record, LabJsonContext.Default.RunRecord)!.AsObject();
        node["status"] = run.Status.ToText();
        node["directory"] = run.Directory;
        if (run.Summary is { } summary)
        {
            node["summary"] = JsonSerializer.SerializeToNode(summary, LabJsonContext.Default.RunSummary);
        }
        return node;
    }
}
