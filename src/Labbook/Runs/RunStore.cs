using Labbook.IO;
using Labbook.Json;
using Labbook.Metrics;
using Labbook.Processes;
using Labbook.Workspaces;

namespace Labbook.Runs;

/// <summary>A run as read from its folder, with its status as it really is now.</summary>
public sealed class RunInfo
{
    /// <summary>The run folder.</summary>
    public required string Directory { get; init; }

    /// <summary>The contents of run.json.</summary>
    public required RunRecord Record { get; init; }

    /// <summary>The status, with a dead owner's "running" turned into crashed.</summary>
    public required RunStatus Status { get; init; }

    /// <summary>The contents of summary.json, or null when there is none yet.</summary>
    public RunSummary? Summary { get; init; }

    /// <summary>The run id.</summary>
    public string Id => Record.Id;

    /// <summary>The metrics file.</summary>
    public string MetricsPath => Path.Combine(Directory, RunFiles.Metrics);

    /// <summary>The output log.</summary>
    public string OutputPath => Path.Combine(Directory, RunFiles.Output);

    /// <summary>The run's duration: recorded when it ended, else up to now.</summary>
    public TimeSpan? Duration(DateTime utcNow) =>
        Record.DurationS is { } d ? TimeSpan.FromSeconds(d)
        : Record.Started is { } s && !Status.IsFinal() ? utcNow - s
        : Record.Started is { } s2 && Record.Ended is { } e ? e - s2
        : null;
}

/// <summary>The names of the files in a run folder.</summary>
public static class RunFiles
{
    /// <summary>What ran and how it ended.</summary>
    public const string Record = "run.json";

    /// <summary>The metrics, long format.</summary>
    public const string Metrics = "metrics.csv";

    /// <summary>The child's stdout and stderr.</summary>
    public const string Output = "output.log";

    /// <summary>Per-metric summaries.</summary>
    public const string Summary = "summary.json";

    /// <summary>Summary values set by the program itself (owned by the program, merged into summary.json).</summary>
    public const string Values = "values.json";

    /// <summary>The uncommitted changes the run started with.</summary>
    public const string GitDiff = "git.diff";

    /// <summary>Files the run keeps.</summary>
    public const string Artifacts = "artifacts";
}

/// <summary>Finds, reads and creates run folders in a workspace. Reading never writes.</summary>
public sealed class RunStore
{
    /// <summary>Opens the runs of <paramref name="workspace"/>.</summary>
    public RunStore(Workspace workspace)
    {
        Workspace = workspace ?? throw new ArgumentNullException(nameof(workspace));
    }

    /// <summary>The workspace.</summary>
    public Workspace Workspace { get; }

    /// <summary>Creates a new, uniquely named run folder and writes its first run.json and an empty metrics.csv.</summary>
    public string Create(RunRecord record, DateTime utcNow)
    {
        ArgumentNullException.ThrowIfNull(record);
        Workspace.EnsureCreated();
        string id, dir;
        do
        {
            id = RunId.New(utcNow);
            dir = Workspace.RunDirectory(id);
        }
        while (!AtomicFile.CreateDirectoryExclusive(dir));
        CrashPoints.Reached(CrashPoints.RunFolderCreated);
        record.Id = id;
        WriteRecord(dir, record);
        AtomicFile.CreateIfMissing(Path.Combine(dir, RunFiles.Metrics), MetricCsv.HeaderLine);
        return dir;
    }

    /// <summary>Writes run.json atomically.</summary>
    /// <remarks>
    /// Every writer of run.json goes through here, so the run index learns of each change (start,
    /// end, a tag or a new name). Write summary.json before the record at the end of a run, so that
    /// the index line made here holds the final summary.
    /// </remarks>
    public static void WriteRecord(string runDirectory, RunRecord record)
    {
        AtomicFile.Write(Path.Combine(runDirectory, RunFiles.Record), LabJson.Serialize(record, LabJsonContext.Default.RunRecord));
        RunIndex.Update(runDirectory);
    }

    /// <summary>Writes summary.json atomically.</summary>
    public static void WriteSummary(string runDirectory, RunSummary summary) =>
        AtomicFile.Write(Path.Combine(runDirectory, RunFiles.Summary), LabJson.Serialize(summary, LabJsonContext.Default.RunSummary));

    /// <summary>The ids of all runs, oldest first.</summary>
    public IReadOnlyList<string> ListIds()
    {
        if (!Directory.Exists(Workspace.RunsDirectory))
        {
            return [];
        }
        var ids = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories(Workspace.RunsDirectory))
        {
            var name = Path.GetFileName(dir);
            if (RunId.IsWellFormed(name))
            {
                ids.Add(name);
            }
        }
        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    /// <summary>Reads one run; null when its folder has no readable run.json yet.</summary>
    /// <exception cref="FormatException">run.json is malformed (the message names the file and line).</exception>
    public RunInfo? Load(string id, bool withSummary = true)
    {
        var dir = Workspace.RunDirectory(id);
        var recordPath = Path.Combine(dir, RunFiles.Record);
        if (!File.Exists(recordPath))
        {
            return null;
        }
        var record = LabJson.Read(recordPath, LabJsonContext.Default.RunRecord);
        RunSummary? summary = null;
        var summaryPath = Path.Combine(dir, RunFiles.Summary);
        if (withSummary && File.Exists(summaryPath))
        {
            summary = LabJson.Read(summaryPath, LabJsonContext.Default.RunSummary);
        }
        return new RunInfo { Directory = dir, Record = record, Status = EffectiveStatus(dir, record, DateTime.UtcNow), Summary = summary };
    }

