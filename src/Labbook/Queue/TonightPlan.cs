using System.Globalization;
using Labbook.Runs;

namespace Labbook.Queue;

/// <summary>One item placed on the projected timeline.</summary>
public sealed class PlannedItem
{
    /// <summary>The item.</summary>
    public required ItemView View { get; init; }

    /// <summary>The slot(s) it is projected on.</summary>
    public required string Slot { get; init; }

    /// <summary>Projected start, UTC.</summary>
    public DateTime Start { get; init; }

    /// <summary>Projected end, UTC (equal to start when the estimate is unknown).</summary>
    public DateTime End { get; init; }

    /// <summary>The estimate.</summary>
    public required Estimate Estimate { get; init; }

    /// <summary>True for an item already running.</summary>
    public bool Running { get; init; }
}

/// <summary>The evening plan: every pending and running item on a projected timeline, and warnings.</summary>
public sealed class TonightPlan
{
    /// <summary>The planning time, UTC.</summary>
    public DateTime Now { get; init; }

    /// <summary>The morning, UTC.</summary>
    public DateTime Morning { get; init; }

    /// <summary>The slots planned on.</summary>
    public List<string> Slots { get; init; } = [];

    /// <summary>Items in projected start order.</summary>
    public List<PlannedItem> Items { get; } = [];

    /// <summary>When each slot becomes idle, UTC.</summary>
    public Dictionary<string, DateTime> IdleFrom { get; } = new(StringComparer.Ordinal);

    /// <summary>The projected finish of everything, UTC.</summary>
    public DateTime Finish { get; set; }

    /// <summary>True when some estimate is unknown (the finish is then a lower bound).</summary>
    public bool HasUnknown => Items.Any(i => i.Estimate.Duration is null);

    /// <summary>Warnings, one line each.</summary>
    public List<string> Warnings { get; } = [];

    /// <summary>Projects the plan. Deterministic: everything time-dependent comes in through the arguments.</summary>
    /// <param name="state">The queue.</param>
    /// <param name="slots">Slot names, with the GPU count each stands for (1 for plain slots).</param>
    /// <param name="estimator">Expected durations.</param>
    /// <param name="duplicates">Completed runs, for repeats; null to skip the check.</param>
    /// <param name="commit">The current git commit, for repeats.</param>
    /// <param name="baselineEntries">Notebook entries that already have a completed baseline run.</param>
    /// <param name="utcNow">Now.</param>
    /// <param name="morningUtc">The morning.</param>
    /// <param name="formatLocal">Formats a UTC time for warnings (local HH:mm).</param>
    public static TonightPlan Build(QueueState state, IReadOnlyList<string> slots, Estimator estimator, Duplicates? duplicates, string? commit,
        IReadOnlySet<string> baselineEntries, DateTime utcNow, DateTime morningUtc, Func<DateTime, string> formatLocal)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(slots);
        ArgumentNullException.ThrowIfNull(estimator);
        ArgumentNullException.ThrowIfNull(baselineEntries);
        ArgumentNullException.ThrowIfNull(formatLocal);
        var plan = new TonightPlan { Now = utcNow, Morning = morningUtc, Slots = [.. slots] };
        var free = slots.ToDictionary(s => s, _ => utcNow, StringComparer.Ordinal);
        var placed = slots.ToDictionary(s => s, _ => 0, StringComparer.Ordinal);
        var unknownOn = new HashSet<string>(StringComparer.Ordinal);
        foreach (var view in state.Ordered.Where(v => v.State == ItemState.Running && v.Lease is not null))
        {
            var est = estimator.For(view.Item);
            var started = view.Lease!.Started ?? view.Lease.Since;
            var end = est.Duration is { } d ? Max(started + d, utcNow) : utcNow;
            var names = view.Lease.Slot?.Split('+').Where(free.ContainsKey).ToList() ?? [];
            if (names.Count == 0 && free.Count > 0)
            {
                names = [free.OrderBy(kv => kv.Value).First().Key];
            }
            foreach (var n in names)
            {
                free[n] = Max(free[n], end);
                placed[n]++;
                if (est.Duration is null)
                {
                    unknownOn.Add(n);
                }
            }
            plan.Items.Add(new PlannedItem { View = view, Slot = string.Join('+', names), Start = started, End = end, Estimate = est, Running = true });
        }
        var unplaceable = new List<string>();
        foreach (var view in state.PendingInRunOrder())
        {
            var width = Math.Max(1, view.Item.Gpus);
            if (width > slots.Count)
            {
                unplaceable.Add(view.Id);
                continue;
            }
            // Among slots free at the same time, the one with the fewest items: items without an estimate take no time
            // on the projection, and would otherwise all stack on the first slot while -j runs them side by side.
            var chosen = free.OrderBy(kv => kv.Value).ThenBy(kv => placed[kv.Key]).ThenBy(kv => slots.ToList().IndexOf(kv.Key)).Take(width).Select(kv => kv.Key).ToList();
            var start = chosen.Max(n => free[n]);
            var est = estimator.For(view.Item);
            var end = start + (est.Duration ?? TimeSpan.Zero);
            foreach (var n in chosen)
            {
                free[n] = end;
                placed[n]++;
                if (est.Duration is null)
                {
                    unknownOn.Add(n);
                }
            }
            plan.Items.Add(new PlannedItem { View = view, Slot = string.Join('+', chosen), Start = start, End = end, Estimate = est });
        }
        foreach (var (slot, t) in free)
        {
            plan.IdleFrom[slot] = t;
        }
        plan.Finish = free.Count == 0 ? utcNow : free.Values.Max();
        var pending = plan.Items.Where(i => !i.Running).ToList();

