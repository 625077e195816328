using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.Json.Nodes;
using Labbook.IO;
using Labbook.Json;
using Labbook.Metrics;
using Labbook.Processes;
using Labbook.Workspaces;

namespace Labbook.Runs;

/// <summary>
/// A run, seen from the program being tracked. Under <c>lab run</c> (when <c>LAB_RUN_DIR</c> is
/// set) it attaches to the run <c>lab</c> started; otherwise it starts and owns a run of its own
/// in the workspace found from the current folder. Logging is buffered and thread-safe: points
/// reach metrics.csv within a second, on <see cref="Flush"/>, on <see cref="Dispose"/> and at exit.
/// </summary>
/// <example>
/// <code>
/// using var run = Run.Start(name: "mlp", parameters: new Dictionary&lt;string, object?&gt; { ["lr"] = 1e-3 });
/// for (var step = 0; step &lt; 100; step++)
///     run.Log(step, new { loss = 1.0 / (step + 1), acc = step / 100.0 });
/// </code>
/// </example>
public sealed class Run : IDisposable
{
    private static readonly Lock CurrentGate = new();
    private static Run? _current;

    private readonly MetricWriter _metrics;
    private readonly Heartbeat? _heartbeat;
    private readonly RunRecord? _ownedRecord;
    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, double> _values = new(StringComparer.Ordinal);
    private bool _ended;

    private Run(string id, string directory, IReadOnlyDictionary<string, JsonNode?> parameters, RunRecord? ownedRecord)
    {
        Id = id;
        Directory = directory;
        Params = parameters;
        _ownedRecord = ownedRecord;
        _metrics = new MetricWriter(Path.Combine(directory, RunFiles.Metrics));
        if (ownedRecord is not null)
        {
            _heartbeat = new Heartbeat(directory);
            AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
            AppDomain.CurrentDomain.UnhandledException += OnUnhandledException;
        }
    }

    /// <summary>The run id.</summary>
    public string Id { get; }

    /// <summary>The run folder.</summary>
    public string Directory { get; }

    /// <summary>The run's parameters (from <c>LAB_PARAMS</c> when attached).</summary>
    public IReadOnlyDictionary<string, JsonNode?> Params { get; }

    /// <summary>True when this process owns the run's lifecycle (not attached to <c>lab run</c>).</summary>
    public bool IsOwner => _ownedRecord is not null;

    /// <summary>
    /// The run of this process: attached to <c>lab run</c>'s through <c>LAB_RUN_DIR</c>, or one
    /// started on first use (ended at process exit).
    /// </summary>
    public static Run Current
    {
        get
        {
            lock (CurrentGate)
            {
                return _current ??= Attach() ?? Start();
            }
        }
    }

    /// <summary>Starts a run owned by this process (or attaches, when launched by <c>lab run</c>).</summary>
    /// <param name="name">A human name.</param>
    /// <param name="parameters">Parameters to record.</param>
    /// <param name="why">The question the run answers.</param>
    /// <param name="tags">Tags.</param>
    /// <param name="workspace">The workspace root; default: found from the current folder or <c>LAB_WORKSPACE</c>.</param>
    public static Run Start(string? name = null, IReadOnlyDictionary<string, object?>? parameters = null, string? why = null, IEnumerable<string>? tags = null, string? workspace = null)
    {
        if (Attach() is { } attached)
        {
            lock (CurrentGate)
            {
                _current ??= attached;
            }
            return attached;
        }
        if (name is not null && Names.Validate(name, "run name") is { } problem)
        {
            throw new ArgumentException(problem, nameof(name));
        }
        var ws = workspace is not null ? Workspace.FindOrCreate(workspace, workspace) : Workspace.FromEnvironment(create: true);
        var now = DateTime.UtcNow;
        var pid = System.Environment.ProcessId;
        var args = System.Environment.GetCommandLineArgs();
        var record = new RunRecord
        {
            Name = name,
            Status = RunStatus.Running,
            Argv = [.. args],
            Command = ShellQuote.Join(args),
            Cwd = System.Environment.CurrentDirectory,
            Params = ToJson(parameters),
            Tags = tags?.ToList() ?? [],
            Why = why,
            Git = Git.GitProbe.ReadHead(System.Environment.CurrentDirectory),
            Host = ProcessIdentity.HostName,
            User = ProcessIdentity.UserName,
            Owner = new RunOwner { Host = ProcessIdentity.HostName, Pid = pid, PidStartTicks = ProcessIdentity.StartTicks(pid) ?? 0, BootId = ProcessIdentity.BootId },
            Started = now,
            LabbookVersion = LabbookInfo.Version,
        };
        var dir = new RunStore(ws).Create(record, now);
        var run = new Run(record.Id, dir, record.Params, record);
        lock (CurrentGate)
        {
            _current ??= run;
        }
        return run;
    }

    /// <summary>Logs one value; without a step, each metric counts its own steps from 0.</summary>
    public void Log(string name, double value, long? step = null) => _metrics.Log(name, value, step);

    /// <summary>Logs several values at one step.</summary>
    public void Log(long step, IReadOnlyDictionary<string, double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (var (name, value) in values)
        {
            Log(name, value, step);
        }
    }

