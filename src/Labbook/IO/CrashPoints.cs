using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Labbook.Native;

namespace Labbook.IO;

/// <summary>
/// Test-only fault injection: named points between the writes, fsyncs and renames of every journal
/// and file set, where a process can be made to kill itself with SIGKILL, so that the crash tests
/// (docs/decisions/0027-crash-points.md) can stop a real <c>lab</c> at each point and check what the
/// next reader and writer find. Inert unless the environment variable <see cref="Variable"/> names a
/// point when the process starts (<c>LAB_CRASH_AT=queue.jsonl.torn:3</c>: the third time that point
/// is reached). The check on the hot path is one read of a field set once at start-up.
/// </summary>
internal static class CrashPoints
{
    /// <summary>The environment variable that arms one point: <c>&lt;point&gt;[:&lt;nth&gt;]</c>.</summary>
    public const string Variable = "LAB_CRASH_AT";

    /// <summary>A run folder was made, before its run.json exists.</summary>
    public const string RunFolderCreated = "run.folder-created";

    /// <summary>A heartbeat file was touched.</summary>
    public const string HeartbeatBeaten = "heartbeat.beaten";

    /// <summary>The study journal's prefix (studies/&lt;name&gt;.jsonl, or any journal file of the Study API).</summary>
    public const string StudyJournal = "study.jsonl";

    /// <summary>A study journal append was half written when the writer died.</summary>
    public const string StudyTorn = StudyJournal + "." + Torn;

    /// <summary>A study journal append is in the kernel, not yet fsynced.</summary>
    public const string StudyAppended = StudyJournal + "." + Appended;

    /// <summary>A study journal fsync returned.</summary>
    public const string StudySynced = StudyJournal + "." + Synced;

    /// <summary>A study journal writer cut a torn tail and appended nothing yet.</summary>
    public const string StudyTailCut = StudyJournal + "." + TailCut;

    /// <summary>Steps of an atomic replace (<see cref="AtomicFile.Write"/>): the temp file is complete, the rename is not done.</summary>
    public const string TempWritten = "temp-written";

    /// <summary>Steps of an atomic replace: the rename is done.</summary>
    public const string Renamed = "renamed";

    /// <summary>Steps of an append: half of its first line was written (a torn line), then the process died.</summary>
    public const string Torn = "torn";

    /// <summary>Steps of an append: all bytes are in the kernel, before any fsync.</summary>
    public const string Appended = "appended";

    /// <summary>Steps of an append: the fsync returned.</summary>
    public const string Synced = "synced";

    /// <summary>Steps of a writer's repair: a torn tail was cut off, nothing new appended yet.</summary>
    public const string TailCut = "tail-cut";

    /// <summary>
    /// Every crash point, by file set. The crash tests enumerate this list and must have a scenario for each
    /// one, so a point added here without a test fails the suite.
    /// </summary>
    public static readonly IReadOnlyList<string> All =
    [
        RunFolderCreated,
        "run.json." + TempWritten,
        "run.json." + Renamed,
        "metrics.csv." + Torn,
        "metrics.csv." + Appended,
        "summary.json." + TempWritten,
        "summary.json." + Renamed,
        HeartbeatBeaten,
        "queue.jsonl." + Torn,
        "queue.jsonl." + Appended,
        "queue.jsonl." + Synced,
        "queue.jsonl." + TailCut,
        StudyTorn,
        StudyAppended,
        StudySynced,
        StudyTailCut,
        "NOTEBOOK.md." + TempWritten,
        "NOTEBOOK.md." + Renamed,
        "current-entry." + TempWritten,
        "current-entry." + Renamed,
    ];

    // Null unless LAB_CRASH_AT is set: then every Reached below compares names; otherwise each is one null check.
    private static readonly string? ArmedPoint = Parse(Environment.GetEnvironmentVariable(Variable), out ArmedNth);
    private static readonly int ArmedNth;
    private static int _hits;

    /// <summary>True when a point is armed in this process.</summary>
    public static bool Armed => ArmedPoint is not null;

    /// <summary>Marks <paramref name="point"/> (one of <see cref="All"/>) as reached: the process dies here when it is armed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Reached(string point)
    {
        if (ArmedPoint is not null)
        {
            Hit(point);
        }
    }

    /// <summary>
    /// Marks step <paramref name="step"/> of a write to <paramref name="path"/>; the point is the file's name and the
    /// step (<c>run.json.renamed</c>). Files that are not a registered file set (artifacts, values.json) have no points.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ReachedFile(string path, string step)
    {
        if (ArmedPoint is not null)
        {
            HitFile(path, step);
        }
    }

    /// <summary>
    /// Before an append of <paramref name="bytes"/> to descriptor <paramref name="fd"/>: when
    /// <c>&lt;site&gt;.torn</c> is armed and due, writes the first half of the bytes (a line cut by the crash) and dies.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tear(string site, int fd, ReadOnlySpan<byte> bytes)
    {
        if (ArmedPoint is not null)
        {
            TearIfDue(site, fd, bytes);
        }
    }

    /// <summary>
    /// Parses <c>&lt;point&gt;[:&lt;nth&gt;]</c>; null when unset. An unknown point or a bad count arms nothing and says so on
    /// stderr, so the crash test that set it sees the process live on and fails with the reason beside it.
    /// </summary>
    internal static string? Parse(string? value, out int nth)
    {
        nth = 1;
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }
        var colon = value.LastIndexOf(':');
        var point = colon < 0 ? value : value[..colon];
        string? problem = null;
        if (colon >= 0 && (!int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out nth) || nth < 1))
        {
            problem = "the count after ':' must be a whole number from 1";
        }
        else if (!All.Contains(point, StringComparer.Ordinal))
        {
            problem = $"no crash point '{point}' (known: {string.Join(", ", All)})";
        }
        if (problem is not null)
        {
            Console.Error.WriteLine($"lab: {Variable}={value}: {problem}; no crash point armed");
            nth = 1;
            return null;
        }
        return point;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Hit(string point)
    {
        if (!All.Contains(point, StringComparer.Ordinal))
        {
            throw new InvalidOperationException($"crash point '{point}' is not registered in CrashPoints.All");
        }
        if (string.Equals(point, ArmedPoint, StringComparison.Ordinal) && Interlocked.Increment(ref _hits) == ArmedNth)
        {
            Die();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void HitFile(string path, string step)
    {
        var point = Path.GetFileName(path) + "." + step;
        if (string.Equals(point, ArmedPoint, StringComparison.Ordinal) && Interlocked.Increment(ref _hits) == ArmedNth)
        {
            Die();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe void TearIfDue(string site, int fd, ReadOnlySpan<byte> bytes)
    {
        var point = site + "." + Torn;
        if (!string.Equals(point, ArmedPoint, StringComparison.Ordinal) || Interlocked.Increment(ref _hits) != ArmedNth)
        {
            return;
        }
        // Half of the first line: the whole append is lost but for a torn tail, which is the worst a crash during the
        // write leaves (an append of several lines may also keep its first lines; the appended point covers that).
        var firstLine = bytes.IndexOf((byte)'\n') is var nl and >= 0 ? nl + 1 : bytes.Length;
        fixed (byte* p = bytes)
        {
            _ = Libc.Write(fd, p, firstLine / 2);
        }
        Die();
    }

    private static void Die()
    {
        _ = Libc.Kill(Libc.GetPid(), Libc.SIGKILL);
        // SIGKILL cannot be caught; this only runs if kill(2) itself failed.
        Environment.FailFast($"crash point: kill failed (errno {Marshal.GetLastPInvokeError()})");
    }
}
