using System.CommandLine;
using System.Globalization;
using Labbook.Sweeps;
using Labbook.Tuning;
using Labbook.Workspaces;
using Spectre.Console;

namespace Labbook.Cli.Commands;

/// <summary><c>lab study</c>: list, show, export, remove and retry studies.</summary>
internal static class StudyCommand
{
    private static readonly string[] ListColumns = ["study", "direction", "complete", "pruned", "failed", "running", "waiting", "best", "last activity"];
    private static readonly string[] ShownAttrs = ["why", "objective", "command"];

    public static Command Build()
    {
        var cmd = new Command("study", "Studies (hyperparameter searches) in the workspace, including those written by Optuna.");
        cmd.Subcommands.Add(BuildList());
        cmd.Subcommands.Add(BuildShow());
        cmd.Subcommands.Add(BuildExport());
        cmd.Subcommands.Add(BuildRemove());
        cmd.Subcommands.Add(BuildRetry());
        return cmd;
    }

    private static Workspace Existing() => Workspace.FromEnvironment(create: false);

    private static StudyEntry Find(string name)
    {
        try
        {
            return StudyCatalog.Find(Existing(), name);
        }
        catch (KeyNotFoundException e)
        {
            throw new UsageException(e.Message);
        }
    }

    private static Command BuildList()
    {
        var cmd = new Command("ls", "List studies: name, direction, trials by state, best value, last activity.");
        cmd.SetAction(_ =>
        {
            var unreadable = 0;
            var studies = StudyCatalog.List(Existing(), message =>
            {
                unreadable++;
                Terminal.Warn(message);
            });
            if (studies.Count == 0)
            {
                if (unreadable > 0)
                {
                    // Not "no studies yet": there are some, and the warnings above say why they cannot be read.
                    Terminal.Error($"no readable studies: {unreadable} journal(s) could not be read");
                    return 1;
                }
                Terminal.Note("no studies yet (lab sweep --help)");
                return 0;
            }
            var table = new Table().Border(TableBorder.Simple);
            foreach (var c in ListColumns)
            {
                table.AddColumn(c);
            }
            var now = DateTime.Now;
            foreach (var s in studies)
            {
                var trials = s.Trials;
                int Count(TrialState st) => trials.Count(t => t.State == st);
                table.AddRow(
                    Terminal.Safe(s.Name),
                    s.IsMultiObjective ? "multi" : s.Direction.ToString().ToLowerInvariant(),
                    Count(TrialState.Complete).ToString(CultureInfo.InvariantCulture),
                    Count(TrialState.Pruned).ToString(CultureInfo.InvariantCulture),
                    Count(TrialState.Fail).ToString(CultureInfo.InvariantCulture),
                    Count(TrialState.Running).ToString(CultureInfo.InvariantCulture),
                    Count(TrialState.Waiting).ToString(CultureInfo.InvariantCulture),
                    Terminal.Number(s.Best?.Value),
                    Terminal.When(s.LastActivityUtc, now));
            }
            Terminal.Out.Write(table);
            return 0;
        });
        return cmd;
    }

