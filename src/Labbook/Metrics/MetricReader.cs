using Sylvan.Data.Csv;

namespace Labbook.Metrics;

/// <summary>A problem found in a file, with its place.</summary>
/// <param name="Path">The file.</param>
/// <param name="Line">The 1-based line number.</param>
/// <param name="Message">What is wrong.</param>
public sealed record FileIssue(string Path, long Line, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Path}: line {Line}: {Message}";
}

/// <summary>
/// Reads <c>metrics.csv</c> files with Sylvan's CSV parser. A last line without its newline is a
/// write in progress and is left for the next read; any other malformed line is skipped and named
/// in <see cref="Issues"/> with its line number.
/// </summary>
public sealed class MetricReader
{
    private readonly List<FileIssue> _issues = [];

    // Where the last read ended, and how many lines came before that point: an incremental read
    // that continues from there numbers its lines from the top of the file, as a full read does.
    private long _lastEnd;
    private long _linesBeforeLastEnd;

    /// <summary>Malformed lines met so far.</summary>
    public IReadOnlyList<FileIssue> Issues => _issues;

    /// <summary>Forgets where the last read ended (the file was replaced): the next read starts from offset 0.</summary>
    public void Restart()
    {
        _lastEnd = 0;
        _linesBeforeLastEnd = 0;
    }

    /// <summary>Reads every complete point of <paramref name="path"/>; a missing file has none.</summary>
    public IEnumerable<MetricPoint> Read(string path) => Read(path, 0, null);

    /// <summary>
    /// Reads the points that start at byte <paramref name="fromOffset"/> (0, or an offset returned
    /// earlier through <paramref name="endOffset"/>), for incremental readers.
    /// </summary>
    public IEnumerable<MetricPoint> Read(string path, long fromOffset, Action<long>? endOffset)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            endOffset?.Invoke(fromOffset);
            yield break;
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        var complete = CompleteLength(stream);
        if (complete <= fromOffset)
        {
            endOffset?.Invoke(Math.Max(fromOffset, 0));
            yield break;
        }
        stream.Seek(fromOffset, SeekOrigin.Begin);
        var firstLine = fromOffset == 0 ? 1L : fromOffset == _lastEnd ? _linesBeforeLastEnd + 1 : -1L;
        using var text = new StreamReader(new BoundedStream(stream, complete - fromOffset), System.Text.Encoding.UTF8, false, 1 << 16);
        var options = new CsvDataReaderOptions { HasHeaders = false, Delimiter = ',', BufferSize = 1 << 16 };
        using var csv = CsvDataReader.Create(text, options);
        var line = firstLine;
        var first = true;
        while (csv.Read())
        {
            var thisLine = line;
            if (first && fromOffset == 0)
            {
                first = false;
                line += 1 + CountNewlines(csv);
                if (!IsHeader(csv))
                {
                    _issues.Add(new FileIssue(path, 1, "expected the header step,name,value,time"));
                }
                continue;
            }
            first = false;
            line += 1 + CountNewlines(csv);
            if (csv.RowFieldCount != 4)
            {
                Report(path, thisLine, $"expected 4 fields (step,name,value,time), found {csv.RowFieldCount}");
                continue;
            }
            var stepText = csv.GetFieldSpan(0);
            if (!long.TryParse(stepText, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var step))
            {
                // Steps written as floats by other tools (e.g. "3.0") are accepted when integral.
                if (!Json.MetricText.TryParseValue(stepText, out var stepDouble) || stepDouble != Math.Floor(stepDouble) || !double.IsFinite(stepDouble))
                {
                    Report(path, thisLine, $"step '{stepText}' is not an integer");
                    continue;
                }
                step = (long)stepDouble;
            }
            if (!Json.MetricText.TryParseValue(csv.GetFieldSpan(2), out var value))
            {
                Report(path, thisLine, $"value '{csv.GetString(2)}' is not a number");
                continue;
            }
            var name = csv.GetString(1);
            if (name.Length == 0)
            {
                Report(path, thisLine, "empty metric name");
                continue;
            }
            yield return new MetricPoint(step, name, value, csv.GetString(3));
        }
        if (line > 0)
        {
            _lastEnd = complete;
            _linesBeforeLastEnd = line - 1;
        }
        endOffset?.Invoke(complete);
    }

    /// <summary>Folds every point of a file into per-metric statistics.</summary>
    public RunSummary Summarize(string path, RunSummary? continueFrom = null)
    {
        var summary = continueFrom ?? new RunSummary();
        long end = summary.MetricsBytes;
        foreach (var p in Read(path, summary.MetricsBytes, e => end = e))
        {
            if (!summary.Metrics.TryGetValue(p.Name, out var stats))
            {
                stats = new MetricStats();
                summary.Metrics[p.Name] = stats;
            }
            stats.Add(p.Step, p.Value);
        }
        summary.MetricsBytes = end;
        return summary;
    }

    private void Report(string path, long line, string message)
    {
        // Line numbers are only known when reading from the top of the file.
        _issues.Add(new FileIssue(path, line < 0 ? 0 : line, message));
    }

    private static bool IsHeader(CsvDataReader csv) =>
        csv.RowFieldCount >= 4
        && csv.GetFieldSpan(0).SequenceEqual("step")
        && csv.GetFieldSpan(1).SequenceEqual("name")
        && csv.GetFieldSpan(2).SequenceEqual("value")
        && csv.GetFieldSpan(3).SequenceEqual("time");

    private static int CountNewlines(CsvDataReader csv)
    {
        var count = 0;
        for (var i = 0; i < csv.RowFieldCount; i++)
        {
            var span = csv.GetFieldSpan(i);
            if (span.Length > 0 && span.Contains('\n'))
            {
                count += span.Count('\n');
            }
        }
        return count;
    }

    /// <summary>The length of the file up to and including its last newline.</summary>
    private static long CompleteLength(FileStream stream)
    {
        var length = stream.Length;
        if (length == 0)
        {
            return 0;
        }
        var buffer = new byte[4096];
        var end = length;
        while (end > 0)
        {
            var start = Math.Max(0, end - buffer.Length);
            stream.Seek(start, SeekOrigin.Begin);
            var n = (int)(end - start);
            stream.ReadExactly(buffer, 0, n);
            var i = buffer.AsSpan(0, n).LastIndexOf((byte)'\n');
            if (i >= 0)
            {
                return start + i + 1;
            }
            end = start;
        }
        return 0;
    }
}

/// <summary>Exposes the first <c>length</c> bytes of a stream from its current position.</summary>
internal sealed class BoundedStream(Stream inner, long length) : Stream
{
    private long _remaining = length;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_remaining <= 0)
        {
            return 0;
        }
        var n = inner.Read(buffer[..(int)Math.Min(buffer.Length, _remaining)]);
        _remaining -= n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