        if (pending.Count == 0 && !plan.Items.Any(i => i.Running))
        {
            plan.Warnings.Add("the queue is empty: add work with lab queue add");
        }
        if (plan.Finish > morningUtc)
        {
            plan.Warnings.Add($"projected finish {formatLocal(plan.Finish)} is after the morning ({formatLocal(morningUtc)})");
        }
        foreach (var slot in slots)
        {
            var idle = plan.IdleFrom[slot];
            // A slot running an item of unknown length is not known to be idle: the no-estimate warning says so instead.
            if (!unknownOn.Contains(slot) && idle < morningUtc && morningUtc - idle >= TimeSpan.FromMinutes(30) && (pending.Count > 0 || plan.Items.Count > 0))
            {
                plan.Warnings.Add($"slot {slot} idle from {formatLocal(idle)}: add work?");
            }
        }
        var noWhy = pending.Where(i => string.IsNullOrWhiteSpace(i.View.Item.Why)).Select(i => i.View.Id).ToList();
        if (noWhy.Count > 0)
        {
            plan.Warnings.Add($"{Count(noWhy.Count, "item")} with no why: {List(noWhy)}");
        }
        var unknown = pending.Where(i => i.Estimate.Duration is null).Select(i => i.View.Id).ToList();
        if (unknown.Count > 0)
        {
            plan.Warnings.Add($"{Count(unknown.Count, "item")} with no estimate (?): {List(unknown)} (give --est, or run one first)");
        }
        if (unplaceable.Count > 0)
        {
            plan.Warnings.Add($"{Count(unplaceable.Count, "item")} need more GPUs than the {slots.Count} slot(s) planned: {List(unplaceable)}");
        }
        var queuedEntries = pending.Select(i => i.View.Item.Entry).Where(e => e is not null).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var entry in queuedEntries)
        {
            var hasBaseline = baselineEntries.Contains(entry!) || state.Ordered.Any(v => v.Item.Entry == entry && v.State is ItemState.Pending or ItemState.Running or ItemState.Done && v.Item.Tags.Contains(ItemFactory.BaselineTag));
            if (!hasBaseline)
            {
                plan.Warnings.Add($"entry {entry} has queued work but no baseline (queue one with --tag baseline, or use --ablate)");
            }
        }
        if (duplicates is not null)
        {
            foreach (var p in pending)
            {
                if (duplicates.Find(p.View.Item, commit) is { } dup)
                {
                    plan.Warnings.Add($"{p.View.Id} repeats completed run {dup.Run}{(dup.Ended is { } e ? " (" + formatLocal(e) + ")" : "")} on the same code");
                }
            }
        }
        return plan;
    }

    private static DateTime Max(DateTime a, DateTime b) => a > b ? a : b;

    private static string Count(int n, string noun) => n.ToString(CultureInfo.InvariantCulture) + " " + noun + (n == 1 ? "" : "s");

    private static string List(List<string> ids) => ids.Count <= 8 ? string.Join(", ", ids) : string.Join(", ", ids.Take(8)) + $" and {ids.Count - 8} more";
}

/// <summary>Notebook entries with a completed baseline run.</summary>
public static class Baselines
{
    /// <summary>Entries of completed runs tagged baseline.</summary>
    public static HashSet<string> Entries(IEnumerable<RunInfo> runs) =>
        runs.Where(r => r.Status == RunStatus.Completed && r.Record.Entry is not null && r.Record.Tags.Contains(ItemFactory.BaselineTag))
            .Select(r => r.Record.Entry!).ToHashSet(StringComparer.Ordinal);
}
