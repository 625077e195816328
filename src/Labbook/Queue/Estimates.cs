using System.Globalization;
using System.Text;
using Labbook.Runs;

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
public sealed record PastRun(IReadOnlyList<string> Argv, string? Name, TimeSpan Duration);

/// <summary>
/// Expected durations. An item's own <c>--est</c> wins. Else the median duration of similar
/// completed runs, where similar means: the same command with params stripped — the argv elements
/// before the first one that starts with '-' or a digit, or holds '=' or a placeholder (<c>python train.py</c>) — and
/// the same name pattern (the name with digit runs read as one wildcard; no name matches no name).
/// Else unknown.
/// </summary>
public sealed class Estimator
{
    private readonly Dictionary<string, List<double>> _byKey = new(StringComparer.Ordinal);

    /// <summary>Builds the history from past completed runs.</summary>
    public Estimator(IEnumerable<PastRun> completedRuns)
    {
        ArgumentNullException.ThrowIfNull(completedRuns);
        foreach (var run in completedRuns)
        {
            var key = Key(run.Argv, run.Name);
            if (!_byKey.TryGetValue(key, out var list))
            {
                list = [];
                _byKey[key] = list;
            }
            list.Add(run.Duration.TotalSeconds);
        }
    }

    /// <summary>Reads completed runs of the workspace (reading only).</summary>
    public static Estimator FromRuns(RunStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        var past = new List<PastRun>();
        foreach (var run in store.LoadAll(withSummary: false))
        {
            if (run.Status == RunStatus.Completed && run.Record.DurationS is { } d)
            {
                past.Add(new PastRun(run.Record.Argv, run.Record.Name, TimeSpan.FromSeconds(d)));
            }
        }
        return new Estimator(past);
    }

    /// <summary>The estimate for an item.</summary>
    public Estimate For(QueueItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (item.EstS is { } est)
        {
            return new Estimate(TimeSpan.FromSeconds(est), "--est", 0);
        }
        if (_byKey.TryGetValue(Key(item.Argv, item.Name), out var durations) && durations.Count > 0)
        {
            var median = Median(durations);
            var basis = durations.Count == 1 ? "1 similar run" : $"median of {durations.Count.ToString(CultureInfo.InvariantCulture)} similar runs";
            return new Estimate(TimeSpan.FromSeconds(median), basis, durations.Count);
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
