using System.Text.Json;
using System.Text.Json.Nodes;
using Labbook.Json;
using Labbook.Runs;

namespace Labbook.Cli.Commands;

/// <summary>The JSON shape of a run in <c>--json</c> output: run.json with the effective status and the summary.</summary>
internal static class RunJson
{
    public static JsonObject ToNode(RunInfo run)
    {
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
