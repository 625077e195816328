using System.Globalization;
using System.Text;
using Labbook.Runs;

namespace Labbook.Notebook;

/// <summary>Over which of an entry's runs a prediction is judged.</summary>
public enum PredictionScope
{
    /// <summary>The finished run for which the comparison holds best (the default).</summary>
    Best,

    /// <summary>Every finished run must satisfy it.</summary>
    All,

    /// <summary>The mean of each metric over the finished runs must satisfy it.</summary>
    Mean,
}

/// <summary>The verdict on a prediction.</summary>
public enum PredictionOutcome
{
    /// <summary>The comparison holds.</summary>
    Met,

    /// <summary>The comparison fails and no unfinished run can change that.</summary>
    NotMet,

    /// <summary>Not yet decidable: runs unfinished, a metric or the baseline missing, or a value NaN.</summary>
    Undecidable,
}

/// <summary>A prediction could not be parsed; <see cref="Column"/> is 1-based.</summary>
public sealed class PredictionSyntaxException(string message, int column)
    : FormatException($"column {column.ToString(CultureInfo.InvariantCulture)}: {message}")
{
    /// <summary>The 1-based column where the problem starts.</summary>
    public int Column { get; } = column;

    /// <summary>What is wrong, without the column.</summary>
    public string Problem { get; } = message;
}

/// <summary>The verdict with the numbers behind it.</summary>
/// <param name="Text">The prediction as written.</param>
/// <param name="Outcome">Met, not met or undecidable.</param>
/// <param name="Detail">The numbers: both sides, the values used and the runs they came from, or why it cannot be decided.</param>
/// <param name="RunId">The run judged (scope best), when there is one.</param>
public sealed record PredictionResult(string Text, PredictionOutcome Outcome, string Detail, string? RunId)
{
    /// <summary>The outcome in words: met, not met, undecided.</summary>
    public string OutcomeText => Outcome switch
    {
        PredictionOutcome.Met => "met",
        PredictionOutcome.NotMet => "not met",
        _ => "undecided",
    };
}

/// <summary>
/// A machine-checkable prediction such as <c>val_loss &lt; 0.45</c>, <c>all: acc &gt;= 0.9</c> or
/// <c>val_loss &lt; baseline - 0.02</c>. Grammar (see docs/notebook.md):
/// <code>
/// prediction := [ ("best" | "all" | "mean") ":" ] expr ("&lt;" | "&lt;=" | "&gt;" | "&gt;=") expr
/// expr       := term (("+" | "-") term)*
/// term       := unary (("*" | "/") unary)*
/// unary      := "-" unary | primary
/// primary    := number | "(" expr ")" | metric | "baseline" ["." metric] | "run:" name ["." metric]
/// metric     := [A-Za-z_][A-Za-z0-9_]* | "quoted name"
/// </code>
/// A bare metric is the value on the run being judged; <c>baseline</c> and <c>run:NAME</c> alone
/// mean the prediction's first metric on that run. Values are each run's final value (summary.json).
/// </summary>
public sealed class Prediction
{
    private readonly Node _left;
    private readonly Node _right;

    private Prediction(string text, PredictionScope scope, Node left, string op, Node right, string metric)
    {
        Text = text;
        Scope = scope;
        _left = left;
        Operator = op;
        _right = right;
        PrimaryMetric = metric;
    }

    /// <summary>The text as written.</summary>
    public string Text { get; }

    /// <summary>Best, all or mean.</summary>
    public PredictionScope Scope { get; }

    /// <summary>The comparison: &lt;, &lt;=, &gt; or &gt;=.</summary>
    public string Operator { get; }

    /// <summary>The first metric named; what <c>baseline</c> alone refers to.</summary>
    public string PrimaryMetric { get; }

