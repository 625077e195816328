using Labbook.Metrics;
using Labbook.Runs;

namespace Labbook.Ui;

/// <summary>
/// The runs the dashboard shows, kept in memory and brought up to date by cheap checks: one folder
/// listing for new runs, and a stat of run.json/summary.json/metrics.csv for the runs that can still
/// change. This is the one seam through which the server gets its runs list, so that a derived run
/// index can replace the folder scan without touching the API.
/// </summary>
internal sealed class RunsSource
{
    private readonly RunStore _store;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _runs = new(StringComparer.Ordinal);
    private List<RunInfo>? _ordered;

    public RunsSource(RunStore store)
    {
        _store = store;
    }

    /// <summary>Increases whenever any run changes.</summary>
    public long Version { get; private set; }

    /// <summary>Malformed run files met while loading (shown once in the log, never fatal).</summary>
    public List<string> Issues { get; } = [];

    /// <summary>Every run, in order of start time.</summary>
    public IReadOnlyList<RunInfo> All()
    {
        lock (_gate)
        {
            return _ordered ??= [.. _runs.Values.Select(e => e.Run).OrderBy(r => r.Record.Started).ThenBy(r => r.Id, StringComparer.Ordinal)];
        }
    }

    /// <summary>One run by exact id, or null.</summary>
    public RunInfo? Find(string id)
    {
        lock (_gate)
        {
            return _runs.TryGetValue(id, out var e) ? e.Run : null;
        }
    }

    /// <summary>Loads the runs not yet known and drops the ones whose folder is gone; returns the ids that changed.</summary>
    public List<string> Rescan()
    {
        var ids = _store.ListIds();
        var changed = new List<string>();
        var present = new HashSet<string>(ids, StringComparer.Ordinal);
        List<string> unknown;
        lock (_gate)
        {
            unknown = [.. ids.Where(id => !_runs.ContainsKey(id))];
            foreach (var gone in _runs.Keys.Where(id => !present.Contains(id)).ToList())
            {
                _runs.Remove(gone);
                changed.Add(gone);
            }
        }
        // Loading is the slow part at thousands of runs: spread it over the cores, outside the lock.
        var loaded = new Entry?[unknown.Count];
        Parallel.For(0, unknown.Count, i => loaded[i] = Load(unknown[i]));
        lock (_gate)
        {
            foreach (var entry in loaded)
            {
                if (entry is not null)
                {
                    _runs[entry.Run.Id] = entry;
                    changed.Add(entry.Run.Id);
                }
            }
            Touch(changed.Count);
        }
        return changed;
    }

    /// <summary>Re-reads the runs whose files changed; <paramref name="all"/> stats every run, otherwise only those still queued or running.</summary>
    public List<string> CheckForChanges(bool all)
    {
        List<Entry> candidates;
        lock (_gate)
        {
            candidates = [.. _runs.Values.Where(e => all || !e.Run.Status.IsFinal() || e.LiveSummary)];
        }
        var changed = new List<string>();
        foreach (var entry in candidates)
        {
            var stamp = Stamp.Of(entry.Run.Directory);
            if (stamp == entry.Stamp)
            {
                continue;
            }
            var fresh = Load(entry.Run.Id, entry);
            lock (_gate)
            {
                if (fresh is null)
                {
                    _runs.Remove(entry.Run.Id);
                }
                else
                {
                    _runs[entry.Run.Id] = fresh;
                }
                changed.Add(entry.Run.Id);
                Touch(1);
            }
        }
        return changed;
    }

    private void Touch(int changes)
    {
        if (changes > 0)
        {
            _ordered = null;
            Version++;
        }
    }

    private Entry? Load(string id, Entry? previous = null)
    {
        try
        {
            var stamp = Stamp.Of(_store.Workspace.RunDirectory(id));
            var run = _store.Load(id);
            if (run is null)
            {
                return null;
            }
            if (run.Summary is not null || !File.Exists(run.MetricsPath))
            {
                return new Entry(run, stamp, LiveSummary: false, null);
            }
            // A run still writing has no summary.json yet: summarize metrics.csv, continuing from the
            // last read so a live run costs only its new lines.
            var reader = new MetricReader();
            var summary = reader.Summarize(run.MetricsPath, previous?.Partial is { } partial ? Copy(partial) : null);
            var withSummary = new RunInfo { Directory = run.Directory, Record = run.Record, Status = run.Status, Summary = summary };
            return new Entry(withSummary, stamp, LiveSummary: true, summary);
        }
        catch (FormatException e)
        {
            lock (_gate)
            {
                Issues.Add(e.Message);
            }
            return null;
        }
        catch (IOException e)
        {
            lock (_gate)
            {
                Issues.Add($"{_store.Workspace.RunDirectory(id)}: {e.Message}");
            }
            return null;
        }
    }

    // Summarize continues in place; the previous summary may be being serialized by a request meanwhile.
    private static RunSummary Copy(RunSummary s)
    {
        var copy = new RunSummary { MetricsBytes = s.MetricsBytes, Values = new(s.Values, StringComparer.Ordinal) };
        foreach (var (name, m) in s.Metrics)
        {
            copy.Metrics[name] = new MetricStats { Last = m.Last, LastStep = m.LastStep, Min = m.Min, MinStep = m.MinStep, Max = m.Max, MaxStep = m.MaxStep, Count = m.Count, NanCount = m.NanCount };
        }
        return copy;
    }

    private sealed record Entry(RunInfo Run, Stamp Stamp, bool LiveSummary, RunSummary? Partial);

    /// <summary>Sizes and modification times of the files a listing depends on.</summary>
    private readonly record struct Stamp(long RecordTicks, long RecordLength, long SummaryTicks, long MetricsLength)
    {
        public static Stamp Of(string dir)
        {
            var record = new FileInfo(Path.Combine(dir, RunFiles.Record));
            var summary = new FileInfo(Path.Combine(dir, RunFiles.Summary));
            var metrics = new FileInfo(Path.Combine(dir, RunFiles.Metrics));
            return new Stamp(
                record.Exists ? record.LastWriteTimeUtc.Ticks : 0,
                record.Exists ? record.Length : -1,
                summary.Exists ? summary.LastWriteTimeUtc.Ticks : 0,
                metrics.Exists ? metrics.Length : -1);
        }
    }
}
