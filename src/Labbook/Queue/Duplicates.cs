using System.Text.Json.Nodes;
using Labbook.Runs;

namespace Labbook.Queue;

/// <summary>A completed run that an item would repeat.</summary>
/// <param name="Run">The run id.</param>
/// <param name="Ended">When it ended, UTC.</param>
public sealed record DuplicateRun(string Run, DateTime? Ended);

/// <summary>
/// Finds completed runs that an item would repeat: the same resolved argv, the same params and
/// the same git commit (a dirty tree counts as its commit: the diff is not compared).
/// </summary>
public sealed class Duplicates
{
    private readonly Dictionary<string, DuplicateRun> _byKey = new(StringComparer.Ordinal);

    /// <summary>Indexes completed runs.</summary>
    public Duplicates(IEnumerable<RunInfo> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        foreach (var run in runs)
        {
            if (run.Status == RunStatus.Completed)
            {
                _byKey[Key(run.Record.Argv, run.Record.Params, run.Record.Git?.Commit)] = new DuplicateRun(run.Id, run.Record.Ended);
            }
        }
    }

    /// <summary>The latest completed run the item repeats on <paramref name="commit"/>, or null.</summary>
    public DuplicateRun? Find(QueueItem item, string? commit)
    {
        ArgumentNullException.ThrowIfNull(item);
        return _byKey.TryGetValue(Key(item.ResolvedArgv(), item.Params, commit), out var run) ? run : null;
    }

    private static string Key(IReadOnlyList<string> argv, IReadOnlyDictionary<string, JsonNode?> parameters, string? commit)
    {
        var p = string.Join('\u001f', parameters.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + (kv.Value?.ToJsonString() ?? "null")));
        return string.Join('\u001f', argv) + "\u001e" + p + "\u001e" + commit;
    }
}
