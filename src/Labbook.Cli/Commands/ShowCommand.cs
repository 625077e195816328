using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Labbook.Json;
using Labbook.Metrics;
using Labbook.Runs;
using Labbook.Workspaces;
using Spectre.Console;

namespace Labbook.Cli.Commands;

/// <summary><c>lab show RUN</c>: everything about one run.</summary>
internal static class ShowCommand
{
    public static Command Build()
    {
        var run = new Argument<string>("run") { Description = "A run id, a unique id prefix, or a run name (the latest run of that name)." };
        var lines = new Option<int>("--lines") { Description = "How many lines of the log to show.", DefaultValueFactory = _ => 10 };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text." };
        var cmd = new Command("show", "Show one run: command, code version, parameters, status, metric summary, the end of its log.")
        {
            run, lines, json,
        };
        cmd.SetAction(parse => Execute(parse.GetValue(run)!, parse.GetValue(lines), parse.GetValue(json)));
        return cmd;
    }

    private static int Execute(string query, int lines, bool json)
    {
        var store = new RunStore(Workspace.FromEnvironment(create: false));
        var id = store.Resolve(query);
        var run = store.Load(id) ?? throw new RunNotFoundException($"run {id} has no run.json yet");
        var reader = new MetricReader();
        var stats = reader.Summarize(run.MetricsPath);
        foreach (var issue in reader.Issues.Take(10))
        {
            Terminal.Warn(issue.ToString());
        }
        if (reader.Issues.Count > 10)
        {
            Terminal.Warn($"{run.MetricsPath}: {reader.Issues.Count - 10} more malformed lines");
        }
        if (run.Summary is { } saved)
        {
            foreach (var (k, v) in saved.Values)
            {
                stats.Values[k] = v;
            }
        }
        var tail = TailLines(run.OutputPath, lines);
        if (json)
        {
            var node = RunJson.ToNode(run);
            node["summary"] = JsonSerializer.SerializeToNode(stats, LabJsonContext.Default.RunSummary);
            var log = new JsonArray();
            foreach (var l in tail)
            {
                log.Add((JsonNode?)JsonValue.Create(l));
            }
            node["log_tail"] = log;
            Console.Out.WriteLine(node.ToJsonString(LabJson.IndentedNodeOptions));
            return 0;
        }
        Render(run, stats, tail);
        return 0;
    }

    private static void Render(RunInfo run, RunSummary stats, List<string> tail)
    {
        var r = run.Record;
        var now = DateTime.Now;
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        void Row(string key, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                grid.AddRow($"[bold]{key}[/]", value);
            }
        }
        Row("run", run.Id + (r.Name is { } n ? $"  {Terminal.Safe(n)}" : ""));
        Row("status", Terminal.Status(run.Status) + (r.Reason is { } reason ? $" ({Terminal.Safe(reason)})" : "")
            + (run.Status == RunStatus.Crashed ? " [grey](the process recording it died without finishing)[/]" : ""));
        Row("why", Terminal.Safe(r.Why));
        Row("entry", Terminal.Safe(r.Entry));
        Row("study", r.Study is { } s ? $"{Terminal.Safe(s)} trial {r.Trial}" : null);
        Row("command", Terminal.Safe(r.Command));
        Row("cwd", Terminal.Safe(r.Cwd));
        if (r.Git is { } git)
        {
            var dirty = git.Dirty switch { true => $" [yellow]dirty[/] (diff in {RunFiles.GitDiff})", false => " clean", _ => "" };
            Row("git", $"{Terminal.Safe(git.Commit?[..Math.Min(12, git.Commit.Length)] ?? "no commit")} on {Terminal.Safe(git.Branch ?? "detached HEAD")}{dirty}");
        }
        Row("host", Terminal.Safe($"{r.User}@{r.Host}"));
        Row("slot", Terminal.Safe(r.Slot));
        Row("gpus", Terminal.Safe(r.Gpus));
        Row("slurm job", r.SlurmJob is { } job ? Terminal.Safe(job + (run.Status is RunStatus.Running or RunStatus.Crashed ? SlurmShared.StateOf(job) : "")) : null);
        Row("started", r.Started is { } st ? st.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : null);
        Row("ended", r.Ended is { } en ? en.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : null);
        Row("duration", run.Duration(DateTime.UtcNow) is { } d ? Durations.Format(d) : null);
        Row("exit", r.ExitCode is { } code ? code.ToString(CultureInfo.InvariantCulture) : r.Signal is { } sig ? RunLauncher.SignalName(sig) : null);
        Row("params", r.Params.Count > 0 ? Terminal.Safe(string.Join("  ", r.Params.Select(p => $"{p.Key}={ParamParsing.Text(p.Value)}"))) : null);
        Row("tags", r.Tags.Count > 0 ? Terminal.Safe(string.Join(", ", r.Tags)) : null);
        Row("folder", Terminal.Safe(run.Directory));
        Terminal.Out.Write(grid);
        Terminal.Out.WriteLine();

