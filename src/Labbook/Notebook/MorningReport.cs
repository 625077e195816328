using System.Globalization;
using System.Text;
using Labbook.Runs;
using Labbook.Sweeps;
using Labbook.Tuning;

namespace Labbook.Notebook;

/// <summary>A run that ended badly, with the end of its log.</summary>
/// <param name="Run">The run.</param>
/// <param name="How">Exit code, signal or reason in words.</param>
/// <param name="Tail">The last lines of output.log.</param>
public sealed record RunFailure(RunInfo Run, string How, IReadOnlyList<string> Tail);

/// <summary>One entry's night.</summary>
public sealed class EntryMorning
{
    /// <summary>The entry.</summary>
    public required NotebookEntry Entry { get; init; }

    /// <summary>Every run of the entry (attached in the notebook or naming it in run.json), oldest first.</summary>
    public required IReadOnlyList<RunInfo> Runs { get; init; }

    /// <summary>The runs with activity in the window (started, ended, or still running).</summary>
    public required IReadOnlyList<RunInfo> Active { get; init; }

    /// <summary>The best run of the entry and the metrics shown for it.</summary>
    public RunInfo? Best { get; init; }

    /// <summary>Key metrics of the best run, in display order.</summary>
    public IReadOnlyList<(string Metric, double Value)> KeyMetrics { get; init; } = [];

    /// <summary>Each prediction's verdict.</summary>
    public IReadOnlyList<PredictionResult> Predictions { get; init; } = [];

    /// <summary>Failed, killed and crashed runs in the window, with their log tails.</summary>
    public IReadOnlyList<RunFailure> Failures { get; init; } = [];

    /// <summary>The entry's queue items (naming the entry or listed in its attached block), in queue order.</summary>
    public IReadOnlyList<QueuedWork> Queued { get; init; } = [];

    /// <summary>The queue items that have not started yet.</summary>
    public IEnumerable<QueuedWork> NotStarted => Queued.Where(q => q.IsPending);

    /// <summary>The entry's studies (attached, or named by its runs), each with its best trial.</summary>
    public IReadOnlyList<StudyWork> Studies { get; init; } = [];

    /// <summary>Counts of the active runs by status, and the queue items not started, in a fixed order.</summary>
    public string Counts => MorningReport.CountText(Active, NotStarted.Count());
}

/// <summary>One slot's idle time in the window.</summary>
/// <param name="Slot">The slot label (the run's slot, its GPUs, or "main").</param>
/// <param name="IdleHours">Hours with no run on it.</param>
/// <param name="IdleSince">When its last run ended, if it is idle now.</param>
public sealed record SlotIdle(string Slot, double IdleHours, DateTime? IdleSince);

/// <summary>
/// What happened since the last look: per notebook entry with activity, the runs by status, the
/// failures with the tail of their logs, the best run, each prediction's verdict; the entries that
/// still need a conclusion; and the compute that sat idle. Built from run.json and summary.json only.
/// </summary>
public sealed class MorningReport
{
    /// <summary>How many lines of a failed run's log are shown.</summary>
    public const int TailLines = 5;

    /// <summary>The start of the window (UTC).</summary>
    public required DateTime SinceUtc { get; init; }

    /// <summary>The end of the window (UTC).</summary>
    public required DateTime NowUtc { get; init; }

    /// <summary>Entries with activity, in notebook order.</summary>
    public required IReadOnlyList<EntryMorning> Entries { get; init; }

    /// <summary>Entries whose runs are all finished, with at least one completed, and no conclusion yet.</summary>
    public required IReadOnlyList<NotebookEntry> NeedConclusion { get; init; }

    /// <summary>Runs with activity that belong to no entry.</summary>
    public required IReadOnlyList<RunInfo> Unfiled { get; init; }

    /// <summary>The idle-time window start: the first run start in the window (UTC), or null when nothing ran.</summary>
    public DateTime? IdleWindowStart { get; init; }

