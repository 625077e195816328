using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Labbook.Notebook;
using Labbook.Text;

namespace Labbook.Runs;

/// <summary>
/// Which runs to list and in what order: what <c>lab ls</c> does, as a library query that any front
/// end (the CLI, the web UI, a C# program) runs with <see cref="RunStore.Query"/> and gets the same
/// results from. Every filter given must hold (they combine with "and"); an empty query lists every
/// readable run, oldest first.
/// </summary>
public sealed class RunQuery
{
    /// <summary>Only runs with one of these (effective) statuses; empty means any.</summary>
    public IReadOnlyList<RunStatus> Statuses { get; init; } = [];

    /// <summary>Only runs whose name matches this glob (<c>*</c> and <c>?</c>).</summary>
    public string? NameGlob { get; init; }

    /// <summary>Only runs started at or after this UTC time.</summary>
    public DateTime? SinceUtc { get; init; }

    /// <summary>Only runs carrying every one of these tags.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Only runs whose parameters have these values (compared as the text a table shows).</summary>
    public IReadOnlyDictionary<string, JsonNode?> Params { get; init; } = new Dictionary<string, JsonNode?>();

    /// <summary>Only the trials of this study.</summary>
    public string? Study { get; init; }

    /// <summary>Only runs attached to this notebook entry (case-insensitive, as entry ids are).</summary>
    public string? Entry { get; init; }

    /// <summary>
    /// Only runs for which each condition holds, written like a notebook prediction
    /// (<c>val_loss &lt; 0.2</c>, <c>acc - val_acc &gt; 0.05</c>, <c>val_loss &lt; run:base.val_loss</c>). A bare
    /// name is the run's final value of that metric, else its numeric parameter of that name; a run
    /// without the value, or where it is NaN, does not match. Parse with <see cref="ParseCondition"/>.
    /// </summary>
    public IReadOnlyList<Prediction> Conditions { get; init; } = [];

    /// <summary>
    /// The sort key: a column (<see cref="Columns"/>), else a metric's final value, else a parameter.
    /// Null keeps the order of start time. Runs without a value for a metric or parameter key are left out.
    /// </summary>
    public string? SortBy { get; init; }

    /// <summary>Sort from the largest value down.</summary>
    public bool Descending { get; init; }

    /// <summary>
    /// At most this many runs: the first ones in sort order when sorted, else the most recent.
    /// </summary>
    public int? Limit { get; init; }

    /// <summary>The columns <see cref="SortBy"/> knows besides metrics and parameters.</summary>
    public static IReadOnlyList<string> Columns { get; } = ["id", "name", "status", "start", "duration", "entry", "study", "trial"];

    /// <summary>Parses a metric condition for <see cref="Conditions"/>, refusing what has no meaning for one run.</summary>
    /// <exception cref="PredictionSyntaxException">The text is not a condition; the column says where.</exception>
    public static Prediction ParseCondition(string text)
    {
        var condition = Prediction.Parse(text);
        if (condition.Scope != PredictionScope.Best)
        {
            throw new PredictionSyntaxException("all: and mean: judge an entry's runs together; a filter tests each run alone", 1);
        }
        if (condition.RefersToBaseline)
        {
            throw new PredictionSyntaxException("baseline has no meaning outside a notebook entry; name the run with run:NAME", 1);
        }
        return condition;
    }

