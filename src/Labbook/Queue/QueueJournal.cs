using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Labbook.IO;
using Labbook.Native;

namespace Labbook.Queue;

/// <summary>
/// <c>queue.jsonl</c>: the queue as an append-only journal of ops, replayed into a
/// <see cref="QueueState"/>. Readers take only complete lines (a torn or in-progress last line is
/// left alone); writers append under an exclusive flock, which dies with its process, and the
/// first writer after a crash cuts a torn last line off before appending. The flock is taken on a
/// lock file beside the state (<c>.labbook/queue.lock</c>), not on the journal itself, because
/// .NET's FileStream takes its own flock on files it opens.
/// </summary>
public sealed class QueueJournal : IDisposable
{
    private readonly Func<DateTime> _now;
    private AppendOnlyFile? _writer;
    private int _lockFd = -1;
    private long _offset;
    private int _lines;
    private long _lastLength = -1;

    /// <summary>Opens the journal at <paramref name="path"/> (it need not exist) and replays it.</summary>
    /// <param name="path">The journal.</param>
    /// <param name="lockPath">The lock file writers flock (default: the journal's path + <c>.lock</c>).</param>
    /// <param name="utcNow">The clock that stamps ops.</param>
    public QueueJournal(string path, string? lockPath = null, Func<DateTime>? utcNow = null)
    {
        Path = path;
        LockPath = lockPath ?? path + ".lock";
        _now = utcNow ?? (() => DateTime.UtcNow);
        Refresh();
    }

    /// <summary>The journal file.</summary>
    public string Path { get; }

    /// <summary>The lock file.</summary>
    public string LockPath { get; }

    /// <summary>The replayed state, up to the last complete line read.</summary>
    public QueueState State { get; } = new();

    /// <summary>Malformed lines met so far, each naming the file and line.</summary>
    public List<string> Issues { get; } = [];

    /// <summary>Reads lines appended since the last read. Cheap when nothing changed. Never writes.</summary>
    /// <returns>True when new ops were applied.</returns>
    public bool Refresh()
    {
        long length;
        try
        {
            length = new FileInfo(Path).Length;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
        if (!File.Exists(Path) || length == _lastLength && length >= _offset)
        {
            return false;
        }
        _lastLength = length;
        if (length <= _offset)
        {
            return false;
        }
        byte[] bytes;
        using (var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1))
        {
            stream.Position = _offset;
            bytes = new byte[length - _offset];
            var read = 0;
            while (read < bytes.Length)
            {
                var n = stream.Read(bytes, read, bytes.Length - read);
                if (n == 0)
                {
                    break;
                }
                read += n;
            }
            if (read < bytes.Length)
            {
                Array.Resize(ref bytes, read);
            }
        }
        var applied = false;
        var span = bytes.AsSpan();
        var consumed = 0;
        while (true)
        {
            var nl = span[consumed..].IndexOf((byte)'\n');
            if (nl < 0)
            {
                break;
            }
            var line = span.Slice(consumed, nl);
            consumed += nl + 1;
            _lines++;
            if (line.Trim((byte)' ').Length == 0)
            {
                continue;
            }
            try
            {
                var op = JsonSerializer.Deserialize(line, QueueJsonContext.Default.QueueOp);
                if (op is null || op.Op.Length == 0)
                {
                    Issues.Add($"{Path}: line {_lines}: not a queue op (no \"op\" field)");
                    continue;
                }
                State.Apply(op);
                applied = true;
            }
            catch (JsonException e)
            {
                Issues.Add($"{Path}: line {_lines}: malformed JSON ({Json.LabJson.What(e)})");
            }
        }
        _offset += consumed;
        return applied;
    }

