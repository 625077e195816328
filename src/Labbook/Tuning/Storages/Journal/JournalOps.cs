using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;

namespace Labbook.Tuning.Storages.Journal;

/// <summary>Optuna 3.1's journal operation codes.</summary>
internal enum JournalOperation
{
    CreateStudy = 0,
    DeleteStudy = 1,
    SetStudyUserAttr = 2,
    SetStudySystemAttr = 3,
    CreateTrial = 4,
    SetTrialParam = 5,
    SetTrialStateValues = 6,
    SetTrialIntermediateValue = 7,
    SetTrialUserAttr = 8,
    SetTrialSystemAttr = 9,
}

/// <summary>
/// Writes journal lines exactly as Optuna 3.1 does (key order, spacing, escapes, float repr) and replays
/// them onto a <see cref="StorageModel"/> with Optuna's rules.
/// </summary>
internal sealed class JournalOps
{
    private const string DateFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff";
    private readonly Dictionary<string, Distribution> _distributionCache = new(StringComparer.Ordinal);

    /// <summary>The id of the last trial created by each worker, as learned by replay.</summary>
    public Dictionary<string, int> LastCreatedTrial { get; } = new(StringComparer.Ordinal);

    public static string FormatDate(DateTime dt) => dt.ToString(DateFormat, CultureInfo.InvariantCulture);

