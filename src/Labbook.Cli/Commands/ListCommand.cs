using System.CommandLine;
using System.Text.Json.Nodes;
using Labbook.Json;
using Labbook.Runs;
using Labbook.Workspaces;
using Spectre.Console;

namespace Labbook.Cli.Commands;

/// <summary><c>lab ls</c>: the runs as a table, from their summaries.</summary>
internal static class ListCommand
{
    public static Command Build()
    {
        var status = new Option<string[]>("--status", "-s") { Description = "Only runs with this status (repeatable): running, completed, failed, killed, crashed, pruned." };
        var name = new Option<string?>("--name") { Description = "Only runs whose name matches this glob (* and ?)." };
        var since = new Option<string?>("--since") { Description = "Only runs started since: an age (2h, 3d), a clock time (19:00), a date (2026-11-27), today, yesterday." };
        var tag = new Option<string[]>("--tag", "-t") { Description = "Only runs with this tag (repeatable)." };
        var param = new Option<string[]>("--param", "-p") { Description = "Only runs with this parameter value, key=value (repeatable)." };
        var study = new Option<string?>("--study") { Description = "Only the trials of this study." };
        var entry = new Option<string?>("--entry") { Description = "Only runs attached to this notebook entry." };
        var sort = new Option<string?>("--sort") { Description = "Sort by a metric's final value, ascending; prefix with - for descending (--sort=-acc)." };
        var limit = new Option<int?>("--limit", "-l") { Description = "Show at most this many runs (the most recent, or the best when sorted)." };
        var json = new Option<bool>("--json") { Description = "Print JSON (all fields) instead of a table." };
        var cmd = new Command("ls", "List runs: id, name, status, start, duration, parameters and final metrics.")
        {
            status, name, since, tag, param, study, entry, sort, limit, json,
        };
        cmd.SetAction(parse =>
        {
            var statuses = new List<RunStatus>();
            foreach (var s in parse.GetValue(status) ?? [])
            {
                statuses.Add(RunStatusText.TryParse(s, out var st) ? st : throw new UsageException($"--status: unknown status '{s}'"));
            }
            DateTime? sinceUtc = null;
            if (parse.GetValue(since) is { } sinceText)
            {
                sinceUtc = TimeSpec.TryParsePast(sinceText, DateTime.Now, out var t) ? t : throw new UsageException($"--since: cannot read '{sinceText}' as a time (try 2h, 19:00, 2026-11-27, yesterday)");
            }
            var query = new RunQuery
            {
                Statuses = statuses,
                NameGlob = parse.GetValue(name),
                SinceUtc = sinceUtc,
                Tags = [.. parse.GetValue(tag) ?? []],
                Params = ParamParsing.Parse(parse.GetValue(param)),
                Study = parse.GetValue(study),
                Entry = parse.GetValue(entry),
            };
            var limitValue = parse.GetValue(limit);
            if (limitValue is < 1)
            {
                throw new UsageException("--limit must be at least 1");
            }
            return Execute(query, parse.GetValue(sort), limitValue, parse.GetValue(json));
        });
        return cmd;
    }

    private static int Execute(RunQuery query, string? sort, int? limit, bool json)
    {
        var workspace = Workspace.FromEnvironment(create: false);
        var store = new RunStore(workspace);
        var runs = store.LoadAll(Terminal.Warn).Where(query.Matches).ToList();
        string? sortMetric = null;
        var descending = false;
        if (sort is not null)
        {
            descending = sort.StartsWith('-');
            sortMetric = descending ? sort[1..] : sort;
            runs = [.. runs.Where(r => r.Summary?.Final(sortMetric) is { } v && !double.IsNaN(v))
                .OrderBy(r => descending ? -r.Summary!.Final(sortMetric)!.Value : r.Summary!.Final(sortMetric)!.Value)];
            if (limit is { } n)
            {
                runs = [.. runs.Take(n)];
            }
        }
        else
        {
            if (limit is { } n)
            {
                runs = [.. runs.Skip(Math.Max(0, runs.Count - n))];
            }
        }
        if (json)
        {
            var array = new JsonArray();
            foreach (var run in runs)
            {
                array.Add((JsonNode)RunJson.ToNode(run));
            }
            Console.Out.WriteLine(array.ToJsonString(LabJson.CompactNodeOptions));
            return 0;
        }
        if (runs.Count == 0)
        {
            Terminal.Note(workspace.Exists ? "no runs match" : $"no workspace here yet (a first `lab run` creates one in {workspace.Root})");
            return 0;
        }
        Render(runs, sortMetric);
        return 0;
    }

    private static void Render(List<RunInfo> runs, string? sortMetric)
    {
        var now = DateTime.Now;
        // Show the parameters that differ between the listed runs, and the most common metrics.
        var paramKeys = runs.SelectMany(r => r.Record.Params.Keys).Distinct(StringComparer.Ordinal)
            .Where(k => runs.Select(r => r.Record.Params.TryGetValue(k, out var v) ? ParamParsing.Text(v) : "").Distinct(StringComparer.Ordinal).Count() > 1 || runs.Count == 1)
            .Order(StringComparer.Ordinal).Take(5).ToList();
        var metricKeys = runs.SelectMany(r => (r.Summary?.Metrics.Keys ?? Enumerable.Empty<string>()).Concat(r.Summary?.Values.Keys ?? Enumerable.Empty<string>()))
            .GroupBy(k => k, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Key).Take(5).ToList();
        if (sortMetric is not null)
        {
            metricKeys.Remove(sortMetric);
            metricKeys.Insert(0, sortMetric);
        }
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumn("id");
        table.AddColumn("name");
        table.AddColumn("status");
        table.AddColumn("start");
        table.AddColumn(new TableColumn("duration").RightAligned());
        foreach (var k in paramKeys)
        {
            table.AddColumn(Terminal.Safe(k));
        }
        foreach (var k in metricKeys)
        {
            table.AddColumn(new TableColumn(Terminal.Safe(k)).RightAligned());
        }
        foreach (var run in runs)
        {
            var cells = new List<string>
            {
                run.Id,
                Terminal.Safe(run.Record.Name ?? ""),
                Terminal.Status(run.Status),
                Terminal.When(run.Record.Started, now),
                run.Duration(DateTime.UtcNow) is { } d ? Durations.Format(d) : "",
            };
            foreach (var k in paramKeys)
            {
                cells.Add(run.Record.Params.TryGetValue(k, out var v) ? Terminal.Safe(ParamParsing.Text(v)) : "");
            }
            foreach (var k in metricKeys)
            {
                cells.Add(Terminal.Number(run.Summary?.Final(k)));
            }
            table.AddRow(cells.ToArray());
        }
        Terminal.Out.Write(table);
    }
}
