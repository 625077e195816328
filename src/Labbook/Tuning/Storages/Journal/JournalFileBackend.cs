using System.Diagnostics;
using Labbook.IO;

namespace Labbook.Tuning.Storages.Journal;

/// <summary>
/// The journal in one local or shared file, byte-compatible with Optuna 3.1's <c>JournalFileStorage</c>.
/// Writers lock with <c>flock</c> on a side file <c>&lt;path&gt;.flock</c>: the kernel drops the lock when
/// the holder dies, so a killed writer never blocks anyone (Optuna's symlink lock can). Under the lock,
/// a writer first repairs a torn tail (bytes after the last newline, left by a crash mid-write) by
/// truncating them, then appends with <c>O_APPEND</c>. How appends reach the disk is the
/// <see cref="JournalDurability"/>: every append is handed to the kernel before it returns (visible to
/// other processes, safe from a kill -9 of the writer); with <see cref="JournalDurability.GroupCommit"/>
/// (the default) a background flusher fsyncs the file within <see cref="SyncDelay"/>, with
/// <see cref="JournalDurability.EveryAppend"/> each append is fsynced before it returns. Readers never
/// lock and never write. See docs/decisions/0010-journal-lock.md and 0018-journal-durability.md.
/// </summary>
public sealed class JournalFileBackend : IJournalBackend
{
    private readonly string _path;
    private readonly string _lockPath;
    private readonly TimeSpan _lockTimeout;
    private readonly Lock _gate = new();
    private readonly Lock _syncGate = new();
    private readonly object _signal = new();
    private bool _flusherIdle;
    private int _fd = -1;
    private int _lockFd = -1;

    // Group commit: appends are numbered; the flusher (or Flush) records the highest number an fsync covered.
    private long _appended;
    private long _synced;
    private long _syncs;
    private Thread? _flusher;
    private bool _stopping;
    private IOException? _syncError;
    private readonly TimeProvider _clock;

    /// <summary>The default <see cref="SyncDelay"/> of <see cref="JournalDurability.GroupCommit"/>: 20 ms.</summary>
    public static readonly TimeSpan DefaultSyncDelay = TimeSpan.FromMilliseconds(20);

    /// <summary>Opens (creating if needed, with its folder) the journal at <paramref name="path"/>.</summary>
    /// <param name="path">The journal file.</param>
    /// <param name="lockTimeout">How long a writer waits for another live writer before failing (default 60 s).</param>
    /// <param name="durability">When appends are fsynced (default <see cref="JournalDurability.GroupCommit"/>).</param>
    /// <param name="syncDelay">
    /// With group commit, how long the flusher gathers appends before it fsyncs them (default 20 ms; zero syncs
    /// as soon as an append arrives). Ignored with <see cref="JournalDurability.EveryAppend"/>.
    /// </param>
    public JournalFileBackend(string path, TimeSpan? lockTimeout = null, JournalDurability durability = JournalDurability.GroupCommit, TimeSpan? syncDelay = null)
        : this(path, lockTimeout, durability, syncDelay, TimeProvider.System)
    {
    }