    /// <summary>Per slot idle time.</summary>
    public IReadOnlyList<SlotIdle> Idle { get; init; } = [];

    /// <summary>Total idle slot-hours.</summary>
    public double IdleSlotHours => Idle.Sum(s => s.IdleHours);

    /// <summary>Total slot-hours in the window.</summary>
    public double WindowSlotHours => IdleWindowStart is { } s ? Idle.Count * Math.Max(0, (NowUtc - s).TotalHours) : 0;

    /// <summary>Builds the report.</summary>
    /// <param name="notebook">The notebook.</param>
    /// <param name="runs">Every run of the workspace (read with summaries).</param>
    /// <param name="sinceUtc">Start of the window.</param>
    /// <param name="nowUtc">End of the window.</param>
    /// <param name="tail">Reads the last lines of a run's output.log.</param>
    /// <param name="queue">The queue's items (none when null); pending ones count as "not started" for their entry.</param>
    /// <param name="study">Reads a study by name (null when there is no such study); none are read when null.</param>
    public static MorningReport Build(NotebookDocument notebook, IReadOnlyList<RunInfo> runs, DateTime sinceUtc, DateTime nowUtc, Func<RunInfo, IReadOnlyList<string>> tail,
        IReadOnlyList<QueuedWork>? queue = null, Func<string, StudyWork?>? study = null)
    {
        ArgumentNullException.ThrowIfNull(notebook);
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(tail);
        var byId = new Dictionary<string, RunInfo>(StringComparer.Ordinal);
        foreach (var r in runs)
        {
            byId[r.Id] = r;
        }
        RunInfo? Find(string query)
        {
            if (byId.TryGetValue(query, out var exact))
            {
                return exact;
            }
            var named = runs.LastOrDefault(r => string.Equals(r.Record.Name, query, StringComparison.Ordinal));
            if (named is not null)
            {
                return named;
            }
            var prefixed = runs.Where(r => r.Id.StartsWith(query, StringComparison.Ordinal)).Take(2).ToList();
            return prefixed.Count == 1 ? prefixed[0] : null;
        }

        bool IsActive(RunInfo r) =>
            !r.Status.IsFinal()
            || (r.Record.Started is { } s && s >= sinceUtc)
            || (r.Record.Ended is { } e && e >= sinceUtc);

        var entries = new List<EntryMorning>();
        var needConclusion = new List<NotebookEntry>();
        var filed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in notebook.Entries)
        {
            var entryRuns = EntryRuns(entry, runs, byId);
            foreach (var r in entryRuns)
            {
                filed.Add(r.Id);
            }
            var queued = EntryQueue(entry, queue ?? []);
            var waiting = queued.Any(q => q.IsPending);
            if (!entry.IsConcluded && !waiting && entryRuns.Count > 0 && entryRuns.All(r => r.Status.IsFinal()) && entryRuns.Any(r => r.Status == RunStatus.Completed))
            {
                needConclusion.Add(entry);
            }
            var active = entryRuns.Where(IsActive).ToList();
            if (active.Count == 0 && !waiting)
            {
                continue;
            }
            var studies = new List<StudyWork>();
            if (study is not null)
            {
                foreach (var name in EntryStudies(entry, entryRuns))
                {
                    if (study(name) is { } found)
                    {
                        studies.Add(found);
                    }
                }
            }
            entries.Add(Summarize(entry, entryRuns, active, Find, tail, queued, studies));
        }
        var unfiled = runs.Where(r => !filed.Contains(r.Id) && IsActive(r)).ToList();
        var (windowStart, idle) = IdleTime(runs, sinceUtc, nowUtc);
        return new MorningReport
        {
            SinceUtc = sinceUtc,
            NowUtc = nowUtc,
            Entries = entries,
            NeedConclusion = needConclusion,
            Unfiled = unfiled,
            IdleWindowStart = windowStart,
            Idle = idle,
        };
    }

    /// <summary>
    /// The runs of an entry: those whose run.json names it, those its attached block lists, and the
    /// trials (runs with a study name) of the studies its attached block lists.
    /// </summary>
    public static List<RunInfo> EntryRuns(NotebookEntry entry, IReadOnlyList<RunInfo> runs, IReadOnlyDictionary<string, RunInfo> byId)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(byId);
        var result = new List<RunInfo>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in runs)
        {
            if (r.Record.Entry is { } e && string.Equals(NotebookDocument.NormalizeId(e), entry.Id, StringComparison.Ordinal) && seen.Add(r.Id))
            {
                result.Add(r);
            }
        }
        foreach (var id in entry.RunIds)
        {
            if (byId.TryGetValue(id, out var r) && seen.Add(r.Id))
            {
                result.Add(r);
            }
        }
        var studies = entry.Attached.Where(a => a.Kind == AttachmentKind.Study).Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
        if (studies.Count > 0)
        {
            foreach (var r in runs)
            {
                if (r.Record.Study is { } s && studies.Contains(s) && seen.Add(r.Id))
                {
                    result.Add(r);
                }
            }
        }
        // Ids order runs only to the second: the start time decides, the id breaks ties.
        result.Sort((a, b) =>
        {
            var byStart = Nullable.Compare(a.Record.Started, b.Record.Started);
            return byStart != 0 ? byStart : string.CompareOrdinal(a.Id, b.Id);
        });
        return result;
    }

    /// <summary>The queue items of an entry: those naming it and those its attached block lists, in queue order.</summary>
    public static List<QueuedWork> EntryQueue(NotebookEntry entry, IReadOnlyList<QueuedWork> queue)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(queue);
        var listed = entry.Attached.Where(a => a.Kind == AttachmentKind.Queue).Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
        return [.. queue.Where(q => listed.Contains(q.Id) || (q.Entry is { } e && string.Equals(NotebookDocument.NormalizeId(e), entry.Id, StringComparison.Ordinal)))];
    }

    /// <summary>The studies of an entry: those its attached block lists, then those its runs belong to.</summary>
    public static List<string> EntryStudies(NotebookEntry entry, IEnumerable<RunInfo> entryRuns)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(entryRuns);
        var names = entry.Attached.Where(a => a.Kind == AttachmentKind.Study).Select(a => a.Id).ToList();
        foreach (var r in entryRuns)
        {
            if (r.Record.Study is { } s && !names.Contains(s, StringComparer.Ordinal))
            {
                names.Add(s);
            }
        }
        return names;
    }

    /// <summary>
    /// The items of an entry's attached block after a report: what it lists already (never removed),
    /// then the runs that name the entry (except trials of a study the entry lists: the study stands
    /// for them), its queue items and its studies, each with a note on its state now.
    /// </summary>
    public static List<(Attachment Item, string? Note)> AttachedItems(EntryMorning morning)
    {
        ArgumentNullException.ThrowIfNull(morning);
        var items = morning.Entry.Attached.ToList();
        var listed = new HashSet<Attachment>(items);
        var studies = morning.Studies.Select(s => s.Name).Concat(items.Where(a => a.Kind == AttachmentKind.Study).Select(a => a.Id)).ToHashSet(StringComparer.Ordinal);
        void Add(Attachment a)
        {
            if (listed.Add(a))
            {
                items.Add(a);
            }
        }
        foreach (var r in morning.Runs)
        {
            if (r.Record.Study is not { } s || !studies.Contains(s))
            {
                Add(new Attachment(AttachmentKind.Run, r.Id));
            }
        }
        foreach (var q in morning.Queued)
        {
            Add(new Attachment(AttachmentKind.Queue, q.Id));
        }
        foreach (var s in studies)
        {
            Add(new Attachment(AttachmentKind.Study, s));
        }
        var runs = morning.Runs.ToDictionary(r => r.Id, StringComparer.Ordinal);
        var queue = morning.Queued.ToDictionary(q => q.Id, StringComparer.Ordinal);
        var byStudy = morning.Studies.ToDictionary(s => s.Name, StringComparer.Ordinal);
        string? Note(Attachment a) => a.Kind switch
        {
            AttachmentKind.Run when runs.TryGetValue(a.Id, out var r) =>
                r.Status.ToText() + (r.Record.Name is { } n ? " · " + n : "") + (r.Record.Tags.Count > 0 ? " · " + string.Join(",", r.Record.Tags) : ""),
            AttachmentKind.Queue when queue.TryGetValue(a.Id, out var q) =>
                (q.IsPending ? "not started" : q.State) + (q.Run is { } run ? " · run " + run : "") + " · " + q.Label,
            AttachmentKind.Study when byStudy.TryGetValue(a.Id, out var st) =>
                st.CountText() + (st.BestText() is { } best ? " · " + best : ""),
            _ => null,
        };
        return [.. items.Select(a => (a, Note(a)))];
    }

    private static EntryMorning Summarize(NotebookEntry entry, List<RunInfo> entryRuns, List<RunInfo> active, Func<string, RunInfo?> find, Func<RunInfo, IReadOnlyList<string>> tail,
        List<QueuedWork> queued, List<StudyWork> studies)
    {
        var verdicts = new List<PredictionResult>();
        Prediction? first = null;
        foreach (var text in entry.Predictions)
        {
            if (Prediction.TryParse(text, out var p, out var error))
            {
                first ??= p;
                verdicts.Add(p!.Evaluate(entryRuns, find));
            }
            else
            {
                verdicts.Add(new PredictionResult(text, PredictionOutcome.Undecidable, $"cannot read the prediction: {error!.Message}", null));
            }
        }

        // The best run: the one the first prediction judged; else the best completed run by the
        // first prediction's metric; else the latest completed run.
        var completed = entryRuns.Where(r => r.Status == RunStatus.Completed).ToList();
        RunInfo? best = null;
        var firstVerdict = verdicts.FirstOrDefault(v => v.RunId is not null);
        if (firstVerdict?.RunId is { } judged)
        {
            best = entryRuns.FirstOrDefault(r => r.Id == judged);
        }
        if (best is null && first is not null)
        {
            var withMetric = completed.Where(r => r.Summary?.Final(first.PrimaryMetric) is { } v && !double.IsNaN(v)).ToList();
            best = first.LowerIsBetter
                ? withMetric.OrderBy(r => r.Summary!.Final(first.PrimaryMetric)).FirstOrDefault()
                : withMetric.OrderByDescending(r => r.Summary!.Final(first.PrimaryMetric)).FirstOrDefault();
        }
        if (best is null && studies.Select(st => st.Best).FirstOrDefault(t => t is not null) is { } bestTrial && SweepRunner.RunIdOf(bestTrial) is { } trialRun)
        {
            // No prediction to rank by: a study's best trial is the entry's best run.
            best = completed.FirstOrDefault(r => r.Id == trialRun);
        }
        best ??= completed.LastOrDefault();

        var keys = new List<(string, double)>();
        if (best?.Summary is { } summary)
        {
            var names = new List<string>();
            foreach (var text in entry.Predictions)
            {
                if (Prediction.TryParse(text, out var p, out _) && !names.Contains(p!.PrimaryMetric))
                {
                    names.Add(p.PrimaryMetric);
                }
            }
            foreach (var name in summary.Values.Keys.Concat(summary.Metrics.Keys))
            {
                if (!names.Contains(name))
                {
                    names.Add(name);
                }
            }
            foreach (var name in names.Take(4))
            {
                if (summary.Final(name) is { } v)
                {
                    keys.Add((name, v));
                }
            }
        }

        var failures = new List<RunFailure>();
        foreach (var r in active)
        {
            if (r.Status is RunStatus.Failed or RunStatus.Killed or RunStatus.Crashed)
            {
                // Only the failures shown get their log read: a sweep may fail hundreds of trials.
                failures.Add(new RunFailure(r, How(r), failures.Count < MorningText.MaxFailuresShown ? tail(r) : []));
            }
        }
        return new EntryMorning { Entry = entry, Runs = entryRuns, Active = active, Best = best, KeyMetrics = keys, Predictions = verdicts, Failures = failures, Queued = queued, Studies = studies };
    }

    /// <summary>How a run ended, in words: "exit 3", "signal 9 (SIGKILL)", "crashed: lab died".</summary>
    public static string How(RunInfo run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var parts = new List<string>();
        if (run.Status == RunStatus.Crashed)
        {
            parts.Add("its owner process died without recording an end");
        }
        if (run.Record.ExitCode is { } code)
        {
            parts.Add("exit " + code.ToString(CultureInfo.InvariantCulture));
        }
        if (run.Record.Signal is { } signal)
        {
            parts.Add("signal " + signal.ToString(CultureInfo.InvariantCulture) + (signal switch { 9 => " (SIGKILL)", 15 => " (SIGTERM)", 2 => " (SIGINT)", 1 => " (SIGHUP)", 6 => " (SIGABRT)", 11 => " (SIGSEGV)", _ => "" }));
        }
        // The launcher's reason often repeats the exit code or signal in words; keep only news.
        if (run.Record.Reason is { } reason && reason.Length > 0 && !reason.StartsWith("exit code", StringComparison.Ordinal) && !reason.StartsWith("ended by signal", StringComparison.Ordinal))
        {
            parts.Add(reason);
        }
        if (run.Record.SlurmJob is { } job)
        {
            parts.Add("Slurm job " + job);
        }
        return parts.Count == 0 ? run.Status.ToText() : string.Join(", ", parts);
    }

    /// <summary>
    /// The runs whose curves a report draws for an entry: the latest <paramref name="count"/> that
    /// started, with the best run in place of the oldest of them when it is not among them.
    /// </summary>
    public static List<RunInfo> Plotted(EntryMorning entry, int count = 8)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var trials = TrialStates(entry);
        // Never a trial its study counted as failed (its curve is not a result), nor a run not started.
        var candidates = entry.Runs.Where(r => r.Status != RunStatus.Queued && !(trials.TryGetValue(r.Id, out var state) && state == TrialState.Fail)).ToList();
        var shown = new List<RunInfo>();
        void Take(RunInfo r)
        {
            if (shown.Count < count && !shown.Contains(r))
            {
                shown.Add(r);
            }
        }
        // The answer first: the best run, then the baselines it is judged against, then the latest others.
        if (entry.Best is { } best && candidates.Contains(best))
        {
            Take(best);
        }
        foreach (var r in candidates.Where(r => r.Record.Tags.Contains("baseline", StringComparer.Ordinal)).Reverse())
        {
            Take(r);
        }
        var leading = shown.Count;
        foreach (var r in Enumerable.Reverse(candidates))
        {
            Take(r);
        }
        // The latest others in the order they ran.
        shown.Reverse(leading, shown.Count - leading);
        return shown;
    }

    /// <summary>How a plotted run's state reads: a sweep trial's by its study's verdict (a run that completed can be a pruned or failed trial), else the run's status.</summary>
    public static string PlotState(EntryMorning entry, RunInfo run)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(run);
        return TrialStates(entry).TryGetValue(run.Id, out var state)
            ? state switch
            {
                TrialState.Complete => "complete trial",
                TrialState.Pruned => "pruned trial",
                TrialState.Fail => "failed trial",
                TrialState.Running => "running trial",
                _ => "waiting trial",
            }
            : run.Status.ToText();
    }

    private static Dictionary<string, TrialState> TrialStates(EntryMorning entry)
    {
        var states = new Dictionary<string, TrialState>(StringComparer.Ordinal);
        foreach (var trial in entry.Studies.SelectMany(s => s.Trials))
        {
            if (SweepRunner.RunIdOf(trial) is { } id)
            {
                states[id] = trial.State;
            }
        }
        return states;
    }

    /// <summary>"3 completed, 1 failed, 1 running, 2 not started" over some runs (and queue items not started), statuses in a fixed order.</summary>
    public static string CountText(IEnumerable<RunInfo> runs, int notStartedItems = 0)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var list = runs.ToList();
        RunStatus[] order = [RunStatus.Completed, RunStatus.Failed, RunStatus.Killed, RunStatus.Crashed, RunStatus.Pruned, RunStatus.Running, RunStatus.Queued];
        var parts = new List<string>();
        foreach (var s in order)
        {
            var n = list.Count(r => r.Status == s) + (s == RunStatus.Queued ? notStartedItems : 0);
            if (n > 0)
            {
                parts.Add($"{n.ToString(CultureInfo.InvariantCulture)} {(s == RunStatus.Queued ? "not started" : s.ToText())}");
            }
        }
        return parts.Count == 0 ? "no runs" : string.Join(", ", parts);
    }

    /// <summary>
    /// Idle slot-hours: the window runs from the first start of a run active in the report window
    /// (or the report window's start, if later) to now. Each slot seen in that window (a run's slot,
    /// else its GPUs, else "main") is busy while any of its runs is running and idle otherwise.
    /// </summary>
    internal static (DateTime? Start, List<SlotIdle> Slots) IdleTime(IReadOnlyList<RunInfo> runs, DateTime sinceUtc, DateTime nowUtc)
    {
        var intervals = new List<(string Slot, DateTime From, DateTime To)>();
        foreach (var r in runs)
        {
            if (r.Record.Started is not { } start)
            {
                continue;
            }
            var end = r.Record.Ended
                ?? (r.Status == RunStatus.Running ? nowUtc : Heartbeat.LastBeat(r.Directory) ?? start);
            if (end < sinceUtc || start > nowUtc)
            {
                continue;
            }
            var slot = r.Record.Slot is { } sl ? "slot " + sl : r.Record.Gpus is { Length: > 0 } g ? "gpu " + g : "main";
            intervals.Add((slot, start < sinceUtc ? sinceUtc : start, end > nowUtc ? nowUtc : end));
        }
        if (intervals.Count == 0)
        {
            return (null, []);
        }
        var windowStart = intervals.Min(i => i.From);
        var total = (nowUtc - windowStart).TotalHours;
        var result = new List<SlotIdle>();
        foreach (var group in intervals.GroupBy(i => i.Slot, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            double busy = 0;
            var cursor = windowStart;
            foreach (var (_, from, to) in group.OrderBy(i => i.From))
            {
                var f = from > cursor ? from : cursor;
                if (to > f)
                {
                    busy += (to - f).TotalHours;
                    cursor = to;
                }
            }
            var lastEnd = group.Max(i => i.To);
            var idleSince = lastEnd < nowUtc ? lastEnd : (DateTime?)null;
            result.Add(new SlotIdle(group.Key, Math.Max(0, total - busy), idleSince));
        }
        return (windowStart, result);
    }

    /// <summary>Reads the last <paramref name="count"/> lines of a log without reading the whole file.</summary>
    public static IReadOnlyList<string> ReadTail(string path, int count = TailLines)
    {
        if (!File.Exists(path))
        {
            return [];
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var size = stream.Length;
        var take = (int)Math.Min(size, 16 * 1024);
        stream.Seek(size - take, SeekOrigin.Begin);
        var buffer = new byte[take];
        stream.ReadExactly(buffer);
        var text = Encoding.UTF8.GetString(buffer);
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        if (take < size && lines.Count > 0)
        {
            lines.RemoveAt(0);
        }
        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }
        return lines.Skip(Math.Max(0, lines.Count - count)).ToList();
    }
}