    /// <summary>Every metric the prediction reads, in order of appearance (<c>baseline</c> alone reads the primary metric).</summary>
    public IReadOnlyList<string> Metrics =>
        [.. Leaves().Select(leaf => leaf switch { MetricRef m => m.Metric, RunRef r => r.Metric ?? PrimaryMetric, _ => null }).OfType<string>()];

    /// <summary>
    /// The warning for each metric the prediction reads that no run in <paramref name="known"/> has
    /// logged (with the closest known name), or none. A prediction may name a metric no run logs yet,
    /// so this is a warning, not a refusal: but a typo would otherwise stay "undecided" forever.
    /// </summary>
    public IEnumerable<string> UnknownMetricWarnings(IReadOnlyCollection<string> known)
    {
        ArgumentNullException.ThrowIfNull(known);
        foreach (var metric in Metrics.Distinct(StringComparer.Ordinal).Where(m => !known.Contains(m)))
        {
            yield return $"'{Text}': no run of this workspace has logged '{metric}'{Labbook.Text.NameSuggestions.DidYouMean(metric, known)}";
        }
    }

    /// <summary>True when lower values of the primary metric make the prediction likelier to hold.</summary>
    public bool LowerIsBetter => Operator[0] == '<' ? ContainsSubject(_left) || !ContainsSubject(_right) : ContainsSubject(_right);

    /// <summary>The numbers and names both sides are made of, left to right: every walk over the expression starts here.</summary>
    private IEnumerable<Node> Leaves() => Leaves(_left).Concat(Leaves(_right));

    /// <summary>The names the prediction reads on the run being judged (bare metrics), in order of appearance, each once.</summary>
    public IReadOnlyList<string> SubjectNames => [.. Leaves().OfType<MetricRef>().Select(m => m.Metric).Distinct(StringComparer.Ordinal)];

    /// <summary>True when the prediction refers to <c>baseline</c>, which only an entry's runs give a meaning.</summary>
    public bool RefersToBaseline => Leaves().OfType<RunRef>().Any(r => r.Name is null);

    /// <summary>The run names or id prefixes the prediction refers to with <c>run:NAME</c>.</summary>
    public IReadOnlyList<string> RunReferences =>
        [.. Leaves().OfType<RunRef>().Select(r => r.Name).OfType<string>().Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// Evaluates the comparison on one run, as a filter does (the scope prefix plays no part).
    /// </summary>
    /// <param name="subject">The value of a bare name on the run being tested; null when it has none.</param>
    /// <param name="otherRun">The value of <c>run:NAME.metric</c> (name, metric); null when unknown. Baseline values are never known here.</param>
    /// <returns>True or false, or null when a value is missing or NaN (the comparison cannot be decided).</returns>
    public bool? HoldsFor(Func<string, double?> subject, Func<string, string, double?>? otherRun = null)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var missing = false;
        double Subject(string name) => subject(name) ?? Missing();
        double Other(RunRef r) => r.Name is not null && otherRun?.Invoke(r.Name, r.Metric ?? PrimaryMetric) is { } v ? v : Missing();
        double Missing()
        {
            missing = true;
            return double.NaN;
        }
        var l = Eval(_left, Subject, Other);
        var r = Eval(_right, Subject, Other);
        return missing || double.IsNaN(l) || double.IsNaN(r) ? null : Compare(l, r);
    }

