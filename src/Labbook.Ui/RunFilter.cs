using System.Globalization;
using System.Text.Json.Nodes;
using Labbook.Runs;

namespace Labbook.Ui;

/// <summary>
/// The filter of the runs view and of <c>/api/runs?where=</c>: conditions joined by <c>and</c>, <c>&amp;&amp;</c> or a
/// comma. A condition is <c>FIELD OP VALUE</c> (<c>val_loss &lt; 0.2</c>, <c>lr = 0.001</c>, <c>status != failed</c>,
/// <c>tag = baseline</c>) or a bare word, matched against id, name, entry, study and tags. FIELD is a metric's final
/// value, else a parameter (<c>metric.NAME</c> and <c>param.NAME</c> say which when both exist).
/// </summary>
internal sealed class RunFilter
{
    private static readonly string[] Operators = ["<=", ">=", "!=", "==", "<", ">", "="];

    private readonly List<Condition> _conditions;

    private RunFilter(List<Condition> conditions) => _conditions = conditions;

    /// <summary>True when the filter has no condition (everything matches).</summary>
    public bool IsEmpty => _conditions.Count == 0;

    /// <summary>Parses a filter; empty text matches every run.</summary>
    /// <exception cref="FormatException">A condition lacks a field or a value (the message quotes it).</exception>
    public static RunFilter Parse(string? text)
    {
        var conditions = new List<Condition>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return new RunFilter(conditions);
        }
        var normalized = text.Replace("&&", ",", StringComparison.Ordinal);
        var parts = System.Text.RegularExpressions.Regex.Split(normalized, @"\s+and\s+|,", System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        foreach (var raw in parts)
        {
            var part = raw.Trim();
            if (part.Length == 0)
            {
                continue;
            }
            var (index, op) = FindOperator(part);
            if (index < 0)
            {
                conditions.Add(new Condition(null, "~", part));
                continue;
            }
            var field = part[..index].Trim();
            var value = part[(index + op.Length)..].Trim();
            if (field.Length == 0)
            {
                throw new FormatException($"filter: '{part}' needs a field before '{op}' (e.g. val_loss < 0.2)");
            }
            if (value.Length == 0)
            {
                throw new FormatException($"filter: '{part}' needs a value after '{op}' (e.g. val_loss < 0.2)");
            }
            conditions.Add(new Condition(field, op == "==" ? "=" : op, value));
        }
        return new RunFilter(conditions);
    }

    /// <summary>True when the run meets every condition.</summary>
    public bool Matches(RunInfo run)
    {
        foreach (var c in _conditions)
        {
            if (!c.Matches(run))
            {
                return false;
            }
        }
        return true;
    }

    private static (int Index, string Op) FindOperator(string part)
    {
        for (var i = 0; i < part.Length; i++)
        {
            foreach (var op in Operators)
            {
                if (string.CompareOrdinal(part, i, op, 0, op.Length) == 0)
                {
                    return (i, op);
                }
            }
        }
        return (-1, "");
    }

    /// <summary>A parameter's value as text (JSON strings unquoted), as the table shows it.</summary>
    public static string ParamText(JsonNode? value) =>
        value is null ? "null" : value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value.ToJsonString();

    private sealed record Condition(string? Field, string Op, string Value)
    {
        public bool Matches(RunInfo run)
        {
            var r = run.Record;
            if (Field is null)
            {
                return Contains(r.Id) || Contains(r.Name) || Contains(r.Entry) || Contains(r.Study) || r.Tags.Any(Contains);
            }
            switch (Field.ToLowerInvariant())
            {
                case "status":
                    return CompareText(run.Status.ToText());
                case "name":
                    return CompareText(r.Name ?? "");
                case "id":
                    return CompareText(r.Id);
                case "entry":
                    return CompareText(r.Entry ?? "");
                case "study":
                    return CompareText(r.Study ?? "");
                case "trial":
                    return r.Trial is { } trial && CompareNumber(trial);
                case "tag" or "tags":
                    return Op == "!=" ? !r.Tags.Contains(Value, StringComparer.Ordinal) : r.Tags.Contains(Value, StringComparer.Ordinal);
                default:
                    break;
            }
            var (kind, name) = Field.StartsWith("metric.", StringComparison.Ordinal) ? ("metric", Field[7..])
                : Field.StartsWith("param.", StringComparison.Ordinal) ? ("param", Field[6..])
                : ("", Field);
            if (kind != "param" && run.Summary?.Final(name) is { } final)
            {
                return CompareNumber(final);
            }
            if (kind != "metric" && r.Params.TryGetValue(name, out var param))
            {
                var text = ParamText(param);
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.TryParse(Value, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
                    ? CompareNumber(number)
                    : CompareText(text);
            }
            return false;
        }

        private bool Contains(string? text) => text is not null && text.Contains(Value, StringComparison.OrdinalIgnoreCase);

        private bool CompareNumber(double actual)
        {
            if (!double.TryParse(Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var expected))
            {
                return CompareText(actual.ToString(CultureInfo.InvariantCulture));
            }
            return Op switch
            {
                "<" => actual < expected,
                "<=" => actual <= expected,
                ">" => actual > expected,
                ">=" => actual >= expected,
                "!=" => actual != expected,
                _ => actual == expected,
            };
        }

        private bool CompareText(string actual)
        {
            var c = string.Compare(actual, Value, StringComparison.OrdinalIgnoreCase);
            return Op switch
            {
                "<" => c < 0,
                "<=" => c <= 0,
                ">" => c > 0,
                ">=" => c >= 0,
                "!=" => c != 0,
                _ => c == 0,
            };
        }
    }
}
