using System.Runtime.InteropServices;
using System.Text.Json;
using Labbook.IO;
using Labbook.Json;
using Labbook.Metrics;
using Labbook.Native;
using Labbook.Workspaces;

namespace Labbook.Runs;

/// <summary>
/// The derived run index, <c>.labbook/run-index.jsonl</c>: a cache of every run's run.json and
/// summary.json, one JSON line per state, so that listing 100,000 runs reads one file instead of
/// 200,000. It is never the source of truth: each line carries the stamps (inode, size, mtime and
/// ctime in nanoseconds) of the two files it was made from, and a reader uses a line only while both
/// files still have those stamps; any other run is read from its folder. Deleting the file loses
/// nothing. Format and rules: docs/file-formats.md; the decision: docs/decisions/0032-run-index.md.
/// </summary>
public static class RunIndex
{
    /// <summary>The index file's name, in the workspace's state folder.</summary>
    public const string FileName = "run-index.jsonl";

    /// <summary>The lock file that serialises appends and compaction.</summary>
    public const string LockName = "run-index.lock";

    /// <summary>The format version written in each line.</summary>
    public const int FormatVersion = 1;

    /// <summary>
    /// Records the current state of one run folder in the index: called by every writer of run.json
    /// (see <see cref="RunStore.WriteRecord"/>). Best effort by design: the index is a cache, and a
    /// failure here (a read-only or full file system) must never fail the run; readers then read
    /// the folder instead.
    /// </summary>
    public static void Update(string runDirectory)
    {
        ArgumentNullException.ThrowIfNull(runDirectory);
        try
        {
            var runs = Path.GetDirectoryName(Path.GetFullPath(runDirectory));
            var root = runs is null ? null : Path.GetDirectoryName(runs);
            if (root is null)
            {
                return;
            }
            var stateDirectory = Path.Combine(root, Workspace.MarkerName);
            if (!Directory.Exists(stateDirectory) || Snapshot(runDirectory) is not { } line)
            {
                return;
            }
            using var gate = IndexLock.Acquire(stateDirectory, wait: true);
            if (gate is not null)
            {
                AppendLines(stateDirectory, [line]);
            }
        }
        catch (IOException)
        {
            // The index is a cache: a reader finds this run's stamps changed and reads its folder.
        }
        catch (UnauthorizedAccessException)
        {
            // Likewise: a workspace we may write runs into but not the index of is still served right.
        }
    }

    /// <summary>
    /// Lists every run of <paramref name="store"/>'s workspace, from the index where its lines are
    /// current and from the run folders where they are not. The result is the same as reading every
    /// folder (<see cref="RunStore.ListFromFolders"/>). When lines were missing or stale, the reader
    /// adds fresh ones, and compacts the file when most of it is superseded, but only if it can take
    /// the index lock at once and the workspace is writable: records are never written, and a reader
    /// never waits on or fails because of the cache (decision 0032).
    /// </summary>
    public static RunListing List(RunStore store, bool withSummary = true, bool refresh = true) => List(store, withSummary, refresh, readFromFolders: null);