    /// <summary>Parses a prediction.</summary>
    /// <exception cref="PredictionSyntaxException">The text is not a prediction; the column says where.</exception>
    public static Prediction Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var p = new Parser(text);
        return p.ParsePrediction();
    }

    /// <summary>True when <paramref name="text"/> parses.</summary>
    public static bool TryParse(string text, out Prediction? prediction, out PredictionSyntaxException? error)
    {
        try
        {
            prediction = Parse(text);
            error = null;
            return true;
        }
        catch (PredictionSyntaxException e)
        {
            prediction = null;
            error = e;
            return false;
        }
    }

    /// <summary>
    /// Judges the prediction over an entry's runs. Runs tagged <c>baseline</c> are what
    /// <c>baseline</c> refers to and are not judged themselves (unless the entry has no other run).
    /// Only completed runs are judged; running or queued ones make a negative verdict wait.
    /// </summary>
    /// <param name="entryRuns">The runs attached to the entry.</param>
    /// <param name="findRun">Finds a run named in <c>run:NAME</c> (by name or id prefix); null when there is none.</param>
    public PredictionResult Evaluate(IReadOnlyList<RunInfo> entryRuns, Func<string, RunInfo?> findRun)
    {
        ArgumentNullException.ThrowIfNull(entryRuns);
        ArgumentNullException.ThrowIfNull(findRun);
        var baselines = entryRuns.Where(IsBaseline).ToList();
        var subjects = entryRuns.Where(r => !IsBaseline(r)).ToList();
        if (subjects.Count == 0)
        {
            subjects = entryRuns.ToList();
        }
        var finished = subjects.Where(r => r.Status == RunStatus.Completed).ToList();
        var pending = subjects.Count(r => !r.Status.IsFinal());

        // Values from other runs (baseline, run:NAME) are the same for every judged run.
        var bindings = new List<string>();
        string? problem = null;
        double Other(RunRef r)
        {
            var metric = r.Metric ?? PrimaryMetric;
            RunInfo? run;
            string label;
            if (r.Name is null)
            {
                run = baselines.Where(b => b.Status == RunStatus.Completed).LastOrDefault() ?? baselines.LastOrDefault();
                label = "baseline";
                if (run is null)
                {
                    problem ??= "no run tagged baseline in the entry";
                    return double.NaN;
                }
            }
            else
            {
                run = findRun(r.Name);
                label = "run:" + r.Name;
                if (run is null)
                {
                    problem ??= $"no run {r.Name}";
                    return double.NaN;
                }
            }
            if (run.Status != RunStatus.Completed)
            {
                problem ??= $"{label} ({run.Id}) is {run.Status.ToText()}";
                return double.NaN;
            }
            if (run.Summary?.Final(metric) is not { } v)
            {
                problem ??= $"{label} ({run.Id}) has no {metric}";
                return double.NaN;
            }
            if (double.IsNaN(v))
            {
                problem ??= $"{label} {metric} is nan ({run.Id})";
            }
            var binding = $"{label} {metric} = {Format(v)} ({run.Id})";
            if (!bindings.Contains(binding))
            {
                bindings.Add(binding);
            }
            return v;
        }

        if (Scope == PredictionScope.Best)
        {
            RunInfo? best = null;
            double bestLeft = 0, bestRight = 0, bestMargin = double.NaN;
            var missing = new List<string>();
            foreach (var run in finished)
            {
                string? runProblem = null;
                double Subject(string metric)
                {
                    if (run.Summary?.Final(metric) is not { } v)
                    {
                        runProblem ??= $"no {metric}";
                        return double.NaN;
                    }
                    if (double.IsNaN(v))
                    {
                        runProblem ??= $"{metric} is nan";
                    }
                    return v;
                }
                var l = Eval(_left, Subject, Other);
                var r = Eval(_right, Subject, Other);
                if (problem is not null)
                {
                    return new PredictionResult(Text, PredictionOutcome.Undecidable, Bound(problem, bindings), null);
                }
                if (runProblem is not null || double.IsNaN(l) || double.IsNaN(r))
                {
                    missing.Add($"{run.Id}: {runProblem ?? "value is nan"}");
                    continue;
                }
                // The margin by which the comparison holds; the best run has the largest.
                var margin = Operator[0] == '<' ? r - l : l - r;
                if (best is null || margin > bestMargin)
                {
                    (best, bestLeft, bestRight, bestMargin) = (run, l, r, margin);
                }
            }
            if (best is null)
            {
                var why = finished.Count == 0
                    ? (pending > 0 ? $"no run finished yet ({pending} running)" : "no completed run")
                    : $"no completed run has a value ({string.Join("; ", missing)})";
                return new PredictionResult(Text, PredictionOutcome.Undecidable, Bound(why, bindings), null);
            }
            var holds = Compare(bestLeft, bestRight);
            var numbers = $"{Relation(bestLeft, bestRight, $" on {best.Id}")}, best of {finished.Count} completed";
            if (missing.Count > 0)
            {
                numbers += $" ({missing.Count} without a value)";
            }
            if (!holds && pending > 0)
            {
                return new PredictionResult(Text, PredictionOutcome.Undecidable, Bound($"{numbers}; {pending} still running", bindings), best.Id);
            }
            return new PredictionResult(Text, holds ? PredictionOutcome.Met : PredictionOutcome.NotMet, Bound(numbers, bindings), best.Id);
        }

        if (pending > 0)
        {
            return new PredictionResult(Text, PredictionOutcome.Undecidable, $"{pending} of {subjects.Count} runs still running", null);
        }
        if (finished.Count == 0)
        {
            return new PredictionResult(Text, PredictionOutcome.Undecidable, "no completed run", null);
        }
        if (Scope == PredictionScope.All)
        {
            var failing = new List<string>();
            var lines = new List<string>();
            foreach (var run in finished)
            {
                string? runProblem = null;
                double Subject(string metric)
                {
                    if (run.Summary?.Final(metric) is not { } v)
                    {
                        runProblem ??= $"{run.Id} has no {metric}";
                        return double.NaN;
                    }
                    if (double.IsNaN(v))
                    {
                        runProblem ??= $"{run.Id}: {metric} is nan";
                    }
                    return v;
                }
                var l = Eval(_left, Subject, Other);
                var r = Eval(_right, Subject, Other);
                if (problem is not null || runProblem is not null || double.IsNaN(l) || double.IsNaN(r))
                {
                    return new PredictionResult(Text, PredictionOutcome.Undecidable, Bound(problem ?? runProblem ?? $"{run.Id}: value is nan", bindings), null);
                }
                lines.Add(Relation(l, r, $" on {run.Id}"));
                if (!Compare(l, r))
                {
                    failing.Add(Relation(l, r, $" on {run.Id}"));
                }
            }
            var detail = failing.Count == 0
                ? (finished.Count == 1 ? $"holds on the only completed run: {lines[0]}" : $"holds on all {finished.Count} completed runs: {string.Join(", ", lines)}")
                : $"{failing.Count} of {finished.Count} fail: {string.Join("; ", failing)}";
            return new PredictionResult(Text, failing.Count == 0 ? PredictionOutcome.Met : PredictionOutcome.NotMet, Bound(detail, bindings), null);
        }

        // Mean: each subject metric is replaced by its mean over the completed runs.
        string? meanProblem = null;
        double Mean(string metric)
        {
            double sum = 0;
            foreach (var run in finished)
            {
                if (run.Summary?.Final(metric) is not { } v)
                {
                    meanProblem ??= $"{run.Id} has no {metric}";
                    return double.NaN;
                }
                if (double.IsNaN(v))
                {
                    meanProblem ??= $"{run.Id}: {metric} is nan";
                }
                sum += v;
            }
            return sum / finished.Count;
        }
        var ml = Eval(_left, Mean, Other);
        var mr = Eval(_right, Mean, Other);
        if (problem is not null || meanProblem is not null || double.IsNaN(ml) || double.IsNaN(mr))
        {
            return new PredictionResult(Text, PredictionOutcome.Undecidable, Bound(problem ?? meanProblem ?? "value is nan", bindings), null);
        }
        var meanDetail = $"mean {Relation(ml, mr, $" over {finished.Count} runs")}";
        return new PredictionResult(Text, Compare(ml, mr) ? PredictionOutcome.Met : PredictionOutcome.NotMet, Bound(meanDetail, bindings), null);
    }

    /// <summary>Formats a number for verdicts: up to 4 significant decimals, nan/inf spelled out.</summary>
    public static string Format(double value)
    {
        if (!double.IsFinite(value))
        {
            return Json.MetricText.FormatValue(value);
        }
        var abs = Math.Abs(value);
        if (value == Math.Floor(value) && abs < 1e9)
        {
            return value.ToString("0", CultureInfo.InvariantCulture);
        }
        return abs is >= 1e-3 and < 1e5 ? value.ToString("0.####", CultureInfo.InvariantCulture) : value.ToString("0.###e0", CultureInfo.InvariantCulture);
    }

    private static bool IsBaseline(RunInfo run) => run.Record.Tags.Contains("baseline", StringComparer.Ordinal);

    private static string Bound(string detail, List<string> bindings) =>
        bindings.Count == 0 ? detail : $"{detail}; {string.Join("; ", bindings)}";

    private bool Compare(double l, double r) => Operator switch
    {
        "<" => l < r,
        "<=" => l <= r,
        ">" => l > r,
        _ => l >= r,
    };

    /// <summary>
    /// The two sides with the relation that actually holds between them: the predicted operator when the prediction
    /// holds, else the true one and what was expected (<c>val_loss 0.1173 &gt; run:x 0.1017 on R (expected &lt;)</c>),
    /// so that a verdict never reads as the opposite of what happened.
    /// </summary>
    private string Relation(double l, double r, string where)
    {
        if (Compare(l, r))
        {
            return $"{Side(_left, l)} {Operator} {Side(_right, r)}{where}";
        }
        var actual = l < r ? "<" : l > r ? ">" : "=";
        return $"{Side(_left, l)} {actual} {Side(_right, r)}{where} (expected {Operator})";
    }

    private static string Side(Node node, double value) => node switch
    {
        Number => Format(value),
        MetricRef or RunRef => $"{Show(node)} {Format(value)}",
        _ => $"({Show(node)} = {Format(value)})",
    };

    private static string Show(Node node) => node switch
    {
        Number n => Format(n.Value),
        Negate n => "-" + Show(n.Operand),
        Binary b => $"{Show(b.Left)} {b.Op} {Show(b.Right)}",
        Group g => $"({Show(g.Inner)})",
        MetricRef m => m.Metric,
        RunRef r => (r.Name is null ? "baseline" : "run:" + r.Name) + (r.Metric is null ? "" : "." + r.Metric),
        _ => "?",
    };

    private static bool ContainsSubject(Node node) => Leaves(node).OfType<MetricRef>().Any();

    private static IEnumerable<Node> Leaves(Node node) => node switch
    {
        Negate n => Leaves(n.Operand),
        Group g => Leaves(g.Inner),
        Binary b => Leaves(b.Left).Concat(Leaves(b.Right)),
        _ => [node],
    };

    private static double Eval(Node node, Func<string, double> subject, Func<RunRef, double> other) => node switch
    {
        Number n => n.Value,
        Negate n => -Eval(n.Operand, subject, other),
        Group g => Eval(g.Inner, subject, other),
        MetricRef m => subject(m.Metric),
        RunRef r => other(r),
        Binary b => b.Op switch
        {
            '+' => Eval(b.Left, subject, other) + Eval(b.Right, subject, other),
            '-' => Eval(b.Left, subject, other) - Eval(b.Right, subject, other),
            '*' => Eval(b.Left, subject, other) * Eval(b.Right, subject, other),
            _ => Eval(b.Left, subject, other) / Eval(b.Right, subject, other),
        },
        _ => double.NaN,
    };

    private abstract record Node;

    private sealed record Number(double Value) : Node;

    private sealed record Negate(Node Operand) : Node;

    private sealed record Group(Node Inner) : Node;

    private sealed record Binary(char Op, Node Left, Node Right) : Node;

    private sealed record MetricRef(string Metric) : Node;

    private sealed record RunRef(string? Name, string? Metric) : Node;

    private sealed class Parser(string text)
    {
        private int _pos;
        private string? _firstMetric;

        public Prediction ParsePrediction()
        {
            SkipSpace();
            var scope = PredictionScope.Best;
            var save = _pos;
            if (TryWord(out var word, out _) && word is "best" or "all" or "mean")
            {
                SkipSpace();
                if (Peek() == ':')
                {
                    _pos++;
                    scope = word switch { "all" => PredictionScope.All, "mean" => PredictionScope.Mean, _ => PredictionScope.Best };
                }
                else
                {
                    _pos = save;
                }
            }
            else
            {
                _pos = save;
            }
            SkipSpace();
            if (_pos >= text.Length)
            {
                throw Fail("empty prediction: expected e.g. val_loss < 0.45");
            }
            var left = ParseExpr();
            SkipSpace();
            var opColumn = _pos;
            string op;
            if (Peek() is '<' or '>')
            {
                op = Peek() + (PeekAt(1) == '=' ? "=" : "");
                _pos += op.Length;
            }
            else if (Peek() == '=' || (Peek() == '!' && PeekAt(1) == '='))
            {
                throw Fail("only <, <=, > and >= compare (equality of measured values is never exact)");
            }
            else
            {
                throw Fail(_pos >= text.Length ? "expected a comparison (<, <=, >, >=) at the end" : $"expected a comparison (<, <=, >, >=), found '{Peek()}'");
            }
            SkipSpace();
            if (_pos >= text.Length)
            {
                throw Fail($"expected a value after '{op}'");
            }
            var right = ParseExpr();
            SkipSpace();
            if (_pos < text.Length)
            {
                throw Fail(Peek() is '<' or '>' or '=' ? "only one comparison per prediction" : $"unexpected '{Peek()}'");
            }
            if (_firstMetric is null)
            {
                _pos = 0;
                throw Fail("the prediction names no metric");
            }
            _ = opColumn;
            return new Prediction(text, scope, left, op, right, _firstMetric);
        }

        private Node ParseExpr()
        {
            var node = ParseTerm();
            while (true)
            {
                SkipSpace();
                if (Peek() is '+' or '-')
                {
                    var op = text[_pos++];
                    node = new Binary(op, node, ParseTerm());
                }
                else
                {
                    return node;
                }
            }
        }

        private Node ParseTerm()
        {
            var node = ParseUnary();
            while (true)
            {
                SkipSpace();
                if (Peek() is '*' or '/')
                {
                    var op = text[_pos++];
                    node = new Binary(op, node, ParseUnary());
                }
                else
                {
                    return node;
                }
            }
        }

        private Node ParseUnary()
        {
            SkipSpace();
            if (Peek() == '-')
            {
                _pos++;
                return new Negate(ParseUnary());
            }
            return ParsePrimary();
        }

        private Node ParsePrimary()
        {
            SkipSpace();
            if (_pos >= text.Length)
            {
                throw Fail("expected a number, a metric, baseline or run:NAME at the end");
            }
            var c = text[_pos];
            if (c == '(')
            {
                var open = _pos;
                _pos++;
                var inner = ParseExpr();
                SkipSpace();
                if (Peek() != ')')
                {
                    throw _pos >= text.Length ? new PredictionSyntaxException($"'(' at column {open + 1} is not closed", _pos + 1) : Fail($"expected ')', found '{Peek()}'");
                }
                _pos++;
                return new Group(inner);
            }
            if (char.IsAsciiDigit(c) || c == '.')
            {
                return ParseNumber();
            }
            if (c == '"')
            {
                var name = ParseQuoted();
                _firstMetric ??= name;
                return new MetricRef(name);
            }
            var start = _pos;
            if (!TryWord(out var word, out _))
            {
                throw Fail($"expected a number, a metric, baseline or run:NAME, found '{c}'");
            }
            if (word == "baseline")
            {
                return new RunRef(null, ParseDotMetric());
            }
            if (word == "run" && Peek() == ':')
            {
                _pos++;
                var nameStart = _pos;
                string name;
                if (Peek() == '"')
                {
                    name = ParseQuoted();
                }
                else
                {
                    while (_pos < text.Length && (char.IsAsciiLetterOrDigit(text[_pos]) || text[_pos] is '_' or '-'))
                    {
                        _pos++;
                    }
                    name = text[nameStart.._pos];
                }
                if (name.Length == 0)
                {
                    throw Fail("expected a run name or id after 'run:'");
                }
                return new RunRef(name, ParseDotMetric());
            }
            if (Peek() == '(')
            {
                _pos = start;
                throw Fail($"'{word}' is not a function: use all:, mean: or best: before the prediction");
            }
            _firstMetric ??= word;
            return new MetricRef(word);
        }

        private string? ParseDotMetric()
        {
            if (Peek() != '.')
            {
                return null;
            }
            _pos++;
            string metric;
            if (Peek() == '"')
            {
                metric = ParseQuoted();
            }
            else if (!TryWord(out metric, out _))
            {
                throw Fail("expected a metric name after '.'");
            }
            _firstMetric ??= metric;
            return metric;
        }

        private Number ParseNumber()
        {
            var start = _pos;
            while (_pos < text.Length && (char.IsAsciiDigit(text[_pos]) || text[_pos] == '.'))
            {
                _pos++;
            }
            if (_pos < text.Length && text[_pos] is 'e' or 'E')
            {
                var save = _pos;
                _pos++;
                if (_pos < text.Length && text[_pos] is '+' or '-')
                {
                    _pos++;
                }
                if (_pos < text.Length && char.IsAsciiDigit(text[_pos]))
                {
                    while (_pos < text.Length && char.IsAsciiDigit(text[_pos]))
                    {
                        _pos++;
                    }
                }
                else
                {
                    _pos = save;
                }
            }
            var span = text[start.._pos];
            if (!double.TryParse(span, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                _pos = start;
                throw Fail($"'{span}' is not a number");
            }
            if (_pos < text.Length && (char.IsAsciiLetter(text[_pos]) || text[_pos] == '_'))
            {
                throw Fail($"unexpected '{text[_pos]}' after the number {span}");
            }
            return new Number(value);
        }

        private string ParseQuoted()
        {
            var open = _pos;
            _pos++;
            var sb = new StringBuilder();
            while (_pos < text.Length && text[_pos] != '"')
            {
                sb.Append(text[_pos++]);
            }
            if (_pos >= text.Length)
            {
                throw new PredictionSyntaxException("the quoted name is not closed", open + 1);
            }
            _pos++;
            if (sb.Length == 0)
            {
                throw new PredictionSyntaxException("empty name", open + 1);
            }
            return sb.ToString();
        }

        private bool TryWord(out string word, out int start)
        {
            start = _pos;
            if (_pos < text.Length && (char.IsAsciiLetter(text[_pos]) || text[_pos] == '_'))
            {
                while (_pos < text.Length && (char.IsAsciiLetterOrDigit(text[_pos]) || text[_pos] == '_'))
                {
                    _pos++;
                }
                word = text[start.._pos];
                return true;
            }
            word = "";
            return false;
        }

        private char Peek() => _pos < text.Length ? text[_pos] : '\0';

        private char PeekAt(int offset) => _pos + offset < text.Length ? text[_pos + offset] : '\0';

        private void SkipSpace()
        {
            while (_pos < text.Length && char.IsWhiteSpace(text[_pos]))
            {
                _pos++;
            }
        }

        private PredictionSyntaxException Fail(string message) => new(message, Math.Min(_pos, text.Length) + 1);
    }
}
