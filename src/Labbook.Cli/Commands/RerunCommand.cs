using System.CommandLine;
using Labbook.Queue;
using Labbook.Runs;
using Labbook.Workspaces;

namespace Labbook.Cli.Commands;

/// <summary><c>lab rerun</c>: queue runs again on today's code, linked to the originals.</summary>
internal static class RerunCommand
{
    public static Command Build()
    {
        var runs = new Argument<string[]>("runs") { Description = "Runs to repeat (id, id prefix or name).", Arity = ArgumentArity.ZeroOrMore };
        var entry = new Option<string?>("--entry", "-e") { Description = "Repeat the runs of this notebook entry (the latest of each distinct command and params)." };
        var failedOnly = new Option<bool>("--failed-only") { Description = "With --entry: only runs that failed, were killed or crashed." };
        var force = new Option<bool>("--force") { Description = "Queue even runs that completed on the same code." };
        var priority = new Option<int>("--priority") { Description = "Priority of the new items.", DefaultValueFactory = _ => 0 };
        var cmd = new Command("rerun", "Queue runs again with the same command and params (run lab queue start to run them); each new run records rerun_of.")
        {
            runs, entry, failedOnly, force, priority,
        };
        cmd.SetAction(parse =>
        {
            var workspace = Workspace.FromEnvironment(create: false);
            var store = new RunStore(workspace);
            var references = parse.GetValue(runs) ?? [];
            var entryName = parse.GetValue(entry);
            if ((references.Length == 0) == (entryName is null))
            {
                throw new UsageException("give runs to repeat, or --entry E (not both)");
            }
            if (parse.GetValue(failedOnly) && entryName is null)
            {
                throw new UsageException("--failed-only goes with --entry");
            }
            var chosen = new List<RunInfo>();
            if (entryName is not null)
            {
                var all = store.LoadAll(Terminal.Warn, withSummary: false).Where(r => r.Record.Entry == entryName).ToList();
                if (parse.GetValue(failedOnly))
                {
                    all = [.. all.Where(r => r.Status is RunStatus.Failed or RunStatus.Killed or RunStatus.Crashed)];
                }
                chosen = [.. all.GroupBy(r => string.Join('\u001f', r.Record.Argv) + "\u001e" + string.Join(',', r.Record.Params.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value?.ToJsonString())))
                    .Select(g => g.OrderBy(r => r.Id, StringComparer.Ordinal).Last())
                    .OrderBy(r => r.Id, StringComparer.Ordinal)];
                if (chosen.Count == 0)
                {
                    Terminal.Note($"entry {Names.Printable(entryName)} has no {(parse.GetValue(failedOnly) ? "failed " : "")}runs to repeat");
                    return 1;
                }
            }
            else
            {
                foreach (var reference in references)
                {
                    chosen.Add(store.Load(store.Resolve(reference), withSummary: false) ?? throw new RunNotFoundException($"run {reference} has no run.json"));
                }
            }
            var rc = 0;
            foreach (var run in chosen)
            {
                var record = run.Record;
                if (record.Argv.Count == 0)
                {
                    Terminal.Warn($"run {run.Id} has no argv (not started by lab run or the queue): skipped");
                    rc = 1;
                    continue;
                }
                var request = new AddRequest
                {
                    // The recorded argv is final text: escape braces so nothing in it reads as a placeholder.
                    Argv = [.. record.Argv.Select(Placeholders.Escape)],
                    Params = new Dictionary<string, System.Text.Json.Nodes.JsonNode?>(record.Params, StringComparer.Ordinal),
                    Template = new QueueItem
                    {
                        Name = record.Name,
                        Why = record.Why,
                        Entry = record.Entry,
                        Cwd = record.Cwd is { } cwd && Directory.Exists(cwd) ? cwd : Directory.GetCurrentDirectory(),
                        Tags = [.. record.Tags],
                        Priority = parse.GetValue(priority),
                        RerunOf = [run.Id],
                    },
                };
                rc = Math.Max(rc, QueueCommand.Add(request, parse.GetValue(force)));
            }
            return rc;
        });
        return cmd;
    }
}
