using Labbook.IO;

namespace Labbook.Metrics;

/// <summary>
/// Appends points to a <c>metrics.csv</c>. Thread-safe and buffered: rows are written in one
/// append per flush, every <see cref="FlushInterval"/> at most, on <see cref="Flush"/>, on
/// <see cref="Dispose"/> and at process exit. Each flush is a single write of whole lines, so a
/// crash loses at most the last unflushed interval and never leaves a half row among whole ones,
/// and other processes may append to the same file at the same time.
/// </summary>
public sealed class MetricWriter : IDisposable
{
    /// <summary>The longest time a logged point waits in memory.</summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);

    private const int FlushThreshold = 1 << 16;

    private readonly Lock _gate = new();
    private AppendOnlyFile _file;
    private bool _mayBeTorn;
    private IOException? _writeError;
    private readonly Dictionary<string, Series> _series = new(StringComparer.Ordinal);
    private readonly Timer _timer;
    private readonly Func<DateTime> _clock;
    private byte[] _buffer = new byte[FlushThreshold + 4096];
    private int _length;
    private long _cachedTimeKey = -1;
    private readonly bool _systemClock;
    private long _lastCoarseTick = long.MinValue;
    private readonly byte[] _timeBytes = new byte[32];
    private int _timeLength;
    private bool _disposed;

    /// <summary>Opens <paramref name="path"/> for appending, writing the header when the file is new.</summary>
    public MetricWriter(string path, Func<DateTime>? utcClock = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        Path = path;
        _systemClock = utcClock is null;
        _clock = utcClock ?? (() => DateTime.UtcNow);
        AtomicFile.CreateIfMissing(path, MetricCsv.HeaderLine);
        _file = AppendOnlyFile.Open(path);
        TerminateTornTail(path);
        _timer = new Timer(_ => SafeFlush(), null, FlushInterval, FlushInterval);
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>The file written.</summary>
    public string Path { get; }

    /// <summary>
    /// Raised (once per occurrence, on the writing thread) when the file was found deleted and was
    /// created again, header first: the points logged before are gone, later ones are kept.
    /// </summary>
    public event Action? Recreated;

    /// <summary>
    /// The first write that failed (a full disk, an I/O error), or null. The rows of a failed write
    /// are dropped rather than retried, so the file never holds a row twice.
    /// </summary>
    public IOException? WriteError
    {
        get
        {
            lock (_gate)
            {
                return _writeError;
            }
        }
    }

    /// <summary>
    /// Logs one value of <paramref name="name"/> at <paramref name="step"/>; without a step, each
    /// metric counts its own steps from 0, continuing after the last step it was logged at.
    /// </summary>
    public void Log(string name, double value, long? step = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_series.TryGetValue(name, out var series))
            {
                series = new Series(MetricCsv.EncodeName(name));
                _series[name] = series;
            }
            var encoded = series.EncodedName;
            var s = step ?? series.LastStep + 1;
            series.LastStep = s;
            var time = CurrentTime();
            var needed = encoded.Length + time.Length + 64;
            if (_buffer.Length - _length < needed)
            {
                if (_length > 0)
                {
                    FlushLocked();
                }
                if (_buffer.Length < needed)
                {
                    Array.Resize(ref _buffer, needed * 2);
                }
            }
            _length += MetricCsv.FormatRow(_buffer.AsSpan(_length), s, encoded, value, time);
            if (_length >= FlushThreshold)
            {
                FlushLocked();
            }
        }
    }

    /// <summary>Writes everything buffered to the file (not fsynced: the page cache survives a process crash).</summary>
    public void Flush()
    {
        lock (_gate)
        {
            FlushLocked();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            FlushLocked();
            _disposed = true;
            _file.Dispose();
        }
        _timer.Dispose();
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
    }

    private void OnProcessExit(object? sender, EventArgs e) => SafeFlush();

    /// <summary>What the writer keeps per metric: its CSV-encoded name and last step.</summary>
    private sealed class Series(byte[] encodedName)
    {
        public byte[] EncodedName { get; } = encodedName;

        public long LastStep { get; set; } = -1;
    }

    private void SafeFlush()
    {
        try
        {
            lock (_gate)
            {
                if (!_disposed)
                {
                    FlushLocked();
                }
            }
        }
        catch (Exception)
        {
            // A timer callback (and a process-exit handler) must never bring the process down.
            // The next explicit flush reports what went wrong.
        }
    }

    private void FlushLocked()
    {
        if (_length == 0)
        {
            return;
        }
        var recreated = false;
        try
        {
            if (!File.Exists(Path))
            {
                // Deleted under the writer (by hand, or a clean-up script): appending to the
                // unlinked file would lose every later point without a word.
                // The new file is opened before the old one is let go: if it cannot be, the writer keeps a handle it
                // can still use (and report through) rather than a disposed one.
                AtomicFile.CreateIfMissing(Path, MetricCsv.HeaderLine);
                var fresh = AppendOnlyFile.Open(Path);
                _file.Dispose();
                _file = fresh;
                recreated = true;
            }
            if (_mayBeTorn)
            {
                TerminateTornTail(Path);
                _mayBeTorn = false;
            }
            _file.Append(_buffer.AsSpan(0, _length));
            _length = 0;
        }
        catch (IOException e)
        {
            // A write that failed may have written part of a row: end it with a newline before the next one.
            _writeError ??= e;
            _mayBeTorn = true;
            _length = 0;
            throw;
        }
        if (recreated)
        {
            Recreated?.Invoke();
        }
    }

    private ReadOnlySpan<byte> CurrentTime()
    {
        if (_systemClock)
        {
            // The kernel's coarse tick costs a few ns to read, the precise clock tens: the time is
            // read again only when the tick moved, so a point's time is exact to the tick (1-4 ms).
            var tick = Environment.TickCount64;
            if (tick == _lastCoarseTick && _cachedTimeKey >= 0)
            {
                return _timeBytes.AsSpan(0, _timeLength);
            }
            _lastCoarseTick = tick;
        }
        var now = _clock();
        var key = now.Ticks / TimeSpan.TicksPerMillisecond;
        if (key != _cachedTimeKey)
        {
            _cachedTimeKey = key;
            _timeLength = MetricCsv.FormatTime(now, _timeBytes);
        }
        return _timeBytes.AsSpan(0, _timeLength);
    }

    /// <summary>
    /// A file whose last line was cut by a power loss gets a newline, so that the cut line stays
    /// one malformed line (named by readers) instead of swallowing the next row.
    /// </summary>
    private void TerminateTornTail(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
        if (stream.Length == 0)
        {
            return;
        }
        stream.Seek(-1, SeekOrigin.End);
        if (stream.ReadByte() != '\n')
        {
            _file.Append("\n"u8);
        }
    }
}
