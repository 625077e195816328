using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using Labbook.Tuning.Storages;
using Labbook.Tuning.Storages.Journal;

namespace Labbook.Tuning;

/// <summary>
/// Studies kept as an append-only operation log in Optuna 3.1's journal format, over any
/// <see cref="IJournalBackend"/>. State is rebuilt by replaying the log with Optuna's rules; every
/// write takes the backend's lock, catches up with other writers, appends, and reads its own line back.
/// </summary>
public class JournalStorage : IStudyStorage, IDisposable
{
    private readonly IJournalBackend _backend;
    private readonly StorageModel _model = new();
    private readonly JournalOps _ops = new();
    private readonly Lock _gate = new();
    private readonly string _workerPrefix = Guid.NewGuid().ToString() + "-";
    private long _offset;
    private long _linesRead;
    private int _exclusiveDepth;
    private IDisposable? _heldLock;
    private bool _disposed;
    private string? _badLastLine;

    /// <summary>Opens a journal over <paramref name="backend"/> and replays it.</summary>
    public JournalStorage(IJournalBackend backend)
    {
        _backend = backend ?? throw new ArgumentNullException(nameof(backend));
        lock (_gate)
        {
            Sync();
        }
    }

    /// <summary>The backend holding the bytes.</summary>
    public IJournalBackend Backend => _backend;

    /// <inheritdoc/>
    public bool IsShared => true;

    /// <summary>Where the journal is (the file's path for a file backend), for messages.</summary>
    public override string ToString() => _backend.ToString() ?? nameof(JournalStorage);

    /// <summary>This thread's worker id in the journal, as Optuna forms it: a per-storage uuid and the thread id.</summary>
    public string WorkerId => _workerPrefix + Environment.CurrentManagedThreadId.ToString(CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public int CreateStudy(string name, StudyDirection direction)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Exclusive(() =>
        {
            if (_model.FindStudy(name) is not null)
            {
                throw new DuplicateStudyException(name);
            }
            Append(JournalOps.CreateStudy(WorkerId, name, direction));
            return _model.FindStudy(name) ?? throw new InvalidOperationException($"{_backend}: study '{name}' was written but not read back");
        });
    }