    /// <summary>As <see cref="List(RunStore, bool, bool)"/>, also naming the runs that had to be read from their folders.</summary>
    internal static RunListing List(RunStore store, bool withSummary, bool refresh, List<string>? readFromFolders)
    {
        ArgumentNullException.ThrowIfNull(store);
        var workspace = store.Workspace;
        var ids = store.ListIds();
        var stateDirectory = workspace.StateDirectory;
        var indexPath = Path.Combine(stateDirectory, FileName);
        var (rows, lineCount, length) = ReadRows(indexPath);
        var runs = new List<RunInfo>(ids.Count);
        var unreadable = new List<UnreadableRun>();
        var stale = new List<string>();
        var now = DateTime.UtcNow;
        using (var runsDir = DirectoryHandle.Open(workspace.RunsDirectory))
        {
            foreach (var id in ids)
            {
                var recordStamp = FileStamp.Of(runsDir, id + "/" + RunFiles.Record);
                if (recordStamp.IsAbsent)
                {
                    // A folder being created has no run.json yet: not a run, as for a folder scan.
                    continue;
                }
                var summaryStamp = FileStamp.Of(runsDir, id + "/" + RunFiles.Summary);
                if (rows.TryGetValue(id, out var row) && row.RecordStamp == recordStamp && row.SummaryStamp == summaryStamp
                    && row.Parse() is { Record: { } record } parsed)
                {
                    var dir = workspace.RunDirectory(id);
                    runs.Add(new RunInfo
                    {
                        Directory = dir,
                        Record = record,
                        Status = RunStore.EffectiveStatus(dir, record, now),
                        Summary = withSummary ? parsed.Summary : null,
                    });
                    continue;
                }
                stale.Add(id);
                try
                {
                    if (store.Load(id, withSummary) is { } run)
                    {
                        runs.Add(run);
                    }
                }
                catch (FormatException e)
                {
                    unreadable.Add(new UnreadableRun(id, workspace.RunDirectory(id), e.Message));
                }
                catch (IOException e)
                {
                    unreadable.Add(new UnreadableRun(id, workspace.RunDirectory(id), $"{workspace.RunDirectory(id)}: {e.Message}"));
                }
            }
        }
        runs.Sort(RunStore.ByStart);
        readFromFolders?.AddRange(stale);
        if (refresh)
        {
            Refresh(workspace, stateDirectory, stale, rows, ids, lineCount, length);
        }
        return new RunListing(runs, unreadable);
    }

    /// <summary>Rewrites the index from the run folders (what <c>lab</c> does itself when most lines are superseded).</summary>
    public static void Rebuild(RunStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        var stateDirectory = store.Workspace.StateDirectory;
        if (!Directory.Exists(stateDirectory))
        {
            return;
        }
        using var gate = IndexLock.Acquire(stateDirectory, wait: true);
        var lines = store.ListIds().Select(id => Snapshot(store.Workspace.RunDirectory(id))).OfType<byte[]>().ToList();
        AtomicFile.Write(Path.Combine(stateDirectory, FileName), Concat(lines));
    }

    private static void Refresh(Workspace workspace, string stateDirectory, List<string> stale, Dictionary<string, IndexRow> rows, IReadOnlyList<string> ids, int lineCount, long length)
    {
        // Superseded lines: those of runs that are gone or were replaced by a later line.
        var compact = lineCount > (2 * ids.Count) + 1000 || rows.Count > ids.Count + 1000;
        if ((stale.Count == 0 && !compact) || !Directory.Exists(stateDirectory))
        {
            return;
        }
        try
        {
            using var gate = IndexLock.Acquire(stateDirectory, wait: false);
            if (gate is null)
            {
                return;
            }
            var indexPath = Path.Combine(stateDirectory, FileName);
            // Only runs that have ended are worth a line: a running run's summary changes every second.
            var fresh = stale.Select(id => Snapshot(workspace.RunDirectory(id), onlyFinal: true)).OfType<byte[]>().ToList();
            var currentLength = File.Exists(indexPath) ? new FileInfo(indexPath).Length : 0;
            if (compact && currentLength == length)
            {
                // Nothing was appended since we read: the live lines we hold plus the fresh ones are the whole truth.
                var live = new HashSet<string>(ids, StringComparer.Ordinal);
                var freshIds = new HashSet<string>(stale, StringComparer.Ordinal);
                var keep = rows.Values.Where(r => live.Contains(r.Id) && !freshIds.Contains(r.Id)).Select(r => r.Line).ToList();
                keep.AddRange(fresh);
                AtomicFile.Write(indexPath, Concat(keep));
            }
            else if (fresh.Count > 0)
            {
                AppendLines(stateDirectory, fresh);
            }
        }
        catch (IOException)
        {
            // A reader that cannot refresh the cache still listed every run correctly.
        }
        catch (UnauthorizedAccessException)
        {
            // Likewise: a read-only workspace is listed from its folders.
        }
    }

