using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Labbook.Json;
using Labbook.Metrics;
using Labbook.Notebook;
using Labbook.Runs;
using Labbook.Workspaces;

namespace Labbook.Cli.Commands;

/// <summary><c>lab ls</c>: the runs as a table that fits the terminal, or as JSON or CSV; the query itself is the library's <see cref="RunQuery"/>.</summary>
internal static class ListCommand
{
    /// <summary>Significant digits of numbers in the table unless <c>--full-precision</c> is given.</summary>
    private const int TableDigits = 4;

    public static Command Build()
    {
        var status = new Option<string[]>("--status", "-s") { Description = "Only runs with this status (repeatable): running, completed, failed, killed, crashed, pruned." };
        var name = new Option<string?>("--name") { Description = "Only runs whose name matches this glob (* and ?)." };
        var since = new Option<string?>("--since") { Description = "Only runs started since: an age (2h, 3d), a clock time (19:00), a date (2026-11-27), today, yesterday." };
        var tag = new Option<string[]>("--tag", "-t") { Description = "Only runs with this tag (repeatable)." };
        var param = new Option<string[]>("--param", "-p") { Description = "Only runs with this parameter value, key=value (repeatable)." };
        var where = new Option<string[]>("--where", "-w") { Description = "Only runs for which this condition holds, as in notebook predictions: \"val_loss < 0.2\" (repeatable; a name is a metric's final value, else a numeric parameter)." };
        var study = new Option<string?>("--study") { Description = "Only the trials of this study." };
        var entry = new Option<string?>("--entry") { Description = "Only runs attached to this notebook entry." };
        var sort = new Option<string?>("--sort") { Description = "Sort by a metric's final value, a parameter or a column (id, name, status, start, duration, entry, study, trial), ascending; prefix with - for descending (--sort=-acc)." };
        var limit = new Option<int?>("--limit", "-l") { Description = "Show at most this many runs (the most recent, or the first in sort order)." };
        var json = new Option<bool>("--json") { Description = "Print JSON (all fields, full precision) instead of a table." };
        var csv = new Option<bool>("--csv") { Description = "Print CSV (one row per run: fields, every parameter and every metric's final value, full precision)." };
        var full = new Option<bool>("--full-precision") { Description = "Show numbers in the table at full precision (default: 4 significant digits)." };
        var cmd = new Command("ls", "List runs: id, name, status, start, duration, parameters and final metrics.")
        {
            status, name, since, tag, param, where, study, entry, sort, limit, json, csv, full,
        };
        cmd.SetAction(parse =>
        {
            var statuses = new List<RunStatus>();
            foreach (var s in parse.GetValue(status) ?? [])
            {
                statuses.Add(RunStatusText.TryParse(s, out var st) ? st : throw new UsageException($"--status: unknown status '{Names.Escape(s)}'{Text.NameSuggestions.DidYouMean(s, Enum.GetValues<RunStatus>().Select(x => x.ToText()))}"));
            }
            DateTime? sinceUtc = null;
            if (parse.GetValue(since) is { } sinceText)
            {
                sinceUtc = TimeSpec.TryParsePast(sinceText, DateTime.Now, out var t) ? t : throw new UsageException($"--since: cannot read '{Names.Escape(sinceText)}' as a time (try 2h, 19:00, 2026-11-27, yesterday)");
            }
            var conditions = new List<Prediction>();
            foreach (var text in parse.GetValue(where) ?? [])
            {
                try
                {
                    conditions.Add(RunQuery.ParseCondition(text));
                }
                catch (PredictionSyntaxException e)
                {
                    throw new UsageException($"--where {Names.Printable(text)}: {e.Message}");
                }
            }
            var limitValue = parse.GetValue(limit);
            if (limitValue is < 1)
            {
                throw new UsageException("--limit must be at least 1");
            }
            if (parse.GetValue(json) && parse.GetValue(csv))
            {
                throw new UsageException("--json and --csv: choose one");
            }
            var sortText = parse.GetValue(sort);
            var descending = sortText?.StartsWith('-') == true;
            var query = new RunQuery
            {
                Statuses = statuses,
                NameGlob = parse.GetValue(name),
                SinceUtc = sinceUtc,
                Tags = [.. parse.GetValue(tag) ?? []],
                Params = ParamParsing.Parse(parse.GetValue(param)),
                Conditions = conditions,
                Study = parse.GetValue(study),
                Entry = parse.GetValue(entry),
                SortBy = descending ? sortText![1..] : sortText,
                Descending = descending,
                Limit = limitValue,
            };
            var format = parse.GetValue(json) ? Format.Json : parse.GetValue(csv) ? Format.Csv : Format.Table;
            return Execute(query, format, parse.GetValue(full) ? null : TableDigits);
        });
        return cmd;
    }

