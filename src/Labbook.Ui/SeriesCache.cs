using System.Globalization;
using Labbook.Metrics;
using Labbook.Runs;

namespace Labbook.Ui;

/// <summary>One metric of one run as columns: step, value, and time in seconds since the Unix epoch (NaN when the row has none).</summary>
internal sealed class Series
{
    public List<double> Steps { get; } = [];

    public List<double> Values { get; } = [];

    public List<double> Times { get; } = [];
}

/// <summary>
/// The metric series of recently viewed runs, read from metrics.csv once and then only from where the
/// last read stopped (a live run costs its new lines). Old entries are dropped past a point budget.
/// </summary>
internal sealed class SeriesCache
{
    private const long PointBudget = 8_000_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, RunSeries> _byRun = new(StringComparer.Ordinal);
    private long _tick;

    /// <summary>The run's series, brought up to date with its metrics.csv.</summary>
    public IReadOnlyDictionary<string, Series> Get(RunInfo run, out IReadOnlyList<FileIssue> issues)
    {
        RunSeries entry;
        lock (_gate)
        {
            if (!_byRun.TryGetValue(run.Id, out entry!))
            {
                entry = new RunSeries();
                _byRun[run.Id] = entry;
            }
            entry.LastUse = ++_tick;
        }
        lock (entry)
        {
            var reader = new MetricReader();
            var end = entry.Offset;
            foreach (var p in reader.Read(run.MetricsPath, entry.Offset, e => end = e))
            {
                if (!entry.Metrics.TryGetValue(p.Name, out var s))
                {
                    s = new Series();
                    entry.Metrics[p.Name] = s;
                }
                s.Steps.Add(p.Step);
                s.Values.Add(p.Value);
                s.Times.Add(ParseTime(p.Time));
                entry.Points++;
            }
            entry.Offset = end;
            entry.Issues.AddRange(reader.Issues);
            issues = [.. entry.Issues];
            var copy = new Dictionary<string, Series>(entry.Metrics, StringComparer.Ordinal);
            Evict(run.Id);
            return copy;
        }
    }

    private void Evict(string keep)
    {
        lock (_gate)
        {
            var total = _byRun.Values.Sum(e => e.Points);
            foreach (var (id, e) in _byRun.OrderBy(kv => kv.Value.LastUse).ToList())
            {
                if (total <= PointBudget)
                {
                    break;
                }
                if (id != keep)
                {
                    _byRun.Remove(id);
                    total -= e.Points;
                }
            }
        }
    }

    private static double ParseTime(string text) =>
        text.Length > 0 && DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t)
            ? (t - DateTime.UnixEpoch).TotalSeconds
            : double.NaN;

    private sealed class RunSeries
    {
        public long Offset;
        public long Points;
        public long LastUse;
        public readonly Dictionary<string, Series> Metrics = new(StringComparer.Ordinal);
        public readonly List<FileIssue> Issues = [];
    }
}
