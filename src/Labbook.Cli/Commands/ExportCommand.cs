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
        var wide = new Option<bool>("--wide") { Description = "One row per run and step, one column per metric (default: long, one row per point)." };
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file instead of stdout." };
        var cmd = new Command("export", "Export metrics as CSV: long (run,step,name,value,time) or --wide.")
        {
            runs, wide, output,
        };
        cmd.SetAction(parse => Execute(parse.GetValue(runs) ?? [], parse.GetValue(wide), parse.GetValue(output)));
        return cmd;
    }

    private static int Execute(string[] queries, bool wide, string? outputPath)
    {
        var store = new RunStore(Workspace.FromEnvironment(create: false));
        List<RunInfo> runs;
        if (queries.Length == 0)
        {
            runs = store.LoadAll(Terminal.Warn, withSummary: false);
        }
        else
        {
            runs = [];
            foreach (var q in queries)
            {
                var id = store.Resolve(q);
                runs.Add(store.Load(id, withSummary: false) ?? throw new RunNotFoundException($"run {id} has no run.json yet"));
            }
        }
        var reader = new MetricReader();
        if (outputPath is not null)
        {
            var temp = outputPath + ".tmp";
            using (var writer = new StreamWriter(temp, false, new System.Text.UTF8Encoding(false)))
            {
                Write(runs, writer, reader, wide);
            }
            File.Move(temp, outputPath, overwrite: true);
        }
        else
        {
            using var stdout = new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 1 << 16);
            Write(runs, stdout, reader, wide);
        }
        foreach (var issue in reader.Issues.Take(20))
        {
            Terminal.Warn(issue.ToString());
        }
        return 0;
    }

    private static void Write(List<RunInfo> runs, TextWriter writer, MetricReader reader, bool wide)
    {
        if (wide)
        {
            MetricsExport.WriteWide(runs, writer, reader);
        }
        else
        {
            MetricsExport.WriteLong(runs, writer, reader);
        }
    }
}