    private static Command BuildShow()
    {
        var name = new Argument<string>("name") { Description = "The study." };
        var top = new Option<int>("--top", "-k") { Description = "How many of the best trials to list.", DefaultValueFactory = _ => 10 };
        var html = new Option<string?>("--html") { Description = "Also write the plots (optimization history, slices, parallel coordinates, intermediate values) to this HTML file (Chart.js, works offline)." };
        var plotsDir = new Option<string?>("--plots") { Description = "Also write the plots as image files into this folder: history, slices, parallel, intermediate (ScottPlot)." };
        var formatOption = new Option<string>("--format") { Description = "Image format for --plots: png or svg.", DefaultValueFactory = _ => "png" };
        var cmd = new Command("show", "Show a study: best trial and its run, the best trials, history, parameter importance; plots as images or HTML.") { name, top, html, plotsDir, formatOption };
        cmd.SetAction(parse =>
        {
            var s = Find(parse.GetValue(name)!);
            var k = parse.GetValue(top);
            if (k < 1)
            {
                throw new UsageException("--top must be at least 1");
            }
            var format = parse.GetValue(formatOption);
            if (format is not ("png" or "svg"))
            {
                throw new UsageException($"--format: '{format}' is not png or svg");
            }
            var trials = s.Trials;
            var attrs = s.Storage.GetStudyUserAttrs(s.StudyId);
            var summary = new List<string>
            {
                $"{s.Direction.ToString().ToLowerInvariant()}, {trials.Count} trials: {trials.Count(t => t.State == TrialState.Complete)} complete, {trials.Count(t => t.State == TrialState.Pruned)} pruned, {trials.Count(t => t.State == TrialState.Fail)} failed, {trials.Count(t => t.State == TrialState.Running)} running",
            };
            foreach (var key in ShownAttrs)
            {
                if (attrs.TryGetValue(key, out var v) && v is not null)
                {
                    summary.Add($"{key}: {ParamParsing.Text(v)}");
                }
            }
            // Below 3 complete trials every parameter would get the same share: say nothing.
            var importance = trials.Count(t => t.State == TrialState.Complete && t.Value is not null) >= 3 ? ParamImportance.Compute(trials, s.Direction) : [];
            var objectiveName = attrs.TryGetValue("objective", out var obj) && obj is not null ? ParamParsing.Text(obj) : "value";
            if (parse.GetValue(html) is not null || parse.GetValue(plotsDir) is not null)
            {
                var plots = StudyPlots.From(s.Name, objectiveName, s.Direction, trials);
                if (s.Best is { } top1)
                {
                    summary.Add($"best: trial {top1.Number}, {objectiveName} {Terminal.Number(top1.Value)}{(RunOf(top1) is { Length: > 0 } run ? ", run " + run : "")}, {SweepCommand.FormatParams(top1.Params)}");
                }
                if (parse.GetValue(html) is { } htmlPath)
                {
                    Labbook.IO.AtomicFile.WriteText(Path.GetFullPath(htmlPath), StudyPage.Render(plots, summary, importance));
                    Terminal.Note($"wrote {htmlPath}");
                }
                if (parse.GetValue(plotsDir) is { } dir)
                {
                    foreach (var file in StudyImages.Write(dir, plots, format))
                    {
                        Terminal.Note($"wrote {file}");
                    }
                }
            }
            var o = Terminal.Out;
            o.MarkupLine($"[bold]study {Terminal.Safe(s.Name)}[/]  {Terminal.Safe(summary[0])}");
            foreach (var line in summary.Skip(1).Where(l => !l.StartsWith("best: ", StringComparison.Ordinal)))
            {
                o.MarkupLine(Terminal.Safe(line));
            }
            var best = s.Best;
            if (best is null)
            {
                o.MarkupLine("no complete trial yet");
                return 0;
            }
            o.MarkupLine($"best: trial {best.Number}  value {Terminal.Number(best.Value)}  run {Terminal.Safe(RunOf(best))}  {Terminal.Safe(SweepCommand.FormatParams(best.Params))}");
            var ordered = trials.Where(t => t.State == TrialState.Complete && t.Value is not null).OrderBy(t => t.Number).ToList();
            var values = ordered.Select(t => t.Value!.Value).ToList();
            var bestSoFar = new List<double>();
            foreach (var v in values)
            {
                bestSoFar.Add(bestSoFar.Count == 0 ? v : s.Direction == StudyDirection.Minimize ? Math.Min(v, bestSoFar[^1]) : Math.Max(v, bestSoFar[^1]));
            }
            o.MarkupLine($"history    {Terminal.Safe(Sparkline.Render(values, 60))}");
            o.MarkupLine($"best so far {Terminal.Safe(Sparkline.Render(bestSoFar, 60))}");
            var ranked = s.Direction == StudyDirection.Minimize ? ordered.OrderBy(t => t.Value) : ordered.OrderByDescending(t => t.Value);
            var paramNames = trials.SelectMany(t => t.Params.Keys).Distinct(StringComparer.Ordinal).ToList();
            var table = new Table().Border(TableBorder.Simple);
            table.AddColumn("trial");
            table.AddColumn("value");
            table.AddColumn("run");
            foreach (var p in paramNames)
            {
                table.AddColumn(Terminal.Safe(p));
            }
            foreach (var t in ranked.Take(k))
            {
                var cells = new List<string> { t.Number.ToString(CultureInfo.InvariantCulture), Terminal.Number(t.Value), Terminal.Safe(RunOf(t)) };
                cells.AddRange(paramNames.Select(p => t.Params.TryGetValue(p, out var v) ? Terminal.Safe(v is double d ? Terminal.Number(d) : CommandTemplate.Text(v)) : ""));
                table.AddRow([.. cells]);
            }
            o.Write(table);
            if (importance.Count > 0)
            {
                o.MarkupLine("parameter importance (PED-ANOVA, see docs/sweep.md):");
                foreach (var (p, imp) in importance)
                {
                    var bar = new string('█', (int)Math.Round(imp * 30));
                    o.MarkupLine($"  {Terminal.Safe(p),-20} {imp,5:0.00} {bar}");
                }
            }
            return 0;
        });
        return cmd;
    }