    public static DateTime ParseDate(string s)
    {
        // Fast path for what Optuna writes: yyyy-MM-ddTHH:mm:ss.ffffff (local time, no zone).
        if (s.Length == 26 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':' && s[19] == '.'
            && TryDigits(s, 0, 4, out var y) && TryDigits(s, 5, 2, out var mo) && TryDigits(s, 8, 2, out var d)
            && TryDigits(s, 11, 2, out var h) && TryDigits(s, 14, 2, out var mi) && TryDigits(s, 17, 2, out var sec)
            && TryDigits(s, 20, 6, out var us) && mo is >= 1 and <= 12 && d >= 1 && d <= DateTime.DaysInMonth(y, mo) && h < 24 && mi < 60 && sec < 60)
        {
            return new DateTime(y, mo, d, h, mi, sec, DateTimeKind.Unspecified).AddTicks(us * 10L);
        }
        return DateTime.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind | DateTimeStyles.AllowWhiteSpaces);
    }

    private static bool TryDigits(string s, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            var c = s[i];
            if (c is < '0' or > '9')
            {
                return false;
            }
            value = (value * 10) + (c - '0');
        }
        return true;
    }

    private static StringBuilder Begin(JournalOperation op, string workerId)
    {
        var sb = new StringBuilder(160);
        sb.Append("{\"op_code\": ").Append((int)op).Append(", \"worker_id\": ");
        PythonJson.WriteString(sb, workerId);
        return sb;
    }

    private static void Key(StringBuilder sb, string key) => sb.Append(", \"").Append(key).Append("\": ");

    private static void Date(StringBuilder sb, DateTime? dt)
    {
        if (dt is { } d)
        {
            sb.Append('"').Append(FormatDate(d)).Append('"');
        }
        else
        {
            sb.Append("null");
        }
    }

    public static string CreateStudy(string workerId, string name, StudyDirection direction)
    {
        var sb = Begin(JournalOperation.CreateStudy, workerId);
        Key(sb, "study_name");
        PythonJson.WriteString(sb, name);
        Key(sb, "directions");
        sb.Append('[').Append((int)direction).Append("]}");
        return sb.ToString();
    }

    public static string SetStudyAttr(string workerId, int studyId, bool user, string key, JsonNode? value)
    {
        var sb = Begin(user ? JournalOperation.SetStudyUserAttr : JournalOperation.SetStudySystemAttr, workerId);
        Key(sb, "study_id");
        sb.Append(studyId);
        Key(sb, user ? "user_attr" : "system_attr");
        sb.Append('{');
        PythonJson.WriteString(sb, key);
        sb.Append(": ");
        PythonJson.Write(sb, value);
        sb.Append("}}");
        return sb.ToString();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string CreateTrial(string workerId, int studyId, DateTime start)
    {
        var sb = Begin(JournalOperation.CreateTrial, workerId);
        Key(sb, "study_id");
        sb.Append(studyId);
        Key(sb, "datetime_start");
        Date(sb, start);
        sb.Append('}');
        return sb.ToString();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string CreateTrial(string workerId, int studyId, FrozenTrial template)
    {
        var sb = Begin(JournalOperation.CreateTrial, workerId);
        Key(sb, "study_id");
        sb.Append(studyId);
        Key(sb, "datetime_start");
        Date(sb, template.DatetimeStart);
        Key(sb, "state");
        sb.Append((int)template.State);
        var values = template.Values ?? (template.Value is { } v ? [v] : null);
        Key(sb, "value");
        if (values is { Count: 1 })
        {
            PythonJson.WriteDouble(sb, values[0]);
        }
        else
        {
            sb.Append("null");
        }
        Key(sb, "values");
        if (values is { Count: > 1 })
        {
            WriteDoubles(sb, values);
        }
        else
        {
            sb.Append("null");
        }
        if (template.DatetimeComplete is { } complete)
        {
            Key(sb, "datetime_complete");
            Date(sb, complete);
        }
        Key(sb, "distributions");
        sb.Append('{');
        var first = true;
        foreach (var (name, dist) in template.Distributions)
        {
            Separator(sb, ref first);
            PythonJson.WriteString(sb, name);
            sb.Append(": ");
            PythonJson.WriteString(sb, DistributionJson.ToJson(dist));
        }
        sb.Append('}');
        Key(sb, "params");
        sb.Append('{');
        first = true;
        foreach (var (name, value) in template.InternalParams)
        {
            Separator(sb, ref first);
            PythonJson.WriteString(sb, name);
            sb.Append(": ");
            WriteParam(sb, value, template.Distributions[name]);
        }
        sb.Append('}');
        Key(sb, "user_attrs");
        WriteAttrs(sb, template.UserAttrs);
        Key(sb, "system_attrs");
        WriteAttrs(sb, template.SystemAttrs);
        Key(sb, "intermediate_values");
        sb.Append('{');
        first = true;
        foreach (var (step, value) in template.IntermediateValues)
        {
            Separator(sb, ref first);
            sb.Append('"').Append(step.ToString(CultureInfo.InvariantCulture)).Append("\": ");
            PythonJson.WriteDouble(sb, value);
        }
        sb.Append("}}");
        return sb.ToString();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string SetTrialParam(string workerId, int trialId, TrialParam p)
    {
        var sb = Begin(JournalOperation.SetTrialParam, workerId);
        Key(sb, "trial_id");
        sb.Append(trialId);
        Key(sb, "param_name");
        PythonJson.WriteString(sb, p.Name);
        Key(sb, "param_value_internal");
        WriteParam(sb, p.InternalValue, p.Distribution);
        Key(sb, "distribution");
        PythonJson.WriteString(sb, DistributionJson.ToJson(p.Distribution));
        sb.Append('}');
        return sb.ToString();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string SetTrialStateValues(string workerId, int trialId, TrialState state, IReadOnlyList<double>? values, DateTime now)
    {
        var sb = Begin(JournalOperation.SetTrialStateValues, workerId);
        Key(sb, "trial_id");
        sb.Append(trialId);
        Key(sb, "state");
        sb.Append((int)state);
        Key(sb, "values");
        if (values is null)
        {
            sb.Append("null");
        }
        else
        {
            WriteDoubles(sb, values);
        }
        if (state == TrialState.Running)
        {
            Key(sb, "datetime_start");
            Date(sb, now);
        }
        else if (state.IsFinished())
        {
            Key(sb, "datetime_complete");
            Date(sb, now);
        }
        sb.Append('}');
        return sb.ToString();
    }

    public static string SetTrialIntermediateValue(string workerId, int trialId, int step, double value)
    {
        var sb = Begin(JournalOperation.SetTrialIntermediateValue, workerId);
        Key(sb, "trial_id");
        sb.Append(trialId);
        Key(sb, "step");
        sb.Append(step);
        Key(sb, "intermediate_value");
        PythonJson.WriteDouble(sb, value);
        sb.Append('}');
        return sb.ToString();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string SetTrialAttr(string workerId, int trialId, bool user, string key, JsonNode? value)
    {
        var sb = Begin(user ? JournalOperation.SetTrialUserAttr : JournalOperation.SetTrialSystemAttr, workerId);
        Key(sb, "trial_id");
        sb.Append(trialId);
        Key(sb, user ? "user_attr" : "system_attr");
        sb.Append('{');
        PythonJson.WriteString(sb, key);
        sb.Append(": ");
        PythonJson.Write(sb, value);
        sb.Append("}}");
        return sb.ToString();
    }

    private static void Separator(StringBuilder sb, ref bool first)
    {
        if (!first)
        {
            sb.Append(", ");
        }
        first = false;
    }

    private static void WriteDoubles(StringBuilder sb, IReadOnlyList<double> values)
    {
        sb.Append('[');
        for (var i = 0; i < values.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }
            PythonJson.WriteDouble(sb, values[i]);
        }
        sb.Append(']');
    }

    /// <summary>Internal repr as Optuna writes it: a float for numbers (ints as <c>3.0</c>), an int index for categoricals.</summary>
    private static void WriteParam(StringBuilder sb, double value, Distribution distribution)
    {
        if (distribution is CategoricalDistribution)
        {
            sb.Append(((long)value).ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            PythonJson.WriteDouble(sb, value);
        }
    }

    private static void WriteAttrs(StringBuilder sb, IReadOnlyDictionary<string, JsonNode?> attrs)
    {
        sb.Append('{');
        var first = true;
        foreach (var (key, value) in attrs)
        {
            Separator(sb, ref first);
            PythonJson.WriteString(sb, key);
            sb.Append(": ");
            PythonJson.Write(sb, value);
        }
        sb.Append('}');
    }

    /// <summary>
    /// Parses one journal line and applies it with Optuna's replay rules. Known keys are read straight into
    /// typed fields (replay speed); attributes and template fields become JSON nodes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ApplyLine(StorageModel model, ReadOnlySpan<byte> line)
    {
        var op = default(ParsedOp);
        op.OpCode = -1;
        var r = new PythonJson.JsonReader(line);
        r.Expect((byte)'{');
        if (!r.TryConsume((byte)'}'))
        {
            do
            {
                var key = r.ReadRawString();
                r.Expect((byte)':');
                ReadField(ref r, ref op, key);
            }
            while (r.TryConsume((byte)','));
            r.Expect((byte)'}');
        }
        if (r.Peek() != 0)
        {
            throw new FormatException("unexpected text after the JSON object");
        }
        Apply(model, ref op);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ReadField(ref PythonJson.JsonReader r, ref ParsedOp op, ReadOnlySpan<byte> rawKey)
    {
        if (rawKey.SequenceEqual("distribution"u8))
        {
            if (r.Peek() == 'n')
            {
                r.ReadValue();
                return;
            }
            op.ParsedDistribution = DistFromRaw(r.ReadRawString());
            return;
        }
        if (rawKey.SequenceEqual("worker_id"u8))
        {
            op.Worker = r.Peek() == 'n' ? (string?)r.ReadValue() : WorkerFromRaw(r.ReadRawString());
            return;
        }
        var key = rawKey.IndexOf((byte)'\\') < 0 ? KnownKey(rawKey) : null;
        key ??= PythonJson.JsonReader.Decode(rawKey);
        switch (key)
        {
            case "op_code":
                op.OpCode = r.ReadInt();
                break;
            case "worker_id":
                op.Worker = r.ReadStringOrNull();
                break;
            case "study_id":
                op.StudyId = r.ReadInt();
                break;
            case "trial_id":
                op.TrialId = r.ReadInt();
                break;
            case "step":
                op.Step = r.ReadInt();
                break;
            case "state":
                op.State = r.ReadInt();
                break;
            case "study_name":
                op.StudyName = r.ReadStringOrNull();
                break;
            case "param_name":
                op.ParamName = r.ReadStringOrNull();
                break;
            case "param_value_internal":
                op.ParamValue = r.ReadDouble();
                break;
            case "intermediate_value":
                op.IntermediateValue = r.ReadDouble();
                break;
            case "datetime_start":
                op.HasStart = true;
                op.Start = r.ReadStringOrNull();
                break;
            case "datetime_complete":
                op.HasComplete = true;
                op.Complete = r.ReadStringOrNull();
                break;
            case "values":
            case "directions":
                {
                    double[]? list = null;
                    if (r.Peek() == 'n')
                    {
                        r.ReadValue();
                    }
                    else
                    {
                        r.Expect((byte)'[');
                        var items = new List<double>(2);
                        if (!r.TryConsume((byte)']'))
                        {
                            do
                            {
                                items.Add(r.ReadDouble());
                            }
                            while (r.TryConsume((byte)','));
                            r.Expect((byte)']');
                        }
                        list = [.. items];
                    }
                    if (key == "values")
                    {
                        op.Values = list;
                    }
                    else
                    {
                        op.Directions = list;
                    }
                    break;
                }
            default:
                r.Peek();
                var node = r.ReadValue();
                op.Others ??= new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
                op.Others[key] = node;
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Apply(StorageModel model, ref ParsedOp op)
    {
        var worker = op.Worker ?? string.Empty;
        switch ((JournalOperation)op.OpCode)
        {
            case JournalOperation.CreateStudy:
                model.CreateStudy(op.StudyName ?? throw Missing("study_name"), (op.Directions ?? throw Missing("directions")).Select(d => (StudyDirection)(int)d).ToArray());
                break;
            case JournalOperation.DeleteStudy:
                model.DeleteStudy(op.StudyId ?? throw Missing("study_id"));
                break;
            case JournalOperation.SetStudyUserAttr:
            case JournalOperation.SetStudySystemAttr:
                {
                    var user = op.OpCode == (int)JournalOperation.SetStudyUserAttr;
                    foreach (var (k, v) in Obj(op.Others, user ? "user_attr" : "system_attr"))
                    {
                        model.SetStudyAttr(op.StudyId ?? throw Missing("study_id"), user, k, v?.DeepClone());
                    }
                    break;
                }
            case JournalOperation.CreateTrial:
                ApplyCreateTrial(model, ref op, worker);
                break;
            case JournalOperation.SetTrialParam:
                model.SetParam(op.TrialId ?? throw Missing("trial_id"), op.ParamName ?? throw Missing("param_name"),
                    op.ParamValue ?? throw Missing("param_value_internal"), op.ParsedDistribution ?? throw Missing("distribution"));
                break;
            case JournalOperation.SetTrialStateValues:
                model.SetStateValues(op.TrialId ?? throw Missing("trial_id"), (TrialState)(op.State ?? throw Missing("state")), op.Values,
                    op.Start is { } s ? ParseDate(s) : null, op.Complete is { } c ? ParseDate(c) : null, worker);
                break;
            case JournalOperation.SetTrialIntermediateValue:
                model.SetIntermediate(op.TrialId ?? throw Missing("trial_id"), op.Step ?? throw Missing("step"), op.IntermediateValue ?? throw Missing("intermediate_value"));
                break;
            case JournalOperation.SetTrialUserAttr:
            case JournalOperation.SetTrialSystemAttr:
                {
                    var user = op.OpCode == (int)JournalOperation.SetTrialUserAttr;
                    foreach (var (k, v) in Obj(op.Others, user ? "user_attr" : "system_attr"))
                    {
                        model.SetTrialAttr(op.TrialId ?? throw Missing("trial_id"), user, k, v?.DeepClone());
                    }
                    break;
                }
            default:
                throw new FormatException(op.OpCode < 0 ? "'op_code' is missing" : string.Create(CultureInfo.InvariantCulture, $"unknown op_code {op.OpCode}"));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ApplyCreateTrial(StorageModel model, ref ParsedOp op, string worker)
    {
        var record = new TrialRecord
        {
            State = op.State is { } st ? (TrialState)st : TrialState.Running,
            Start = op.Start is { } s ? ParseDate(s) : null,
            Complete = op.Complete is { } c ? ParseDate(c) : null,
        };
        var others = op.Others;
        if (op.Values is { } values)
        {
            record.Values = values;
        }
        else if (others?.GetValueOrDefault("value") is { } v)
        {
            record.Values = [Dbl(v)];
        }
        if (others?.GetValueOrDefault("distributions") is JsonObject dists)
        {
            foreach (var (k, d) in dists)
            {
                record.Distributions[k] = Dist((string)d!);
            }
        }
        if (others?.GetValueOrDefault("params") is JsonObject ps)
        {
            foreach (var (k, p) in ps)
            {
                record.Params[k] = Dbl(p);
            }
        }
        if (others?.GetValueOrDefault("user_attrs") is JsonObject ua)
        {
            foreach (var (k, a) in ua)
            {
                record.UserAttrs[k] = a?.DeepClone();
            }
        }
        if (others?.GetValueOrDefault("system_attrs") is JsonObject sa)
        {
            foreach (var (k, a) in sa)
            {
                record.SystemAttrs[k] = a?.DeepClone();
            }
        }
        if (others?.GetValueOrDefault("intermediate_values") is JsonObject iv)
        {
            foreach (var (k, a) in iv)
            {
                record.Intermediate[int.Parse(k, CultureInfo.InvariantCulture)] = Dbl(a);
            }
        }
        if (model.CreateTrial(op.StudyId ?? throw Missing("study_id"), record, worker) is { } id)
        {
            LastCreatedTrial[worker] = id;
        }
    }

    private static FormatException Missing(string key) => new($"'{key}' is missing");

    private static JsonObject Obj(Dictionary<string, JsonNode?>? others, string key) =>
        others?.GetValueOrDefault(key) as JsonObject ?? throw new FormatException($"'{key}' must be an object");

    /// <summary>The fields of one journal line.</summary>
    private struct ParsedOp
    {
        public int OpCode;
        public string? Worker;
        public int? StudyId;
        public int? TrialId;
        public int? Step;
        public int? State;
        public string? StudyName;
        public string? ParamName;
        public Distribution? ParsedDistribution;
        public double? ParamValue;
        public double? IntermediateValue;
        public bool HasStart;
        public string? Start;
        public bool HasComplete;
        public string? Complete;
        public double[]? Values;
        public double[]? Directions;
        public Dictionary<string, JsonNode?>? Others;
    }

    private static readonly string[] KnownKeys =
    [
        "op_code", "study_id", "trial_id", "step", "state", "study_name", "param_name", "param_value_internal",
        "intermediate_value", "datetime_start", "datetime_complete", "values", "directions", "value", "user_attr",
        "system_attr", "user_attrs", "system_attrs", "distributions", "params", "intermediate_values",
    ];

    private static readonly byte[][] KnownKeyBytes = KnownKeys.Select(Encoding.UTF8.GetBytes).ToArray();

    private readonly List<(byte[] Raw, Distribution Distribution)> _rawDistributions = [];
    private readonly List<(byte[] Raw, string Worker)> _rawWorkers = [];

    /// <summary>The interned name of a key Optuna writes, or null (then it is decoded).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string? KnownKey(ReadOnlySpan<byte> raw)
    {
        for (var i = 0; i < KnownKeyBytes.Length; i++)
        {
            if (raw.SequenceEqual(KnownKeyBytes[i]))
            {
                return KnownKeys[i];
            }
        }
        return null;
    }

    /// <summary>Distributions repeat on almost every param line: look them up by their raw bytes before decoding.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Distribution DistFromRaw(ReadOnlySpan<byte> raw)
    {
        foreach (var (bytes, distribution) in _rawDistributions)
        {
            if (raw.SequenceEqual(bytes))
            {
                return distribution;
            }
        }
        var d = Dist(PythonJson.JsonReader.Decode(raw));
        if (_rawDistributions.Count < 256)
        {
            _rawDistributions.Add((raw.ToArray(), d));
        }
        return d;
    }

    /// <summary>Few workers write a journal: reuse their id strings.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private string WorkerFromRaw(ReadOnlySpan<byte> raw)
    {
        for (var i = _rawWorkers.Count - 1; i >= 0; i--)
        {
            if (raw.SequenceEqual(_rawWorkers[i].Raw))
            {
                return _rawWorkers[i].Worker;
            }
        }
        var w = PythonJson.JsonReader.Decode(raw);
        if (_rawWorkers.Count >= 64)
        {
            _rawWorkers.RemoveAt(0);
        }
        _rawWorkers.Add((raw.ToArray(), w));
        return w;
    }

    private Distribution Dist(string json)
    {
        if (!_distributionCache.TryGetValue(json, out var d))
        {
            d = DistributionJson.FromJson(json);
            _distributionCache[json] = d;
        }
        return d;
    }

    private static string Str(JsonObject op, string key) =>
        (string?)op[key] ?? throw new FormatException($"'{key}' is missing");

    private static int IntOf(JsonObject op, string key) =>
        op[key] is { } v ? AsInt(v) : throw new FormatException($"'{key}' is missing");

    /// <summary>A JSON integer (or integral float) as an int.</summary>
    public static int AsInt(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<long>(out var l) => checked((int)l),
        JsonValue v when v.TryGetValue<int>(out var i) => i,
        JsonValue v when v.TryGetValue<double>(out var d) && d == Math.Floor(d) => checked((int)d),
        _ => throw new FormatException("expected an integer"),
    };

    private static JsonObject Obj(JsonObject op, string key) =>
        op[key] as JsonObject ?? throw new FormatException($"'{key}' must be an object");

    private static double Dbl(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<double>(out var d) => d,
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        _ => throw new FormatException("expected a number"),
    };
}