    /// <summary>
    /// One index line for a run folder: its stamps and its files' contents, read between two stamp
    /// checks so that the line describes exactly the files with those stamps. Null when the folder
    /// has no readable run.json, keeps changing, or (with <paramref name="onlyFinal"/>) is still running.
    /// </summary>
    internal static byte[]? Snapshot(string runDirectory, bool onlyFinal = false)
    {
        var recordPath = Path.Combine(runDirectory, RunFiles.Record);
        var summaryPath = Path.Combine(runDirectory, RunFiles.Summary);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var recordStamp = FileStamp.Of(recordPath);
            var summaryStamp = FileStamp.Of(summaryPath);
            if (recordStamp.IsAbsent)
            {
                return null;
            }
            RunRecord record;
            RunSummary? summary = null;
            try
            {
                record = LabJson.Read(recordPath, LabJsonContext.Default.RunRecord);
                if (!summaryStamp.IsAbsent)
                {
                    summary = LabJson.Read(summaryPath, LabJsonContext.Default.RunSummary);
                }
            }
            catch (FormatException)
            {
                return null;
            }
            catch (FileNotFoundException)
            {
                continue;
            }
            if (FileStamp.Of(recordPath) != recordStamp || FileStamp.Of(summaryPath) != summaryStamp)
            {
                continue;
            }
            if (onlyFinal && !record.Status.IsFinal())
            {
                return null;
            }
            var row = new RunIndexLine
            {
                V = FormatVersion,
                Id = Path.GetFileName(runDirectory),
                R = recordStamp.ToArray(),
                S = summaryStamp.IsAbsent ? null : summaryStamp.ToArray(),
                Record = record,
                Summary = summary,
            };
            var json = JsonSerializer.SerializeToUtf8Bytes(row, RunIndexJsonContext.Default.RunIndexLine);
            var line = new byte[json.Length + 1];
            json.CopyTo(line, 0);
            line[^1] = (byte)'\n';
            return line;
        }
        return null;
    }

    private static byte[] Concat(List<byte[]> lines)
    {
        var bytes = new byte[lines.Sum(l => l.Length)];
        var offset = 0;
        foreach (var line in lines)
        {
            line.CopyTo(bytes, offset);
            offset += line.Length;
        }
        return bytes;
    }

    /// <summary>Appends whole lines under the lock, first ending a torn last line left by a killed writer.</summary>
    private static void AppendLines(string stateDirectory, List<byte[]> lines)
    {
        var path = Path.Combine(stateDirectory, FileName);
        using var file = AppendOnlyFile.Open(path);
        var length = new FileInfo(path).Length;
        var buffer = new List<byte>();
        if (length > 0 && LastByte(path, length) != (byte)'\n')
        {
            buffer.Add((byte)'\n');
        }
        foreach (var line in lines)
        {
            buffer.AddRange(line);
        }
        file.Append(CollectionsMarshal.AsSpan(buffer));
    }

    private static int LastByte(string path, long length)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        Span<byte> one = stackalloc byte[1];
        return RandomAccess.Read(handle, one, length - 1) == 1 ? one[0] : -1;
    }

    /// <summary>Reads the index: the last complete line per run id wins; torn or foreign lines are skipped.</summary>
    private static (Dictionary<string, IndexRow> Rows, int Lines, long Length) ReadRows(string path)
    {
        var rows = new Dictionary<string, IndexRow>(StringComparer.Ordinal);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return (rows, 0, 0);
        }
        catch (DirectoryNotFoundException)
        {
            return (rows, 0, 0);
        }
        var lines = 0;
        var start = 0;
        while (start < bytes.Length)
        {
            var end = Array.IndexOf(bytes, (byte)'\n', start);
            if (end < 0)
            {
                // A torn last line (a writer killed mid-append): ignored, mended by the next append.
                break;
            }
            lines++;
            if (IndexRow.TryRead(bytes.AsMemory(start, end - start + 1)) is { } row)
            {
                rows[row.Id] = row;
            }
            start = end + 1;
        }
        return (rows, lines, bytes.Length);
    }

    /// <summary>One line of the index, with its stamps read eagerly and its record parsed only when used.</summary>
    private sealed class IndexRow
    {
        private IndexRow(string id, FileStamp recordStamp, FileStamp summaryStamp, ReadOnlyMemory<byte> line)
        {
            Id = id;
            RecordStamp = recordStamp;
            SummaryStamp = summaryStamp;
            LineMemory = line;
        }

        public string Id { get; }

        public FileStamp RecordStamp { get; }

        public FileStamp SummaryStamp { get; }

        private ReadOnlyMemory<byte> LineMemory { get; }

        public byte[] Line => LineMemory.ToArray();

        public static IndexRow? TryRead(ReadOnlyMemory<byte> line)
        {
            // The id and stamps come first in every line (see Snapshot); read them without parsing the rest.
            try
            {
                var reader = new Utf8JsonReader(line.Span);
                string? id = null;
                FileStamp r = default, s = default;
                var version = 0;
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                {
                    return null;
                }
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("v"u8))
                    {
                        reader.Read();
                        version = reader.GetInt32();
                    }
                    else if (reader.ValueTextEquals("id"u8))
                    {
                        reader.Read();
                        id = reader.GetString();
                    }
                    else if (reader.ValueTextEquals("r"u8))
                    {
                        reader.Read();
                        r = FileStamp.Read(ref reader);
                    }
                    else if (reader.ValueTextEquals("s"u8))
                    {
                        reader.Read();
                        s = reader.TokenType == JsonTokenType.Null ? default : FileStamp.Read(ref reader);
                    }
                    else
                    {
                        break;
                    }
                }
                return version == FormatVersion && id is not null && RunId.IsWellFormed(id) && !r.IsAbsent ? new IndexRow(id, r, s, line) : null;
            }
            catch (JsonException)
            {
                return null;
            }
            catch (InvalidOperationException)
            {
                return null;
            }
        }

        public RunIndexLine? Parse()
        {
            try
            {
                return JsonSerializer.Deserialize(LineMemory.Span, RunIndexJsonContext.Default.RunIndexLine) is { Record: not null } line ? line : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }

    /// <summary>The exclusive lock on <c>run-index.lock</c>, held while appending or compacting.</summary>
    private sealed class IndexLock : IDisposable
    {
        private readonly int _fd;

        private IndexLock(int fd) => _fd = fd;

        public static IndexLock? Acquire(string stateDirectory, bool wait)
        {
            var fd = Libc.Open(Path.Combine(stateDirectory, LockName), Libc.O_RDWR | Libc.O_CREAT | Libc.O_CLOEXEC, 0b110_110_100);
            if (fd < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw errno == 13 || errno == 30
                    ? new UnauthorizedAccessException($"{stateDirectory}: cannot open the run index lock (errno {errno})")
                    : new IOException($"{stateDirectory}: cannot open the run index lock (errno {errno})");
            }
            while (Libc.Flock(fd, wait ? Libc.LOCK_EX : Libc.LOCK_EX | Libc.LOCK_NB) != 0)
            {
                if (wait && Marshal.GetLastPInvokeError() == Libc.EINTR)
                {
                    continue;
                }
                _ = Libc.Close(fd);
                return null;
            }
            return new IndexLock(fd);
        }

        public void Dispose()
        {
            _ = Libc.Flock(_fd, Libc.LOCK_UN);
            _ = Libc.Close(_fd);
        }
    }
}

