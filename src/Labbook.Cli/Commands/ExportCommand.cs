using System.CommandLine;
using Labbook.Metrics;
using Labbook.Runs;
using Labbook.Workspaces;

namespace Labbook.Cli.Commands;

/// <summary><c>lab export</c>: metrics of several runs as one CSV.</summary>
internal static class ExportCommand
{
    public static Command Build()
    {
        var runs = new Argument<string[]>("runs") { Description = "Runs to export (ids, prefixes or names); all runs when none is given.", Arity = ArgumentArity.ZeroOrMore };
        var wide = new Option<bool>("--wide") { Description = "One row per run and step: the run's parameters, then one column per metric (default: long, one row per point)." };
        var runsOnly = new Option<bool>("--runs-only") { Description = "One row per run: name, status, entry, tags, start, duration, parameters and each metric's final value." };
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file instead of stdout." };
        var cmd = new Command("export", "Export metrics as CSV: long (run,step,name,value,time), --wide, or --runs-only (one row per run).")
        {
            runs, wide, runsOnly, output,
        };
        cmd.SetAction(parse =>
        {
            if (parse.GetValue(wide) && parse.GetValue(runsOnly))
            {
                throw new UsageException("give --wide or --runs-only, not both");
            }
            var format = parse.GetValue(runsOnly) ? Format.Runs : parse.GetValue(wide) ? Format.Wide : Format.Long;
            return Execute(parse.GetValue(runs) ?? [], format, parse.GetValue(output));
        });
        return cmd;
    }

    private enum Format
    {
        Long,
        Wide,
        Runs,
    }

    private static int Execute(string[] queries, Format format, string? outputPath)
    {
        var withSummary = format == Format.Runs;
        var store = new RunStore(Workspace.FromEnvironment(create: false));
        List<RunInfo> runs;
        if (queries.Length == 0)
        {
            runs = store.LoadAll(Terminal.Warn, withSummary: withSummary);
        }
        else
        {
            runs = [];
            foreach (var q in queries)
            {
                var id = store.Resolve(q);
                runs.Add(store.Load(id, withSummary: withSummary) ?? throw new RunNotFoundException($"run {id} has no run.json yet"));
            }
        }
        var reader = new MetricReader();
        if (outputPath is not null)
        {
            var temp = outputPath + ".tmp";
            using (var writer = new StreamWriter(temp, false, new System.Text.UTF8Encoding(false)))
            {
                Write(runs, writer, reader, format);
            }
            File.Move(temp, outputPath, overwrite: true);
        }
        else
        {
            using var stdout = new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 1 << 16);
            Write(runs, stdout, reader, format);
        }
        foreach (var issue in reader.Issues.Take(20))
        {
            Terminal.Warn(issue.ToString());
        }
        return 0;
    }

    private static void Write(List<RunInfo> runs, TextWriter writer, MetricReader reader, Format format)
    {
        switch (format)
        {
            case Format.Wide:
                MetricsExport.WriteWide(runs, writer, reader);
                break;
            case Format.Runs:
                MetricsExport.WriteRuns(runs, writer);
                break;
            default:
                MetricsExport.WriteLong(runs, writer, reader);
                break;
        }
    }
}