    /// <summary>True when <paramref name="run"/> passes every filter except the metric conditions.</summary>
    public bool MatchesFields(RunInfo run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var r = run.Record;
        if (Statuses.Count > 0 && !Statuses.Contains(run.Status))
        {
            return false;
        }
        if (NameGlob is not null && (r.Name is null || !GlobMatch(NameGlob, r.Name)))
        {
            return false;
        }
        if (SinceUtc is { } since && (r.Started is not { } started || started < since))
        {
            return false;
        }
        if (Tags.Any(t => !r.Tags.Contains(t, StringComparer.Ordinal)))
        {
            return false;
        }
        foreach (var (key, value) in Params)
        {
            if (!r.Params.TryGetValue(key, out var actual) || RunValues.ParamText(actual) != RunValues.ParamText(value))
            {
                return false;
            }
        }
        if (Study is not null && !string.Equals(r.Study, Study, StringComparison.Ordinal))
        {
            return false;
        }
        return Entry is null || string.Equals(r.Entry, Entry, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Matches <paramref name="text"/> against a glob of <c>*</c> and <c>?</c>, whole text, case-sensitive.</summary>
    public static bool GlobMatch(string glob, string text)
    {
        ArgumentNullException.ThrowIfNull(glob);
        ArgumentNullException.ThrowIfNull(text);
        var pattern = "^" + Regex.Escape(glob).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$";
        return Regex.IsMatch(text, pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    /// <summary>Runs the query over <paramref name="listing"/>: filters, sorts and limits.</summary>
    /// <exception cref="UnknownRunFieldException">A sort key, parameter or condition names no metric or parameter of any run.</exception>
    public RunQueryResult Apply(RunListing listing)
    {
        ArgumentNullException.ThrowIfNull(listing);
        var all = listing.Runs;
        var metricNames = RunValues.MetricNames(all);
        var paramNames = RunValues.ParamNames(all);
        Validate(all.Count > 0, metricNames, paramNames);

        var byRef = Conditions.Count > 0 ? RunRefs(all) : null;
        var runs = all.Where(MatchesFields).Where(run => Conditions.All(c => Holds(c, run, byRef!))).ToList();
        if (SortBy is { } key)
        {
            runs = Sort(runs, key, metricNames);
            if (Limit is { } n)
            {
                runs = [.. runs.Take(n)];
            }
        }
        else if (Limit is { } n)
        {
            runs = [.. runs.Skip(Math.Max(0, runs.Count - n))];
        }
        return new RunQueryResult(runs, metricNames, paramNames, listing.Unreadable);
    }

    private void Validate(bool anyRuns, IReadOnlyList<string> metricNames, IReadOnlyList<string> paramNames)
    {
        if (Limit is < 1)
        {
            throw new InvalidOperationException("the query's limit must be at least 1");
        }
        if (!anyRuns)
        {
            // An empty workspace knows no names yet: nothing to check a name against.
            return;
        }
        var known = metricNames.Concat(paramNames).ToHashSet(StringComparer.Ordinal);
        void Check(string name, string where, bool columnsToo)
        {
            if (!known.Contains(name) && !(columnsToo && Columns.Contains(name, StringComparer.Ordinal)))
            {
                throw new UnknownRunFieldException(name, where, metricNames, paramNames, columnsToo ? Columns : []);
            }
        }
        if (SortBy is { } key)
        {
            Check(key, "sort", columnsToo: true);
        }
        foreach (var name in Params.Keys)
        {
            if (!paramNames.Contains(name, StringComparer.Ordinal))
            {
                throw new UnknownRunFieldException(name, "parameter filter", [], paramNames, []);
            }
        }
        foreach (var condition in Conditions)
        {
            foreach (var name in condition.SubjectNames)
            {
                Check(name, "condition", columnsToo: false);
            }
        }
    }

    private static Dictionary<string, RunInfo> RunRefs(IReadOnlyList<RunInfo> runs)
    {
        // run:NAME means a run id, a unique id prefix, or the most recent run of that name; resolved lazily below.
        var byName = new Dictionary<string, RunInfo>(StringComparer.Ordinal);
        foreach (var run in runs)
        {
            byName[run.Id] = run;
            if (run.Record.Name is { } name)
            {
                byName["name:" + name] = run;
            }
        }
        return byName;
    }

    private static bool Holds(Prediction condition, RunInfo run, Dictionary<string, RunInfo> refs) =>
        condition.HoldsFor(
            name => RunValues.Value(run, name),
            (name, metric) => Find(refs, name) is { } other ? RunValues.Value(other, metric) : null) == true;

    private static RunInfo? Find(Dictionary<string, RunInfo> refs, string name)
    {
        if (refs.TryGetValue(name, out var byId) || refs.TryGetValue("name:" + name, out byId))
        {
            return byId;
        }
        RunInfo? found = null;
        foreach (var (key, run) in refs)
        {
            if (!key.StartsWith("name:", StringComparison.Ordinal) && key.StartsWith(name, StringComparison.Ordinal))
            {
                if (found is not null)
                {
                    return null;
                }
                found = run;
            }
        }
        return found;
    }

    private List<RunInfo> Sort(List<RunInfo> runs, string key, IReadOnlyList<string> metricNames)
    {
        var now = DateTime.UtcNow;
        var sign = Descending ? -1 : 1;
        IEnumerable<RunInfo> ordered;
        switch (key)
        {
            case "id" or "name" or "status" or "entry" or "study":
                Func<RunInfo, string?> text = key switch
                {
                    "id" => r => r.Id,
                    "name" => r => r.Record.Name,
                    "status" => r => r.Status.ToText(),
                    "entry" => r => r.Record.Entry,
                    _ => r => r.Record.Study,
                };
                // Runs without the value go last whichever the direction.
                ordered = runs.OrderBy(r => text(r) is null).ThenBy(text, Descending ? new ReverseOrdinal() : StringComparer.Ordinal);
                break;
            case "start" or "duration" or "trial":
                Func<RunInfo, double?> number = key switch
                {
                    "start" => r => r.Record.Started?.Ticks,
                    "duration" => r => r.Duration(now)?.TotalSeconds,
                    _ => r => r.Record.Trial,
                };
                ordered = runs.OrderBy(r => number(r) is null).ThenBy(r => sign * (number(r) ?? 0));
                break;
            default:
                var isMetric = metricNames.Contains(key, StringComparer.Ordinal);
                Func<RunInfo, double?> value = isMetric ? r => r.Summary?.Final(key) : r => RunValues.ParamNumber(r, key);
                ordered = runs.Where(r => value(r) is { } v && !double.IsNaN(v)).OrderBy(r => sign * value(r)!.Value);
                break;
        }
        // Equal keys keep the order of start time: the listing is in that order and OrderBy is stable.
        return [.. ordered];
    }

    private sealed class ReverseOrdinal : IComparer<string?>
    {
        public int Compare(string? x, string? y) => string.CompareOrdinal(y, x);
    }
}

/// <summary>What <see cref="RunQuery.Apply"/> found.</summary>
/// <param name="Runs">The matching runs, in order.</param>
/// <param name="MetricNames">Every metric name of the workspace's runs, sorted (for pickers and suggestions).</param>
/// <param name="ParamNames">Every parameter name of the workspace's runs, sorted.</param>
/// <param name="Unreadable">Run folders whose record could not be read, with the reason.</param>
public sealed record RunQueryResult(
    IReadOnlyList<RunInfo> Runs,
    IReadOnlyList<string> MetricNames,
    IReadOnlyList<string> ParamNames,
    IReadOnlyList<UnreadableRun> Unreadable);

/// <summary>Every run of a workspace as read (from the run index or the folders), and those that could not be read.</summary>
/// <param name="Runs">The readable runs, in order of start time.</param>
/// <param name="Unreadable">Run folders whose run.json or summary.json could not be read.</param>
public sealed record RunListing(IReadOnlyList<RunInfo> Runs, IReadOnlyList<UnreadableRun> Unreadable);

/// <summary>A run folder that could not be read: its id and why, in words (naming the file and line).</summary>
/// <param name="Id">The run id (the folder name).</param>
/// <param name="Directory">The run folder.</param>
/// <param name="Reason">What is wrong, e.g. <c>runs/X/run.json: line 3: ...</c>.</param>
public sealed record UnreadableRun(string Id, string Directory, string Reason);

/// <summary>A query named a metric or parameter that no run of the workspace has.</summary>
public sealed class UnknownRunFieldException : ArgumentException
{
    /// <summary>Builds the message: the unknown name, the closest known one, and the known names.</summary>
    public UnknownRunFieldException(string name, string where, IReadOnlyList<string> metrics, IReadOnlyList<string> parameters, IReadOnlyList<string> columns)
        : base(Describe(name, where, metrics, parameters, columns))
    {
        Name = name;
        Where = where;
        Closest = NameSuggestions.Closest(name, [.. metrics, .. parameters, .. columns]);
        KnownMetrics = metrics;
        KnownParams = parameters;
    }

    /// <summary>The name as given.</summary>
    public string Name { get; }

    /// <summary>Which part of the query named it: sort, parameter filter or condition.</summary>
    public string Where { get; }

    /// <summary>The closest known name, when one is a plausible typo.</summary>
    public string? Closest { get; }

    /// <summary>The workspace's metric names.</summary>
    public IReadOnlyList<string> KnownMetrics { get; }

    /// <summary>The workspace's parameter names.</summary>
    public IReadOnlyList<string> KnownParams { get; }

    private static string Describe(string name, string where, IReadOnlyList<string> metrics, IReadOnlyList<string> parameters, IReadOnlyList<string> columns)
    {
        var what = where == "parameter filter" ? "parameter" : "metric or parameter";
        var text = $"no run has a {what} named '{Workspaces.Names.Escape(name)}'{NameSuggestions.DidYouMean(name, [.. metrics, .. parameters, .. columns])}";
        static string List(IReadOnlyList<string> names) => names.Count == 0 ? "none" : string.Join(", ", names.Take(30)) + (names.Count > 30 ? $" and {names.Count - 30} more" : "");
        if (where != "parameter filter")
        {
            text += $"; metrics: {List(metrics)}";
        }
        text += $"; parameters: {List(parameters)}";
        if (columns.Count > 0)
        {
            text += $"; columns: {string.Join(", ", columns)}";
        }
        return text;
    }
}

/// <summary>Values of runs as tables and queries read them.</summary>
public static class RunValues
{
    /// <summary>The text form of a parameter value, as placeholders and tables show it (numbers at full precision).</summary>
    public static string ParamText(JsonNode? value) => value switch
    {
        null => "null",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<double>(out var d) => Json.MetricText.FormatValue(d),
        JsonValue v when v.TryGetValue<long>(out var l) => l.ToString(CultureInfo.InvariantCulture),
        JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
        _ => value.ToJsonString(),
    };

    /// <summary>A parameter as a number, when it is one (a JSON number, or text that reads as one).</summary>
    public static double? ParamNumber(RunInfo run, string name)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (!run.Record.Params.TryGetValue(name, out var node) || node is not JsonValue v)
        {
            return null;
        }
        if (v.TryGetValue<double>(out var d))
        {
            return d;
        }
        if (v.TryGetValue<long>(out var l))
        {
            return l;
        }
        return v.TryGetValue<string>(out var s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
    }

    /// <summary>A name's value on a run: the metric's final value, else the numeric parameter.</summary>
    public static double? Value(RunInfo run, string name)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.Summary?.Final(name) ?? ParamNumber(run, name);
    }

    /// <summary>Every metric and summary-value name over <paramref name="runs"/>, sorted.</summary>
    public static IReadOnlyList<string> MetricNames(IEnumerable<RunInfo> runs)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var run in runs)
        {
            if (run.Summary is { } s)
            {
                names.UnionWith(s.Metrics.Keys);
                names.UnionWith(s.Values.Keys);
            }
        }
        return [.. names];
    }

    /// <summary>Every parameter name over <paramref name="runs"/>, sorted.</summary>
    public static IReadOnlyList<string> ParamNames(IEnumerable<RunInfo> runs)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var run in runs)
        {
            names.UnionWith(run.Record.Params.Keys);
        }
        return [.. names];
    }
}