    /// <summary>
    /// Reads every run, in order of start time (ids only order runs to the second); malformed ones
    /// are reported through <paramref name="issues"/> and skipped.
    /// </summary>
    public List<RunInfo> LoadAll(Action<string>? issues = null, bool withSummary = true)
    {
        var listing = List(withSummary);
        foreach (var bad in listing.Unreadable)
        {
            issues?.Invoke(bad.Reason);
        }
        return [.. listing.Runs];
    }

    /// <summary>
    /// Reads every run, in order of start time (ids only order runs to the second), and names the
    /// run folders that could not be read with the reason. Served from the run index where it is
    /// current (<see cref="RunIndex"/>); the result is always the same as <see cref="ListFromFolders"/>.
    /// </summary>
    public RunListing List(bool withSummary = true) => RunIndex.List(this, withSummary);

    /// <summary>Reads every run from its folder, ignoring the run index: the reference that the index must equal.</summary>
    public RunListing ListFromFolders(bool withSummary = true)
    {
        var runs = new List<RunInfo>();
        var unreadable = new List<UnreadableRun>();
        foreach (var id in ListIds())
        {
            try
            {
                if (Load(id, withSummary) is { } run)
                {
                    runs.Add(run);
                }
            }
            catch (FormatException e)
            {
                unreadable.Add(new UnreadableRun(id, Workspace.RunDirectory(id), e.Message));
            }
            catch (IOException e)
            {
                unreadable.Add(new UnreadableRun(id, Workspace.RunDirectory(id), $"{Workspace.RunDirectory(id)}: {Text.ErrorText.Of(e)}"));
            }
        }
        runs.Sort(ByStart);
        return new RunListing(runs, unreadable);
    }

    /// <summary>Lists the runs that <paramref name="query"/> selects, in its order (see <see cref="RunQuery"/>).</summary>
    /// <exception cref="UnknownRunFieldException">The query names a metric or parameter no run has.</exception>
    public RunQueryResult Query(RunQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return query.Apply(List());
    }

    internal static int ByStart(RunInfo a, RunInfo b)
    {
        var byStart = Nullable.Compare(a.Record.Started, b.Record.Started);
        return byStart != 0 ? byStart : string.CompareOrdinal(a.Id, b.Id);
    }

    /// <summary>
    /// Selects one run by exact id, unique id prefix, or name (the most recent run of that name).
    /// </summary>
    /// <exception cref="RunNotFoundException">Nothing matches, or a prefix matches several runs (the message lists them).</exception>
    public string Resolve(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var ids = ListIds();
        if (ids.Contains(query, StringComparer.Ordinal))
        {
            return query;
        }
        var byPrefix = query.Length > 0 ? ids.Where(i => i.StartsWith(query, StringComparison.Ordinal)).ToList() : [];
        if (byPrefix.Count == 1)
        {
            return byPrefix[0];
        }
        if (byPrefix.Count > 1)
        {
            var shown = string.Join(", ", byPrefix.Take(10));
            var more = byPrefix.Count > 10 ? $" and {byPrefix.Count - 10} more" : "";
            throw new RunNotFoundException($"run prefix '{Names.Escape(query)}' is ambiguous: {shown}{more}");
        }
        for (var i = ids.Count - 1; i >= 0; i--)
        {
            try
            {
                if (Load(ids[i], withSummary: false) is { } run && string.Equals(run.Record.Name, query, StringComparison.Ordinal))
                {
                    return run.Id;
                }
            }
            catch (FormatException)
            {
            }
        }
        throw new RunNotFoundException($"no run with id, id prefix or name {Names.Printable(query)}");
    }

    /// <summary>
    /// The status as it really is: a "running" run whose owner is gone is crashed. On the owner's
    /// host the pid and its start time decide; elsewhere the heartbeat's age does.
    /// </summary>
    public static RunStatus EffectiveStatus(string runDirectory, RunRecord record, DateTime utcNow)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Status != RunStatus.Running)
        {
            return record.Status;
        }
        if (record.Owner is { } owner)
        {
            var alive = ProcessIdentity.IsAlive(owner.Host, owner.Pid, owner.PidStartTicks, owner.BootId);
            if (alive is { } known)
            {
                return known ? RunStatus.Running : RunStatus.Crashed;
            }
        }
        var beat = Heartbeat.LastBeat(runDirectory) ?? record.Started;
        return beat is { } b && utcNow - b > Heartbeat.GracePeriod ? RunStatus.Crashed : RunStatus.Running;
    }
}

/// <summary>A run query matched nothing, or more than one run.</summary>
public sealed class RunNotFoundException(string message) : Exception(message);