    private enum Format
    {
        Table,
        Json,
        Csv,
    }

    private static int Execute(RunQuery query, Format format, int? digits)
    {
        var workspace = Workspace.FromEnvironment(create: false);
        RunQueryResult result;
        try
        {
            result = new RunStore(workspace).Query(query);
        }
        catch (UnknownRunFieldException e)
        {
            var option = e.Where switch { "sort" => "--sort", "parameter filter" => "-p", _ => "--where" };
            throw new UsageException($"{option}: {e.Message}");
        }
        foreach (var bad in result.Unreadable)
        {
            Terminal.Warn($"run {bad.Id} is unreadable: {bad.Reason}");
        }
        var runs = result.Runs;
        switch (format)
        {
            case Format.Json:
                var array = new JsonArray();
                foreach (var run in runs)
                {
                    array.Add((JsonNode)RunJson.ToNode(run));
                }
                Console.Out.WriteLine(array.ToJsonString(LabJson.CompactNodeOptions));
                return 0;
            case Format.Csv:
                Console.Out.Write(Csv(runs));
                return 0;
        }
        if (runs.Count == 0 && result.Unreadable.Count == 0)
        {
            Terminal.Note(workspace.Exists ? "no runs match" : $"no workspace here yet (a first `lab run` creates one in {workspace.Root})");
            return 0;
        }
        var table = Table(runs, result.Unreadable, query.SortBy, digits);
        Console.Out.Write(table.Render(Terminal.Out.Profile.Width, Terminal.UseColor, out var dropped));
        if (dropped.Count > 0)
        {
            Terminal.Note($"{dropped.Count} column{(dropped.Count == 1 ? "" : "s")} left out to fit {Terminal.Out.Profile.Width} characters: {string.Join(", ", dropped)} (--json or --csv has every column)");
        }
        return 0;
    }

    /// <summary>
    /// The table: id, name, status, start, duration, the parameters that differ and the most common
    /// metrics. When it is too wide, start goes first, then duration, then metrics and parameters
    /// from the last (alternating), then the name; id and status always stay, and so does the sort column.
    /// </summary>
    internal static TextTable Table(IReadOnlyList<RunInfo> runs, IReadOnlyList<UnreadableRun> unreadable, string? sortKey, int? digits)
    {
        var now = DateTime.Now;
        var paramKeys = runs.SelectMany(r => r.Record.Params.Keys).Distinct(StringComparer.Ordinal)
            .Where(k => runs.Count == 1 || runs.Select(r => r.Record.Params.TryGetValue(k, out var v) ? RunValues.ParamText(v) : "").Distinct(StringComparer.Ordinal).Count() > 1)
            .Order(StringComparer.Ordinal).Take(8).ToList();
        var metricKeys = runs.SelectMany(r => (r.Summary?.Metrics.Keys ?? Enumerable.Empty<string>()).Concat(r.Summary?.Values.Keys ?? Enumerable.Empty<string>()))
            .GroupBy(k => k, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Key).Take(8).ToList();
        if (sortKey is not null && !RunQuery.Columns.Contains(sortKey) && !paramKeys.Contains(sortKey, StringComparer.Ordinal))
        {
            metricKeys.Remove(sortKey);
            metricKeys.Insert(0, sortKey);
        }
        var table = new TextTable { ColoredColumn = 2 };
        // Priorities: smaller is kept longer. Metrics come before parameters, and earlier ones before later ones.
        int Keep(string key, int priority) => key == sortKey ? 1 : priority;
        table.AddColumn("id", 0);
        table.AddColumn("name", Keep("name", 5), maxWidth: 24);
        table.AddColumn("status", 0);
        table.AddColumn("start", Keep("start", 100));
        table.AddColumn("duration", Keep("duration", 40), rightAligned: true);
        for (var i = 0; i < paramKeys.Count; i++)
        {
            table.AddColumn(paramKeys[i], Keep(paramKeys[i], 11 + (2 * i)), rightAligned: runs.All(r => !r.Record.Params.TryGetValue(paramKeys[i], out var v) || v is JsonValue jv && (jv.TryGetValue<double>(out _) || jv.TryGetValue<long>(out _))), maxWidth: digits is null ? int.MaxValue : 16);
        }
        for (var i = 0; i < metricKeys.Count; i++)
        {
            table.AddColumn(metricKeys[i], Keep(metricKeys[i], 10 + (2 * i)), rightAligned: true);
        }
        foreach (var run in runs)
        {
            var cells = new List<string?>
            {
                run.Id,
                run.Record.Name,
                run.Status.ToText(),
                Terminal.When(run.Record.Started, now),
                run.Duration(DateTime.UtcNow) is { } d ? Durations.Format(d) : null,
            };
            foreach (var k in paramKeys)
            {
                cells.Add(run.Record.Params.TryGetValue(k, out var v) ? ParamCell(v, digits) : null);
            }
            foreach (var k in metricKeys)
            {
                cells.Add(run.Summary?.Final(k) is { } value ? TextTable.Number(value, digits) : null);
            }
            table.AddRow(cells, StatusColor(run.Status));
        }
        foreach (var bad in unreadable)
        {
            table.AddRow([bad.Id, null, "unreadable"], "31");
        }
        return table;
    }