    private static string RunOf(FrozenTrial t) => SweepRunner.RunIdOf(t) ?? "";

    private static Command BuildExport()
    {
        var name = new Argument<string>("name") { Description = "The study." };
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file instead of stdout." };
        var cmd = new Command("export", "Export the trials as CSV: number, state, value, params_*, run_id, times, duration, fail_reason.") { name, output };
        cmd.SetAction(parse =>
        {
            var s = Find(parse.GetValue(name)!);
            if (parse.GetValue(output) is { } path)
            {
                StudyExport.Write(path, s.Trials);
            }
            else
            {
                StudyExport.Write(Console.Out, s.Trials);
                Console.Out.Flush();
            }
            return 0;
        });
        return cmd;
    }

    private static Command BuildRemove()
    {
        var name = new Argument<string>("name") { Description = "The study." };
        var cmd = new Command("rm", "Delete a study's journal (studies/NAME.jsonl). Its trials' runs stay in runs/.") { name };
        cmd.SetAction(parse =>
        {
            var s = Find(parse.GetValue(name)!);
            if (s.Storage.GetStudyNames().Count > 1)
            {
                throw new UsageException($"{s.JournalPath} holds several studies; remove it by hand if you mean to delete them all");
            }
            if (s.Trials.Any(t => t.State == TrialState.Running))
            {
                Terminal.Warn($"study {s.Name} has running trials; their runs continue but their results will not be recorded");
            }
            File.Delete(s.JournalPath);
            File.Delete(s.JournalPath + ".flock");
            Terminal.Note($"removed study {s.Name} ({s.JournalPath}); its runs stay in runs/ (lab ls --study {s.Name})");
            return 0;
        });
        return cmd;
    }

    private static Command BuildRetry()
    {
        var name = new Argument<string>("name") { Description = "The study." };
        var cmd = new Command("retry", "Re-enqueue the failed trials with the same parameters; the next lab sweep of the study runs them first.") { name };
        cmd.SetAction(parse =>
        {
            var s = Find(parse.GetValue(name)!);
            var study = Study.Load(s.Name, s.Storage);
            var failed = s.Trials.Where(t => t.State == TrialState.Fail && t.Params.Count > 0).ToList();
            foreach (var t in failed)
            {
                study.EnqueueTrial(t.Params.ToDictionary(p => p.Key, p => p.Value), new Dictionary<string, object?> { ["retry_of"] = (long)t.Number }, skipIfExists: false);
            }
            Terminal.Note($"re-enqueued {failed.Count} failed trial(s) of {s.Name}; run its lab sweep again with --trials large enough to include them");
            return 0;
        });
        return cmd;
    }
}