    /// <summary>
    /// Runs <paramref name="body"/> under the journal's exclusive lock, with the state caught up to
    /// the end of the file; ops the body appends are applied to <see cref="State"/> at once and
    /// made durable before the lock is released.
    /// </summary>
    public T Write<T>(Func<QueueWriter, T> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var dir = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }
        _writer ??= AppendOnlyFile.Open(Path);
        if (_lockFd < 0)
        {
            var lockDir = System.IO.Path.GetDirectoryName(LockPath);
            if (!string.IsNullOrEmpty(lockDir))
            {
                Directory.CreateDirectory(lockDir);
            }
            _lockFd = Libc.Open(LockPath, Libc.O_RDWR | Libc.O_CREAT | Libc.O_CLOEXEC, 0b110_110_100);
            if (_lockFd < 0)
            {
                throw new IOException($"{LockPath}: cannot open the queue lock (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        Lock(_lockFd);
        try
        {
            Refresh();
            // Under the lock no write is in progress: bytes past the last complete line are torn.
            if (FileLength() > _offset)
            {
                CutTornTail();
            }
            var writer = new QueueWriter(this);
            var result = body(writer);
            if (writer.Pending.Length > 0)
            {
                // Caught up to the end under the lock, so these bytes land exactly at _offset and
                // their ops are already applied: skip them instead of reading them back.
                var bytes = Encoding.UTF8.GetBytes(writer.Pending.ToString());
                _writer.Append(bytes);
                _writer.Sync();
                _offset += bytes.Length;
                _lines += writer.Count;
                _lastLength = _offset;
            }
            return result;
        }
        finally
        {
            _ = Libc.Flock(_lockFd, Libc.LOCK_UN);
        }
    }

    /// <summary>Appends ops under the lock.</summary>
    public void Append(params QueueOp[] ops) => Write(w =>
    {
        foreach (var op in ops)
        {
            w.Append(op);
        }
        return 0;
    });

    /// <summary>The current time as the journal stamps ops.</summary>
    public DateTime UtcNow => _now();

    /// <inheritdoc/>
    public void Dispose()
    {
        _writer?.Dispose();
        _writer = null;
        if (_lockFd >= 0)
        {
            _ = Libc.Close(_lockFd);
            _lockFd = -1;
        }
    }

    internal static string Serialize(QueueOp op) => JsonSerializer.Serialize(op, QueueJsonContext.Default.QueueOp);

    private static void Lock(int fd)
    {
        while (Libc.Flock(fd, Libc.LOCK_EX) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != Libc.EINTR)
            {
                throw new IOException($"cannot lock the queue journal (errno {errno})");
            }
        }
    }

    private long FileLength()
    {
        try
        {
            return new FileInfo(Path).Length;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private void CutTornTail()
    {
        using var stream = new FileStream(Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, 1);
        stream.SetLength(_offset);
        stream.Flush(flushToDisk: true);
        _lastLength = -1;
        CrashPoints.ReachedFile(Path, CrashPoints.TailCut);
    }

}

/// <summary>Appends ops inside <see cref="QueueJournal.Write{T}"/>; each is applied to the state at once.</summary>
public sealed class QueueWriter
{
    private readonly QueueJournal _journal;

    internal QueueWriter(QueueJournal journal)
    {
        _journal = journal;
    }

    internal StringBuilder Pending { get; } = new();

    /// <summary>The state, including the ops appended so far in this write.</summary>
    public QueueState State => _journal.State;

    /// <summary>The time ops are stamped with.</summary>
    public DateTime UtcNow => _journal.UtcNow;

    /// <summary>Appends one op (stamped now when it has no time) and applies it.</summary>
    public void Append(QueueOp op)
    {
        ArgumentNullException.ThrowIfNull(op);
        if (op.T == default)
        {
            op.T = _journal.UtcNow;
        }
        var line = QueueJournal.Serialize(op);
        // Apply what a later replay will read, not the caller's object, so both always agree.
        State.Apply(System.Text.Json.JsonSerializer.Deserialize(line, QueueJsonContext.Default.QueueOp)!);
        Pending.Append(line).Append('\n');
        Count++;
    }

    internal int Count { get; private set; }
}