    private static string ParamCell(JsonNode? value, int? digits) =>
        value is JsonValue v && v.TryGetValue<double>(out var d) && !v.TryGetValue<long>(out _) ? TextTable.Number(d, digits) : RunValues.ParamText(value);

    private static string StatusColor(RunStatus status) => status switch
    {
        RunStatus.Completed => "32",
        RunStatus.Failed or RunStatus.Crashed => "31",
        RunStatus.Killed => "33",
        RunStatus.Running => "34",
        RunStatus.Pruned => "90",
        _ => "0",
    };

    /// <summary>One row per run: its fields, every parameter and every metric's final value, at full precision.</summary>
    internal static string Csv(IReadOnlyList<RunInfo> runs)
    {
        var paramKeys = RunValues.ParamNames(runs);
        var metricKeys = RunValues.MetricNames(runs);
        string[] fields = ["id", "name", "status", "start", "end", "duration_s", "exit_code", "entry", "study", "trial", "tags"];
        // A parameter named like a field or a metric gets a prefix so every header is unique.
        var taken = fields.Concat(metricKeys).ToHashSet(StringComparer.Ordinal);
        var sb = new StringBuilder();
        sb.Append(CsvText.Line([.. fields, .. paramKeys.Select(k => taken.Contains(k) ? "param:" + k : k), .. metricKeys])).Append('\n');
        foreach (var run in runs)
        {
            var r = run.Record;
            var row = new List<string?>
            {
                run.Id,
                r.Name,
                run.Status.ToText(),
                r.Started?.ToString("O", CultureInfo.InvariantCulture),
                r.Ended?.ToString("O", CultureInfo.InvariantCulture),
                run.Duration(DateTime.UtcNow) is { } d ? MetricText.FormatValue(d.TotalSeconds) : null,
                r.ExitCode?.ToString(CultureInfo.InvariantCulture),
                r.Entry,
                r.Study,
                r.Trial?.ToString(CultureInfo.InvariantCulture),
                string.Join(';', r.Tags),
            };
            row.AddRange(paramKeys.Select(k => r.Params.TryGetValue(k, out var v) ? (v is JsonValue jv && jv.TryGetValue<double>(out var x) && !jv.TryGetValue<long>(out _) ? MetricText.FormatValue(x) : RunValues.ParamText(v)) : null));
            row.AddRange(metricKeys.Select(k => run.Summary?.Final(k) is { } v ? MetricText.FormatValue(v) : null));
            sb.Append(CsvText.Line(row)).Append('\n');
        }
        return sb.ToString();
    }
}