        if (stats.Metrics.Count > 0 || stats.Values.Count > 0)
        {
            var table = new Table().Border(TableBorder.Simple).Title("metrics");
            table.AddColumn("metric");
            table.AddColumn(new TableColumn("last").RightAligned());
            table.AddColumn(new TableColumn("min").RightAligned());
            table.AddColumn(new TableColumn("max").RightAligned());
            table.AddColumn(new TableColumn("points").RightAligned());
            table.AddColumn("curve");
            var series = stats.Metrics.Count <= 20 ? ReadSeries(run) : [];
            foreach (var (name, m) in stats.Metrics)
            {
                table.AddRow(
                    Terminal.Safe(name),
                    $"{Terminal.Number(m.Last)} [grey]@{m.LastStep}[/]",
                    m.MinStep is { } ms ? $"{Terminal.Number(m.Min)} [grey]@{ms}[/]" : "",
                    m.MaxStep is { } xs ? $"{Terminal.Number(m.Max)} [grey]@{xs}[/]" : "",
                    m.Count.ToString(CultureInfo.InvariantCulture) + (m.NanCount > 0 ? $" [red]({m.NanCount} nan)[/]" : ""),
                    series.TryGetValue(name, out var values) ? Sparkline.Render(values, 24) : "");
            }
            foreach (var (name, v) in stats.Values)
            {
                table.AddRow(Terminal.Safe(name), Terminal.Number(v), "", "", "summary", "");
            }
            Terminal.Out.Write(table);
        }
        else
        {
            Terminal.Out.MarkupLine("[grey]no metrics logged[/]");
        }

        if (tail.Count > 0)
        {
            Terminal.Out.MarkupLine($"[bold]last {tail.Count} lines of {RunFiles.Output}[/]");
            foreach (var line in tail)
            {
                Terminal.Out.WriteLine(Names.Escape(line));
            }
        }
    }

    private static Dictionary<string, List<double>> ReadSeries(RunInfo run)
    {
        var series = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        foreach (var p in new MetricReader().Read(run.MetricsPath))
        {
            if (!series.TryGetValue(p.Name, out var list))
            {
                list = [];
                series[p.Name] = list;
            }
            list.Add(p.Value);
        }
        return series;
    }

    private const int LongestLine = 4000;

    private const string CutMark = "[cut] ...";

    /// <summary>The last <paramref name="count"/> lines of a log, reading only its end; a line too long to show is cut to its end.</summary>
    public static List<string> TailLines(string path, int count)
    {
        if (count <= 0 || !File.Exists(path))
        {
            return [];
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var take = (int)Math.Min(stream.Length, 64 * 1024);
        stream.Seek(-take, SeekOrigin.End);
        var buffer = new byte[take];
        stream.ReadExactly(buffer);
        var text = System.Text.Encoding.UTF8.GetString(buffer).Replace("\r\n", "\n", StringComparison.Ordinal);
        // Progress bars redraw with \r: keep only what a terminal would finally show on each line.
        var lines = text.Split('\n').Select(l => l.Contains('\r', StringComparison.Ordinal) ? l[(l.LastIndexOf('\r') + 1)..] : l).ToList();
        if (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }
        if (take < stream.Length && lines.Count > 1)
        {
            // The first piece is the end of a line that started before the part read.
            lines.RemoveAt(0);
        }
        else if (take < stream.Length && lines.Count == 1)
        {
            // One line longer than the part read (a progress bar never ended, a dump): show its end.
            lines[0] = CutMark + lines[0];
        }
        // A terminal shows the end of a very long line; so does the tail, marked as cut.
        return lines.Skip(Math.Max(0, lines.Count - count))
            .Select(l => l.Length > LongestLine ? CutMark + l[^LongestLine..] : l)
            .ToList();
    }
}
