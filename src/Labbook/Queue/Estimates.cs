using System.Globalization;
using System.Text;
using Labbook.Runs;
using Labbook.Workspaces;

namespace Labbook.Queue;

/// <summary>An expected duration and where it comes from.</summary>
/// <param name="Duration">The duration, or null when unknown (shown as <c>?</c>).</param>
/// <param name="Basis">In words: "--est", "median of 7 similar runs", "no similar run".</param>
/// <param name="Similar">How many similar runs the median used.</param>
public sealed record Estimate(TimeSpan? Duration, string Basis, int Similar);

/// <summary>A completed run's duration, keyed for similarity.</summary>
/// <param name="Argv">The run's argv.</param>
/// <param name="Name">The run's name.</param>
/// <param name="Duration">How long it took.</param>
public sealed record PastRun(IReadOnlyList<string> Argv, string? Name, TimeSpan Duration)
{
    /// <summary>The run's parameters (JSON text of each value), for matching items with the same ones.</summary>
    public IReadOnlyDictionary<string, string> Params { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// Expected durations. An item's own <c>--est</c> wins. Else the median duration of similar completed runs, the
/// closest kind of similarity that has any: all of them share the command with params stripped (the argv elements
/// before the first one that starts with '-' or a digit, or holds '=' or a placeholder: <c>python train.py</c>), and
/// then, in order, (1) the same name pattern (the name with digit runs read as one wildcard; no name matches no
/// name), (2) the same parameters, (3) nothing more. The estimate's basis says which. Else unknown.
/// </summary>
public sealed class Estimator
{
    private readonly Dictionary<string, List<double>> _byKey = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<double>> _byParams = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<double>> _byCommand = new(StringComparer.Ordinal);

    /// <summary>Builds the history from past completed runs.</summary>
    public Estimator(IEnumerable<PastRun> completedRuns)
    {
        ArgumentNullException.ThrowIfNull(completedRuns);
        foreach (var run in completedRuns)
        {
            var command = CommandKey(run.Argv);
            Add(_byKey, Key(run.Argv, run.Name), run.Duration);
            Add(_byParams, command + "\u001e" + ParamsKey(run.Params), run.Duration);
            Add(_byCommand, command, run.Duration);
        }
    }

    private static void Add(Dictionary<string, List<double>> index, string key, TimeSpan duration)
    {
        if (!index.TryGetValue(key, out var list))
        {
            list = [];
            index[key] = list;
        }
        list.Add(duration.TotalSeconds);
    }

    /// <summary>A parameter set as one comparable string (sorted names, JSON values).</summary>
    public static string ParamsKey(IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return string.Join('\u001f', parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value));
    }

    private static Dictionary<string, string> ParamsText(Dictionary<string, System.Text.Json.Nodes.JsonNode?> parameters) =>
        parameters.ToDictionary(p => p.Key, p => p.Value?.ToJsonString() ?? "null", StringComparer.Ordinal);

    /// <summary>Reads completed runs of the workspace (reading only).</summary>
    public static Estimator FromRuns(RunStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        var past = new List<PastRun>();
        foreach (var run in store.LoadAll(withSummary: false))
        {
            if (run.Status == RunStatus.Completed && run.Record.DurationS is { } d)
            {
                past.Add(Past(run.Record, TimeSpan.FromSeconds(d)));
            }
        }
        return new Estimator(past);
    }

    /// <summary>A completed run as the estimator keys it.</summary>
    public static PastRun Past(RunRecord record, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new PastRun(record.Argv, record.Name, duration) { Params = ParamsText(record.Params) };
    }

    /// <summary>The estimate for an item.</summary>
    public Estimate For(QueueItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (item.EstS is { } est)
        {
            return new Estimate(TimeSpan.FromSeconds(est), "--est", 0);
        }
        var command = CommandKey(item.Argv);
        var script = Names.Escape(command.Replace('\u001f', ' '));
        (Dictionary<string, List<double>> Index, string Key, string Kind)[] tiers =
        [
            (_byKey, Key(item.Argv, item.Name), "similar"),
            (_byParams, command + "\u001e" + ParamsKey(ParamsText(item.Params)), $"{script} with these params"),
            (_byCommand, command, $"{script} (other names or params)"),
        ];
        foreach (var (index, key, kind) in tiers)
        {
            // Without a command (an argv that starts with a placeholder) only the name can tell runs apart.
            if ((kind == "similar" || command.Length > 0) && index.TryGetValue(key, out var durations) && durations.Count > 0)
            {
                var count = durations.Count.ToString(CultureInfo.InvariantCulture);
                var basis = kind == "similar"
                    ? (durations.Count == 1 ? "1 similar run" : $"median of {count} similar runs")
                    : (durations.Count == 1 ? $"1 run of {kind}" : $"median of {count} runs of {kind}");
                return new Estimate(TimeSpan.FromSeconds(Median(durations)), basis, durations.Count);
            }
        }
        return new Estimate(null, "no similar completed run", 0);
    }

    /// <summary>The command with params stripped: argv elements before the first option or placeholder.</summary>
    public static string CommandKey(IReadOnlyList<string> argv)
    {
        ArgumentNullException.ThrowIfNull(argv);
        var parts = new List<string>();
        foreach (var a in argv)
        {
            if (a.Length == 0 || a[0] == '-' || char.IsAsciiDigit(a[0]) || a.Contains('{', StringComparison.Ordinal) || a.Contains('=', StringComparison.Ordinal))
            {
                break;
            }
            parts.Add(a);
        }
        return string.Join('\u001f', parts);
    }

    /// <summary>The name with each run of digits replaced by '#'.</summary>
    public static string NamePattern(string? name)
    {
        if (name is null)
        {
            return "";
        }
        var sb = new StringBuilder(name.Length);
        var inDigits = false;
        foreach (var c in name)
        {
            if (char.IsAsciiDigit(c))
            {
                if (!inDigits)
                {
                    sb.Append('#');
                }
                inDigits = true;
            }
            else
            {
                sb.Append(c);
                inDigits = false;
            }
        }
        return sb.ToString();
    }

    private static string Key(IReadOnlyList<string> argv, string? name) => CommandKey(argv) + "\u001e" + NamePattern(name);

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