/// <summary>One line of the run index (see docs/file-formats.md). Internal: the file is a cache, not an interface.</summary>
internal sealed class RunIndexLine
{
    /// <summary>Format version.</summary>
    public int V { get; set; }

    /// <summary>The run id.</summary>
    public string Id { get; set; } = "";

    /// <summary>run.json's stamp: inode, size, mtime ns, ctime ns.</summary>
    public long[]? R { get; set; }

    /// <summary>summary.json's stamp, or null when it had none.</summary>
    public long[]? S { get; set; }

    /// <summary>run.json as read.</summary>
    public RunRecord? Record { get; set; }

    /// <summary>summary.json as read.</summary>
    public RunSummary? Summary { get; set; }
}

/// <summary>Compact JSON for index lines: one line each, snake_case like every other file.</summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(
    PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = false,
    Converters = [typeof(NonFiniteDoubleConverter)])]
[System.Text.Json.Serialization.JsonSerializable(typeof(RunIndexLine))]
internal sealed partial class RunIndexJsonContext : System.Text.Json.Serialization.JsonSerializerContext;

/// <summary>What identifies a version of a file without reading it: inode, size, and modification and change times in nanoseconds.</summary>
internal readonly record struct FileStamp(long Inode, long Size, long MtimeNs, long CtimeNs)
{
    /// <summary>True for a file that does not exist.</summary>
    public bool IsAbsent => Inode == 0;

    /// <summary>The stamp of <paramref name="path"/>; absent when there is no such file.</summary>
    public static FileStamp Of(string path) => Of(DirectoryHandle.Cwd, path);

    /// <summary>The stamp of <paramref name="relativePath"/> under an open folder.</summary>
    public static unsafe FileStamp Of(DirectoryHandle directory, string relativePath)
    {
        var buffer = stackalloc byte[256];
        if (Libc.Statx(directory.Descriptor, relativePath, 0, Libc.STATX_BASIC_STATS, buffer) != 0)
        {
            return default;
        }
        // struct statx: stx_ino at 32, stx_size at 40, stx_ctime at 96, stx_mtime at 112 (tv_sec i64, tv_nsec u32).
        static long Time(byte* at) => (*(long*)at * 1_000_000_000L) + *(uint*)(at + 8);
        return new FileStamp(*(long*)(buffer + 32), *(long*)(buffer + 40), Time(buffer + 112), Time(buffer + 96));
    }

    /// <summary>Reads <c>[ino, size, mtime_ns, ctime_ns]</c>.</summary>
    public static FileStamp Read(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("a stamp is an array");
        }
        Span<long> v = stackalloc long[4];
        for (var i = 0; i < 4; i++)
        {
            reader.Read();
            v[i] = reader.GetInt64();
        }
        reader.Read();
        if (reader.TokenType != JsonTokenType.EndArray)
        {
            throw new JsonException("a stamp has four numbers");
        }
        return new FileStamp(v[0], v[1], v[2], v[3]);
    }

    /// <summary>The stamp as written in the index.</summary>
    public long[] ToArray() => [Inode, Size, MtimeNs, CtimeNs];
}

/// <summary>An open folder, so that many stats below it walk one path component less each.</summary>
internal sealed class DirectoryHandle : IDisposable
{
    /// <summary>The current directory (AT_FDCWD): paths are used as given.</summary>
    public static readonly DirectoryHandle Cwd = new(Libc.AT_FDCWD);

    private DirectoryHandle(int fd) => Descriptor = fd;

    /// <summary>The descriptor.</summary>
    public int Descriptor { get; private set; }

    /// <summary>Opens a folder; a missing one behaves as an empty one.</summary>
    public static DirectoryHandle Open(string path)
    {
        var fd = Libc.Open(path, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        return new DirectoryHandle(fd < 0 ? -1 : fd);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Descriptor >= 0 && Descriptor != Libc.AT_FDCWD)
        {
            _ = Libc.Close(Descriptor);
            Descriptor = -1;
        }
    }
}