    /// <inheritdoc/>
    public int? FindStudy(string name)
    {
        lock (_gate)
        {
            Sync();
            return _model.FindStudy(name);
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> GetStudyNames()
    {
        lock (_gate)
        {
            Sync();
            return _model.StudyNames();
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<StudyDirection> GetStudyDirections(int studyId)
    {
        lock (_gate)
        {
            Sync();
            return _model.Study(studyId).Directions;
        }
    }

    /// <inheritdoc/>
    public void SetStudyUserAttr(int studyId, string key, JsonNode? value) => SetStudyAttr(studyId, true, key, value);

    /// <inheritdoc/>
    public void SetStudySystemAttr(int studyId, string key, JsonNode? value) => SetStudyAttr(studyId, false, key, value);

    private void SetStudyAttr(int studyId, bool user, string key, JsonNode? value) => Exclusive(() =>
    {
        _ = _model.Study(studyId);
        Append(JournalOps.SetStudyAttr(WorkerId, studyId, user, key, value));
        return 0;
    });

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, JsonNode?> GetStudyUserAttrs(int studyId)
    {
        lock (_gate)
        {
            Sync();
            return new Dictionary<string, JsonNode?>(_model.Study(studyId).UserAttrs);
        }
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, JsonNode?> GetStudySystemAttrs(int studyId)
    {
        lock (_gate)
        {
            Sync();
            return new Dictionary<string, JsonNode?>(_model.Study(studyId).SystemAttrs);
        }
    }

    /// <inheritdoc/>
    public int CreateTrial(int studyId, FrozenTrial? template = null) => Exclusive(() =>
    {
        _ = _model.Study(studyId);
        var worker = WorkerId;
        _ops.LastCreatedTrial.Remove(worker);
        Append(template is null
            ? JournalOps.CreateTrial(worker, studyId, DateTime.Now)
            : JournalOps.CreateTrial(worker, studyId, template));
        return _ops.LastCreatedTrial.TryGetValue(worker, out var id)
            ? id
            : throw new InvalidOperationException($"{_backend}: a created trial was not read back");
    });

    /// <inheritdoc/>
    public void SetTrialParams(int trialId, IReadOnlyList<TrialParam> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Count == 0)
        {
            return;
        }
        Exclusive(() =>
        {
            var worker = WorkerId;
            var lines = new string[parameters.Count];
            for (var i = 0; i < lines.Length; i++)
            {
                _model.ValidateParam(trialId, parameters[i].Name, parameters[i].Distribution);
                lines[i] = JournalOps.SetTrialParam(worker, trialId, parameters[i]);
            }
            Append(lines);
            return 0;
        });
    }

    /// <inheritdoc/>
    public bool SetTrialStateValues(int trialId, TrialState state, IReadOnlyList<double>? values = null) => Exclusive(() =>
    {
        var trial = _model.Trial(trialId);
        if (trial.State.IsFinished() || (state == TrialState.Running && trial.State == TrialState.Running))
        {
            return false;
        }
        var worker = WorkerId;
        Append(JournalOps.SetTrialStateValues(worker, trialId, state, values, DateTime.Now));
        return state != TrialState.Running || _model.Trial(trialId).Owner == worker;
    });

    /// <inheritdoc/>
    public bool FinishTrial(int trialId, IReadOnlyList<TrialParam> parameters, IReadOnlyDictionary<string, JsonNode?> systemAttrs, TrialState state, IReadOnlyList<double>? values)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(systemAttrs);
        if (!state.IsFinished())
        {
            throw new ArgumentException("a trial finishes as Complete, Pruned or Fail", nameof(state));
        }
        return Exclusive(() =>
        {
            if (_model.Trial(trialId).State.IsFinished())
            {
                return false;
            }
            var worker = WorkerId;
            var lines = new List<string>(parameters.Count + systemAttrs.Count + 1);
            foreach (var p in parameters)
            {
                _model.ValidateParam(trialId, p.Name, p.Distribution);
                lines.Add(JournalOps.SetTrialParam(worker, trialId, p));
            }
            foreach (var (key, value) in systemAttrs)
            {
                lines.Add(JournalOps.SetTrialAttr(worker, trialId, false, key, value));
            }
            lines.Add(JournalOps.SetTrialStateValues(worker, trialId, state, values, DateTime.Now));
            Append([.. lines]);
            return true;
        });
    }

    /// <inheritdoc/>
    public void SetTrialIntermediateValue(int trialId, int step, double value) => Exclusive(() =>
    {
        _model.ValidateUpdatable(trialId);
        Append(JournalOps.SetTrialIntermediateValue(WorkerId, trialId, step, value));
        return 0;
    });

    /// <inheritdoc/>
    public void SetTrialUserAttr(int trialId, string key, JsonNode? value) => SetTrialAttr(trialId, true, key, value);

    /// <inheritdoc/>
    public void SetTrialSystemAttr(int trialId, string key, JsonNode? value) => SetTrialAttr(trialId, false, key, value);

    private void SetTrialAttr(int trialId, bool user, string key, JsonNode? value) => Exclusive(() =>
    {
        _model.ValidateUpdatable(trialId);
        Append(JournalOps.SetTrialAttr(WorkerId, trialId, user, key, value));
        return 0;
    });

    /// <inheritdoc/>
    public FrozenTrial GetTrial(int trialId)
    {
        lock (_gate)
        {
            Sync();
            return _model.Trial(trialId).Freeze();
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<FrozenTrial> GetAllTrials(int studyId)
    {
        lock (_gate)
        {
            Sync();
            return _model.Trials(studyId);
        }
    }

    /// <inheritdoc/>
    public T Exclusive<T>(Func<T> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_exclusiveDepth == 0)
            {
                _heldLock = _backend.Lock();
            }
            _exclusiveDepth++;
            try
            {
                Sync();
                return action();
            }
            finally
            {
                if (--_exclusiveDepth == 0)
                {
                    _heldLock?.Dispose();
                    _heldLock = null;
                }
            }
        }
    }

    /// <summary>Returns once every line this storage wrote is durable (see <see cref="JournalDurability"/>).</summary>
    public void Flush() => _backend.Flush();

    /// <summary>Appends lines in one write, then reads them back (ids are implied by file order).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Append(params string[] lines)
    {
        if (_badLastLine is { } bad)
        {
            // Appending would bury an unreadable line in the middle of the file, where every reader (Optuna's too)
            // rejects it: refuse, and leave the file as it is.
            throw new JournalFormatException(_backend.ToString() ?? "journal", _linesRead + 1,
                bad + "; the last line of the journal is complete but not valid JSON, so nothing more is written until it is fixed or removed");
        }
        var length = 0;
        foreach (var line in lines)
        {
            length += Encoding.UTF8.GetByteCount(line) + 1;
        }
        var bytes = new byte[length];
        var at = 0;
        foreach (var line in lines)
        {
            at += Encoding.UTF8.GetBytes(line, bytes.AsSpan(at));
            bytes[at++] = (byte)'\n';
        }
        _backend.AppendLogs(bytes);
        Sync();
    }

    /// <summary>Reads and applies every complete line written since the last sync.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Sync()
    {
        _badLastLine = null;
        var data = _backend.ReadLogs(_offset).Span;
        var consumed = 0;
        while (consumed < data.Length)
        {
            var end = data[consumed..].IndexOf((byte)'\n');
            if (end < 0)
            {
                break;
            }
            var line = data.Slice(consumed, end);
            try
            {
                _ops.ApplyLine(_model, line);
            }
            catch (Exception ex) when (ex is FormatException or InvalidCastException or InvalidOperationException or ArgumentException or OverflowException or KeyNotFoundException)
            {
                if (consumed + end + 1 == data.Length && ex is FormatException)
                {
                    // As Optuna: an unparsable *last* line may be a write in progress; read it again next time.
                    _badLastLine = Text.ErrorText.Of(ex);
                    break;
                }
                throw new JournalFormatException(_backend.ToString() ?? "journal", _linesRead + 1, Text.ErrorText.Of(ex));
            }
            consumed += end + 1;
            _linesRead++;
        }
        _offset += consumed;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the backend.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_gate)
            {
                if (!_disposed)
                {
                    _disposed = true;
                    _backend.Dispose();
                }
            }
        }
    }
}

/// <summary>A journal file with Optuna 3.1's format and Labbook's crash safety (see <see cref="JournalFileBackend"/>).</summary>
public sealed class JournalFileStorage : JournalStorage
{
    /// <summary>Opens (or creates) the journal at <paramref name="path"/>.</summary>
    /// <param name="path">The journal file; its folder is created when missing.</param>
    /// <param name="lockTimeout">How long a writer waits for another live writer's lock before failing (default 60 s).</param>
    /// <param name="durability">When appends are fsynced: <see cref="JournalDurability.GroupCommit"/> (default) or every append.</param>
    /// <param name="syncDelay">With group commit, how long appends are gathered before one fsync (default 20 ms).</param>
    public JournalFileStorage(string path, TimeSpan? lockTimeout = null, JournalDurability durability = JournalDurability.GroupCommit, TimeSpan? syncDelay = null)
        : base(new JournalFileBackend(path, lockTimeout, durability, syncDelay))
    {
    }