    /// <summary>Logs the numeric public properties of an object (an anonymous <c>new { loss, acc }</c>) at one step.</summary>
    public void Log<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] T>(long step, T values)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (var property in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length == 0 && ToDouble(property.GetValue(values)) is { } v)
            {
                Log(property.Name, v, step);
            }
        }
    }

    /// <summary>Sets a summary value (shown instead of the metric's last value), e.g. the test accuracy.</summary>
    public void SetSummary(string name, double value)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_gate)
        {
            _values[name] = value;
            AtomicFile.Write(Path.Combine(Directory, RunFiles.Values), LabJson.Serialize(new Dictionary<string, double>(_values), LabJsonContext.Default.DictionaryStringDouble));
        }
    }

    /// <summary>Keeps a file with the run: <c>artifacts/NAME/STEP.EXT</c> (or <c>artifacts/NAME</c> without a step).</summary>
    public string SaveArtifact(string name, ReadOnlySpan<byte> content, long? step = null, string extension = "bin")
    {
        var path = ArtifactPath(name, step, extension);
        AtomicFile.Write(path, content);
        return path;
    }

    /// <summary>Copies a file into the run's artifacts (see <see cref="SaveArtifact(string, ReadOnlySpan{byte}, long?, string)"/>).</summary>
    public string SaveArtifactFile(string name, string sourcePath, long? step = null)
    {
        ArgumentNullException.ThrowIfNull(sourcePath);
        var ext = Path.GetExtension(sourcePath).TrimStart('.');
        var path = ArtifactPath(name, step, ext.Length > 0 ? ext : "bin");
        File.Copy(sourcePath, path, overwrite: true);
        return path;
    }

    /// <summary>Writes buffered points now.</summary>
    public void Flush() => _metrics.Flush();

    /// <summary>Flushes; when this process owns the run, ends it as completed.</summary>
    public void Dispose() => End(RunStatus.Completed, null);

    /// <summary>Ends an owned run as failed with a reason (for programs that catch their own errors).</summary>
    public void Fail(string reason) => End(RunStatus.Failed, reason);

    private string ArtifactPath(string name, long? step, string extension)
    {
        if (Names.ValidateFileSafe(name, "artifact name") is { } problem)
        {
            throw new ArgumentException(problem, nameof(name));
        }
        var dir = Path.Combine(Directory, RunFiles.Artifacts, name);
        System.IO.Directory.CreateDirectory(step is null ? Path.Combine(Directory, RunFiles.Artifacts) : dir);
        return step is { } s ? Path.Combine(dir, $"{s.ToString(System.Globalization.CultureInfo.InvariantCulture)}.{extension}") : Path.Combine(Directory, RunFiles.Artifacts, $"{name}.{extension}");
    }

    private void End(RunStatus status, string? reason)
    {
        lock (_gate)
        {
            if (_ended)
            {
                return;
            }
            _ended = true;
        }
        _metrics.Dispose();
        if (_ownedRecord is { } record)
        {
            _heartbeat?.Dispose();
            AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
            AppDomain.CurrentDomain.UnhandledException -= OnUnhandledException;
            var summary = new MetricReader().Summarize(Path.Combine(Directory, RunFiles.Metrics));
            foreach (var (k, v) in _values)
            {
                summary.Values[k] = v;
            }
            RunStore.WriteSummary(Directory, summary);
            var ended = DateTime.UtcNow;
            record.Status = status;
            record.Reason = reason;
            record.ExitCode = status == RunStatus.Completed ? 0 : null;
            record.Ended = ended;
            record.DurationS = Math.Round((ended - record.Started!.Value).TotalSeconds, 3);
            RunStore.WriteRecord(Directory, record);
        }
        lock (CurrentGate)
        {
            if (ReferenceEquals(_current, this))
            {
                _current = null;
            }
        }
    }

    private void OnProcessExit(object? sender, EventArgs e) => End(RunStatus.Completed, null);

    private void OnUnhandledException(object? sender, UnhandledExceptionEventArgs e) =>
        End(RunStatus.Failed, e.ExceptionObject is Exception ex ? $"{ex.GetType().Name}: {ex.Message}" : "unhandled exception");

    private static Run? Attach()
    {
        var dir = System.Environment.GetEnvironmentVariable(RunLauncher.RunDirVariable);
        if (string.IsNullOrEmpty(dir) || !System.IO.Directory.Exists(dir))
        {
            return null;
        }
        var id = System.Environment.GetEnvironmentVariable(RunLauncher.RunIdVariable) ?? Path.GetFileName(dir);
        var parameters = new Dictionary<string, JsonNode?>();
        var json = System.Environment.GetEnvironmentVariable(RunLauncher.ParamsVariable);
        if (!string.IsNullOrEmpty(json) && JsonNode.Parse(json) is JsonObject obj)
        {
            foreach (var (k, v) in obj)
            {
                parameters[k] = v?.DeepClone();
            }
        }
        return new Run(id, dir, parameters, ownedRecord: null);
    }

    private static Dictionary<string, JsonNode?> ToJson(IReadOnlyDictionary<string, object?>? parameters)
    {
        var result = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        if (parameters is null)
        {
            return result;
        }
        foreach (var (k, v) in parameters)
        {
            result[k] = v switch
            {
                null => null,
                bool b => JsonValue.Create(b),
                int i => JsonValue.Create(i),
                long l => JsonValue.Create(l),
                double d when double.IsFinite(d) => LabJson.Number(d),
                double d => JsonValue.Create(MetricText.FormatValue(d)),
                float f => LabJson.Number(f),
                decimal m => JsonValue.Create(m),
                JsonNode n => n.DeepClone(),
                _ => JsonValue.Create(Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)),
            };
        }
        return result;
    }

    private static double? ToDouble(object? value) => value switch
    {
        double d => d,
        float f => f,
        int i => i,
        long l => l,
        short s => s,
        byte b => b,
        decimal m => (double)m,
        bool b => b ? 1 : 0,
        _ => null,
    };
}
