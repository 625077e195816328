using System.Globalization;
using Labbook.Sweeps;
using Labbook.Tuning;

namespace Labbook.Notebook;

/// <summary>A queue item as the notebook sees it: enough to list it in its entry and to say whether it started.</summary>
/// <param name="Id">The item id (<c>q3</c>).</param>
/// <param name="Entry">The entry the item names, or null.</param>
/// <param name="Label">Its name, else its command, for display.</param>
/// <param name="State">Its state in words: pending, running, done, failed, interrupted, removed.</param>
/// <param name="Run">The id of its latest run, or null when it never started.</param>
public sealed record QueuedWork(string Id, string? Entry, string Label, string State, string? Run)
{
    /// <summary>True while the item waits for a runner (it has not started, or waits for a retry).</summary>
    public bool IsPending => State == "pending";
}

/// <summary>A study (a sweep) as the notebook sees it: its trials and its best trial.</summary>
/// <param name="Name">The study name.</param>
/// <param name="Direction">Minimize or maximize.</param>
/// <param name="Trials">Its trials.</param>
public sealed record StudyWork(string Name, StudyDirection Direction, IReadOnlyList<FrozenTrial> Trials)
{
    /// <summary>The best complete trial (a NaN value never wins), or null.</summary>
    public FrozenTrial? Best
    {
        get
        {
            var complete = Trials.Where(t => t.State == TrialState.Complete && t.Value is { } v && !double.IsNaN(v));
            return Direction == StudyDirection.Minimize ? complete.MinBy(t => t.Value) : complete.MaxBy(t => t.Value);
        }
    }

    /// <summary>"12 trials: 10 complete, 2 pruned" (states in a fixed order, empty ones left out).</summary>
    public string CountText()
    {
        var parts = new List<string>();
        foreach (var (state, word) in new[] { (TrialState.Complete, "complete"), (TrialState.Pruned, "pruned"), (TrialState.Fail, "failed"), (TrialState.Running, "running"), (TrialState.Waiting, "waiting") })
        {
            var n = Trials.Count(t => t.State == state);
            if (n > 0)
            {
                parts.Add($"{n.ToString(CultureInfo.InvariantCulture)} {word}");
            }
        }
        var total = Trials.Count.ToString(CultureInfo.InvariantCulture);
        return parts.Count == 0 ? "no trials yet" : $"{total} trial{(Trials.Count == 1 ? "" : "s")}: {string.Join(", ", parts)}";
    }

    /// <summary>The best trial in words: "best trial 7: 0.31 (run 6fwy1n9xt) lr=0.01 depth=4", or null when no trial is complete.</summary>
    public string? BestText()
    {
        if (Best is not { } best)
        {
            return null;
        }
        var run = SweepRunner.RunIdOf(best);
        var values = string.Join(' ', best.Params.Select(p => p.Key + "=" + (p.Value is double d ? Prediction.Format(d) : Convert.ToString(p.Value, CultureInfo.InvariantCulture))));
        return $"best trial {best.Number.ToString(CultureInfo.InvariantCulture)}: {Prediction.Format(best.Value!.Value)}"
            + (run is not null ? $" (run {run})" : "") + (values.Length > 0 ? " " + values : "");
    }
}