    /// <summary>The journal's full path.</summary>
    public string FilePath => ((JournalFileBackend)Backend).FilePath;
}

/// <summary>
/// When a journal file's appends reach the disk. Either way every append is written to the kernel before it
/// returns: other processes on the machine see it at once, and it survives a kill -9 of the writer (the kernel
/// writes it back). The modes differ only in what a power loss or kernel crash can take.
/// See docs/decisions/0018-journal-durability.md.
/// </summary>
public enum JournalDurability
{
    /// <summary>
    /// Group commit (the default): a background flusher fsyncs the file at most a sync delay (20 ms) after an
    /// append, covering every append made meanwhile in one fsync; <c>Flush</c>, the end of
    /// <see cref="Study.Optimize"/> and <c>Dispose</c> wait for one. A power loss can take the appends of the
    /// last sync delay plus one fsync; the next writer cuts a torn tail and the heartbeat reclaims a trial whose
    /// result was lost.
    /// </summary>
    GroupCommit,

    /// <summary>Every append is fsynced before it returns (as Optuna 3.1 does): slower, loses nothing acknowledged to a power loss.</summary>
    EveryAppend,
}

/// <summary>A journal line that cannot be read; names the journal and the 1-based line.</summary>
public sealed class JournalFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public JournalFormatException(string source, long line, string reason)
        : base(string.Create(CultureInfo.InvariantCulture, $"{source}: line {line}: {reason}"))
    {
        Source = source;
        Line = line;
    }

    /// <summary>The 1-based line number.</summary>
    public long Line { get; }
}
