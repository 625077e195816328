using System.Globalization;
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

    public static DateTime ParseDate(string s) =>
        DateTime.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind | DateTimeStyles.AllowWhiteSpaces);

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

    /// <summary>Applies one parsed line with Optuna's replay rules. Returns the worker id of the line.</summary>
    public void Apply(StorageModel model, JsonObject op)
    {
        var code = AsInt(op["op_code"] ?? throw new FormatException("no op_code"));
        var worker = (string?)op["worker_id"] ?? string.Empty;
        switch ((JournalOperation)code)
        {
            case JournalOperation.CreateStudy:
                {
                    var directions = (op["directions"] as JsonArray ?? throw new FormatException("no directions"))
                        .Select(d => (StudyDirection)AsInt(d)).ToArray();
                    model.CreateStudy(Str(op, "study_name"), directions);
                    break;
                }
            case JournalOperation.DeleteStudy:
                model.DeleteStudy(IntOf(op, "study_id"));
                break;
            case JournalOperation.SetStudyUserAttr:
            case JournalOperation.SetStudySystemAttr:
                {
                    var user = code == (int)JournalOperation.SetStudyUserAttr;
                    foreach (var (k, v) in Obj(op, user ? "user_attr" : "system_attr"))
                    {
                        model.SetStudyAttr(IntOf(op, "study_id"), user, k, v?.DeepClone());
                    }
                    break;
                }
            case JournalOperation.CreateTrial:
                ApplyCreateTrial(model, op, worker);
                break;
            case JournalOperation.SetTrialParam:
                model.SetParam(IntOf(op, "trial_id"), Str(op, "param_name"), Dbl(op["param_value_internal"]), Dist(Str(op, "distribution")));
                break;
            case JournalOperation.SetTrialStateValues:
                {
                    var state = (TrialState)IntOf(op, "state");
                    var values = op["values"] is JsonArray arr ? arr.Select(Dbl).ToArray() : null;
                    DateTime? start = op["datetime_start"] is { } s ? ParseDate((string)s!) : null;
                    DateTime? complete = op["datetime_complete"] is { } c ? ParseDate((string)c!) : null;
                    model.SetStateValues(IntOf(op, "trial_id"), state, values, start, complete, worker);
                    break;
                }
            case JournalOperation.SetTrialIntermediateValue:
                model.SetIntermediate(IntOf(op, "trial_id"), IntOf(op, "step"), Dbl(op["intermediate_value"]));
                break;
            case JournalOperation.SetTrialUserAttr:
            case JournalOperation.SetTrialSystemAttr:
                {
                    var user = code == (int)JournalOperation.SetTrialUserAttr;
                    foreach (var (k, v) in Obj(op, user ? "user_attr" : "system_attr"))
                    {
                        model.SetTrialAttr(IntOf(op, "trial_id"), user, k, v?.DeepClone());
                    }
                    break;
                }
            default:
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"unknown op_code {code}"));
        }
    }

    private void ApplyCreateTrial(StorageModel model, JsonObject op, string worker)
    {
        var record = new TrialRecord
        {
            State = op["state"] is { } st ? (TrialState)AsInt(st) : TrialState.Running,
            Start = op["datetime_start"] is { } s ? ParseDate((string)s!) : null,
            Complete = op["datetime_complete"] is { } c ? ParseDate((string)c!) : null,
        };
        if (op["values"] is JsonArray values)
        {
            record.Values = values.Select(Dbl).ToArray();
        }
        else if (op["value"] is { } v)
        {
            record.Values = [Dbl(v)];
        }
        if (op["distributions"] is JsonObject dists)
        {
            foreach (var (k, d) in dists)
            {
                record.Distributions[k] = Dist((string)d!);
            }
        }
        if (op["params"] is JsonObject ps)
        {
            foreach (var (k, p) in ps)
            {
                record.Params[k] = Dbl(p);
            }
        }
        if (op["user_attrs"] is JsonObject ua)
        {
            foreach (var (k, a) in ua)
            {
                record.UserAttrs[k] = a?.DeepClone();
            }
        }
        if (op["system_attrs"] is JsonObject sa)
        {
            foreach (var (k, a) in sa)
            {
                record.SystemAttrs[k] = a?.DeepClone();
            }
        }
        if (op["intermediate_values"] is JsonObject iv)
        {
            foreach (var (k, a) in iv)
            {
                record.Intermediate[int.Parse(k, CultureInfo.InvariantCulture)] = Dbl(a);
            }
        }
        if (model.CreateTrial(IntOf(op, "study_id"), record, worker) is { } id)
        {
            LastCreatedTrial[worker] = id;
        }
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
