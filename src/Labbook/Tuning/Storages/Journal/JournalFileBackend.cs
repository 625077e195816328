using System.Diagnostics;

namespace Labbook.Tuning.Storages.Journal;

/// <summary>
/// The journal in one local or shared file, byte-compatible with Optuna 3.1's <c>JournalFileStorage</c>.
/// Writers lock with <c>flock</c> on a side file <c>&lt;path&gt;.flock</c>: the kernel drops the lock when
/// the holder dies, so a killed writer never blocks anyone (Optuna's symlink lock can). Under the lock,
/// a writer first repairs a torn tail (bytes after the last newline, left by a crash mid-write) by
/// truncating them, then appends with <c>O_APPEND</c> and fsyncs. Readers never lock and never write.
/// See docs/decisions/0010-journal-lock.md.
/// </summary>
public sealed class JournalFileBackend : IJournalBackend
{
    private readonly string _path;
    private readonly string _lockPath;
    private readonly TimeSpan _lockTimeout;
    private readonly Lock _gate = new();
    private int _fd = -1;
    private int _lockFd = -1;

    /// <summary>Opens (creating if needed, with its folder) the journal at <paramref name="path"/>.</summary>
    /// <param name="path">The journal file.</param>
    /// <param name="lockTimeout">How long a writer waits for another live writer before failing (default 60 s).</param>
    public JournalFileBackend(string path, TimeSpan? lockTimeout = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _path = Path.GetFullPath(path);
        _lockPath = _path + ".flock";
        _lockTimeout = lockTimeout ?? TimeSpan.FromSeconds(60);
        if (Path.GetDirectoryName(_path) is { Length: > 0 } dir)
        {
            Directory.CreateDirectory(dir);
        }
        _fd = Posix.Open(_path, Posix.ORdWr | Posix.OCreat | Posix.OAppend | Posix.OCloExec, 0b110_100_100);
        if (_fd < 0)
        {
            throw Posix.Error("open", _path);
        }
    }

    /// <summary>The journal's full path.</summary>
    public string FilePath => _path;

    /// <summary>How many times a torn tail was cut off by this writer (for tests and diagnostics).</summary>
    public int TailRepairs { get; private set; }

    /// <inheritdoc/>
    public override string ToString() => _path;

    /// <inheritdoc/>
    public unsafe ReadOnlyMemory<byte> ReadLogs(long offset)
    {
        lock (_gate)
        {
            var length = Length();
            if (length <= offset)
            {
                return ReadOnlyMemory<byte>.Empty;
            }
            var buffer = new byte[length - offset];
            var done = 0;
            fixed (byte* p = buffer)
            {
                while (done < buffer.Length)
                {
                    var n = Posix.PRead(_fd, p + done, buffer.Length - done, offset + done);
                    if (n < 0)
                    {
                        throw Posix.Error("read", _path);
                    }
                    if (n == 0)
                    {
                        break;
                    }
                    done += (int)n;
                }
            }
            var lastNewline = buffer.AsSpan(0, done).LastIndexOf((byte)'\n');
            return lastNewline < 0 ? ReadOnlyMemory<byte>.Empty : buffer.AsMemory(0, lastNewline + 1);
        }
    }

    /// <inheritdoc/>
    public unsafe void AppendLogs(ReadOnlySpan<byte> lines)
    {
        lock (_gate)
        {
            RepairTail();
            fixed (byte* p = lines)
            {
                var done = 0;
                while (done < lines.Length)
                {
                    var n = Posix.Write(_fd, p + done, lines.Length - done);
                    if (n < 0)
                    {
                        if (System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == Posix.EIntr)
                        {
                            continue;
                        }
                        throw Posix.Error("write", _path);
                    }
                    done += (int)n;
                }
            }
            if (Posix.FSync(_fd) != 0)
            {
                throw Posix.Error("fsync", _path);
            }
        }
    }

    /// <inheritdoc/>
    public IDisposable Lock()
    {
        lock (_gate)
        {
            if (_lockFd < 0)
            {
                _lockFd = Posix.Open(_lockPath, Posix.ORdWr | Posix.OCreat | Posix.OCloExec, 0b110_100_100);
                if (_lockFd < 0)
                {
                    throw Posix.Error("open", _lockPath);
                }
            }
        }
        var clock = Stopwatch.StartNew();
        var wait = 1;
        while (true)
        {
            if (Posix.FLock(_lockFd, Posix.LockEx | Posix.LockNb) == 0)
            {
                return new Release(this);
            }
            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno != Posix.EWouldBlock && errno != Posix.EIntr)
            {
                throw Posix.Error("flock", _lockPath);
            }
            if (clock.Elapsed > _lockTimeout)
            {
                throw new TimeoutException($"{_path}: another live process has held the journal lock for more than {_lockTimeout.TotalSeconds:0} s");
            }
            Thread.Sleep(wait);
            wait = Math.Min(wait * 2, 50);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_fd >= 0)
            {
                Posix.Close(_fd);
                _fd = -1;
            }
            if (_lockFd >= 0)
            {
                Posix.Close(_lockFd);
                _lockFd = -1;
            }
        }
    }

    private long Length()
    {
        var length = Posix.LSeek(_fd, 0, 2);
        if (length < 0)
        {
            throw Posix.Error("seek", _path);
        }
        return length;
    }

    /// <summary>
    /// Cuts bytes after the last newline. Only a writer holding the lock calls this, and only after the tail
    /// stayed unchanged for a moment, so a line that a foreign (non-locking) writer is still writing is spared.
    /// </summary>
    private unsafe void RepairTail()
    {
        var length = Length();
        for (var attempt = 0; length > 0; attempt++)
        {
            byte last;
            if (Posix.PRead(_fd, &last, 1, length - 1) != 1)
            {
                throw Posix.Error("read", _path);
            }
            if (last == '\n')
            {
                return;
            }
            if (attempt < 3)
            {
                Thread.Sleep(20);
                var now = Length();
                if (now != length)
                {
                    length = now;
                    continue;
                }
            }
            var cut = LastNewlineBefore(length);
            if (Posix.FTruncate(_fd, cut) != 0)
            {
                throw Posix.Error("truncate", _path);
            }
            if (Posix.FSync(_fd) != 0)
            {
                throw Posix.Error("fsync", _path);
            }
            TailRepairs++;
            return;
        }
    }

    private unsafe long LastNewlineBefore(long length)
    {
        var chunk = new byte[64 * 1024];
        var end = length;
        fixed (byte* p = chunk)
        {
            while (end > 0)
            {
                var start = Math.Max(0, end - chunk.Length);
                var n = (int)Posix.PRead(_fd, p, (nint)(end - start), start);
                if (n < 0)
                {
                    throw Posix.Error("read", _path);
                }
                var i = chunk.AsSpan(0, n).LastIndexOf((byte)'\n');
                if (i >= 0)
                {
                    return start + i + 1;
                }
                end = start;
            }
        }
        return 0;
    }

    private sealed class Release(JournalFileBackend owner) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                Posix.FLock(owner._lockFd, Posix.LockUn);
            }
        }
    }
}