    /// <summary>As the public constructor, with the clock the flusher measures its gathering delay on (tests step it).</summary>
    internal JournalFileBackend(string path, TimeSpan? lockTimeout, JournalDurability durability, TimeSpan? syncDelay, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _clock = clock;
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (durability is not (JournalDurability.GroupCommit or JournalDurability.EveryAppend))
        {
            throw new ArgumentOutOfRangeException(nameof(durability));
        }
        if (syncDelay is { } delay && (delay < TimeSpan.Zero || delay > TimeSpan.FromHours(24)))
        {
            throw new ArgumentOutOfRangeException(nameof(syncDelay), "the sync delay must be between 0 and 24 hours");
        }
        _path = Path.GetFullPath(path);
        _lockPath = _path + ".flock";
        _lockTimeout = lockTimeout ?? TimeSpan.FromSeconds(60);
        Durability = durability;
        SyncDelay = syncDelay ?? DefaultSyncDelay;
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

    /// <summary>When appends are fsynced.</summary>
    public JournalDurability Durability { get; }

    /// <summary>With <see cref="JournalDurability.GroupCommit"/>: the longest an append waits before its fsync starts.</summary>
    public TimeSpan SyncDelay { get; }

    /// <summary>How many appends this backend made.</summary>
    public long AppendCount => Interlocked.Read(ref _appended);

    /// <summary>How many of <see cref="AppendCount"/> an fsync has covered (equal when everything is durable).</summary>
    public long SyncedAppendCount => Interlocked.Read(ref _synced);

    /// <summary>How many fsyncs this backend made for appends (diagnostics: group commit makes fewer than appends).</summary>
    public long SyncCount => Interlocked.Read(ref _syncs);

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
            if (Interlocked.Exchange(ref _syncError, null) is { } error)
            {
                // The flusher's fsync failed (EIO, ENOSPC): earlier appends may not be on disk. Fail this append, before
                // writing, as a failed fsync would have failed the append it belonged to.
                throw error;
            }
            RepairTail();
            CrashPoints.Tear(CrashPoints.StudyJournal, _fd, lines);
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
            CrashPoints.Reached(CrashPoints.StudyAppended);
            var number = Interlocked.Increment(ref _appended);
            if (Durability == JournalDurability.EveryAppend)
            {
                SyncThrough(number);
                return;
            }
            if (_flusher is null || !_flusher.IsAlive)
            {
                // First append, or the flusher stopped on a failure it reported (thrown above): start a fresh one.
                if (_flusher is null)
                {
                    AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
                }
                _flusher = new Thread(FlushLoop) { IsBackground = true, Name = "journal flusher" };
                _flusher.Start();
            }
            lock (_signal)
            {
                if (_flusherIdle)
                {
                    Monitor.Pulse(_signal);
                }
            }
        }
    }

    /// <summary>
    /// Makes every append made so far durable: returns after an fsync that covers them (at once when one already
    /// has). Group commit's barrier: <see cref="Study.Optimize"/> calls it at the end, <see cref="Dispose"/> too.
    /// </summary>
    public void Flush()
    {
        if (Interlocked.Exchange(ref _syncError, null) is { } error)
        {
            throw error;
        }
        var target = Interlocked.Read(ref _appended);
        if (Interlocked.Read(ref _synced) >= target)
        {
            return;
        }
        lock (_gate)
        {
            if (_fd >= 0)
            {
                SyncThrough(target);
            }
        }
    }

    /// <summary>fsyncs the file and records that appends up to <paramref name="number"/> are durable.</summary>
    private void SyncThrough(long number)
    {
        lock (_syncGate)
        {
            if (Interlocked.Read(ref _synced) >= number)
            {
                return;
            }
            if (Posix.FSync(_fd) != 0)
            {
                throw Posix.Error("fsync", _path);
            }
            CrashPoints.Reached(CrashPoints.StudySynced);
            Interlocked.Increment(ref _syncs);
            Interlocked.Exchange(ref _synced, number);
        }
    }

    /// <summary>
    /// The group-commit flusher: sleeps until an append is unsynced, lets <see cref="SyncDelay"/> gather more,
    /// then fsyncs them all at once. It runs outside <c>_gate</c> (writers never wait for the disk); Dispose
    /// stops it, after a last fsync, before the descriptor is closed.
    /// </summary>
    private void FlushLoop()
    {
        // A background thread must never throw into the host program: every failure, not only an fsync's, is kept
        // and thrown by the next append or Flush, where a caller can handle it.
        try
        {
            while (true)
            {
                lock (_signal)
                {
                    while (!_stopping && Interlocked.Read(ref _synced) >= Interlocked.Read(ref _appended))
                    {
                        _flusherIdle = true;
                        Monitor.Wait(_signal);
                        _flusherIdle = false;
                    }
                    if (_stopping)
                    {
                        return;
                    }
                    // Gather appends for SyncDelay; writers do not wake a busy flusher, only Dispose ends this early.
                    // The remaining time is read from the clock once per wait: checking it and reading it again
                    // could yield a negative timeout when the thread is descheduled in between.
                    var started = _clock.GetTimestamp();
                    while (!_stopping && RemainingMilliseconds(_clock.GetElapsedTime(started)) is var remaining and > 0)
                    {
                        Monitor.Wait(_signal, remaining);
                    }
                    if (_stopping)
                    {
                        return;
                    }
                }
                try
                {
                    SyncThrough(Interlocked.Read(ref _appended));
                }
                catch (IOException ex)
                {
                    Interlocked.Exchange(ref _syncError, ex);
                }
            }
        }
        catch (Exception ex)
        {
            // The flusher's whole point here: no exception may escape a background thread.
            lock (_signal)
            {
                _flusherIdle = false;
            }
            Interlocked.Exchange(ref _syncError, new IOException($"{_path}: the journal's background flush stopped: {ex.Message}", ex));
        }
    }

    /// <summary>
    /// Whole milliseconds left of <see cref="SyncDelay"/> after <paramref name="elapsed"/>, rounded up so that a
    /// fraction of a millisecond still waits; zero or less means the delay is over. Never a negative timeout.
    /// </summary>
    private int RemainingMilliseconds(TimeSpan elapsed)
    {
        var left = SyncDelay - elapsed;
        return left <= TimeSpan.Zero ? 0 : (int)Math.Min(int.MaxValue, Math.Ceiling(left.TotalMilliseconds));
    }

    private void OnProcessExit(object? sender, EventArgs e)
    {
        try
        {
            Flush();
        }
        catch (IOException)
        {
            // Nothing to report to at exit; the data is still in the kernel and reaches the disk with its writeback.
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
        Thread? flusher;
        lock (_gate)
        {
            flusher = _flusher;
        }
        lock (_signal)
        {
            _stopping = true;
            Monitor.PulseAll(_signal);
        }
        flusher?.Join();
        if (flusher is not null)
        {
            AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        }
        lock (_gate)
        {
            if (_fd >= 0)
            {
                if (Interlocked.Read(ref _synced) < Interlocked.Read(ref _appended))
                {
                    // The last group commit; a failure here has no caller left to report to but the disposer.
                    SyncThrough(Interlocked.Read(ref _appended));
                }
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
            CrashPoints.Reached(CrashPoints.StudyTailCut);
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
