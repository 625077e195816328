using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Labbook.Git;
using Labbook.Queue;
using Labbook.Runs;
using Labbook.Workspaces;
using Spectre.Console;

namespace Labbook.Cli.Commands;

/// <summary><c>lab queue</c>: plan work, run it on local slots, manage it.</summary>
internal static class QueueCommand
{
    public static Command Build()
    {
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table." };
        var cmd = new Command("queue", "The overnight queue: add items, list them, run them on local slots or GPUs.")
        {
            json,
            BuildAdd(),
            BuildList(),
            BuildRemove(),
            BuildMove(),
            BuildClear(),
            BuildPause(true),
            BuildPause(false),
            QueueStartCommand.Build(),
            BuildStatus(),
            BuildStop(),
            SlurmShared.BuildTask(),
        };
        cmd.SetAction(parse => List(parse.GetValue(json)));
        return cmd;
    }

    private static Command BuildAdd()
    {
        var name = new Option<string?>("--name", "-n") { Description = "A name for the item and its runs." };
        var why = new Option<string?>("--why", "-w") { Description = "The question the item answers." };
        var entry = new Option<string?>("--entry", "-e") { Description = "The notebook entry it belongs to (default: the current entry)." };
        var noEntry = new Option<bool>("--no-entry") { Description = "Attach the items to no notebook entry." };
        var param = new Option<string[]>("--param", "-p") { Description = "A parameter key=value (repeatable); {key} in the command is replaced by its value." };
        var grid = new Option<string[]>("--grid", "-g") { Description = "key=a,b,c (repeatable): one item per combination of values." };
        var ablate = new Option<string[]>("--ablate") { Description = "key=value (repeatable): a baseline item plus one item per ablation." };
        var tag = new Option<string[]>("--tag", "-t") { Description = "A tag (repeatable), e.g. baseline." };
        var est = new Option<string?>("--est") { Description = "Expected duration (e.g. 2h), for lab tonight and --until." };
        var timeout = new Option<string?>("--timeout") { Description = "Stop an attempt after this long (SIGTERM, then SIGKILL); counts as a failure." };
        var retries = new Option<int>("--retries") { Description = "Try a failed or timed-out item again this many times.", DefaultValueFactory = _ => 0 };
        var gpus = new Option<int>("--gpus") { Description = "GPUs the item needs (a runner started with --gpus gives it that many).", DefaultValueFactory = _ => 0 };
        var priority = new Option<int>("--priority") { Description = "Higher runs first (default 0); ties keep queue order.", DefaultValueFactory = _ => 0 };
        var force = new Option<bool>("--force") { Description = "Queue even items that repeat a completed run on the same code." };
        var sbatch = new Option<string[]>("--sbatch") { Description = "Slurm: an sbatch option for this item (repeatable), e.g. --sbatch partition=gpu or --sbatch=--mem=32G." };
        var command = new Argument<string[]>("command") { Description = "The command and its arguments, after --.", Arity = ArgumentArity.OneOrMore };
        var cmd = new Command("add", "Queue a command (or a grid, or a baseline with ablations). Nothing runs until lab queue start.")
        {
            name, why, entry, noEntry, param, grid, ablate, tag, est, timeout, retries, gpus, priority, force, sbatch, command,
        };
        cmd.SetAction(parse =>
        {
            var template = new QueueItem
            {
                Name = CheckName(parse.GetValue(name), "--name"),
                Why = parse.GetValue(why),
                Entry = NotebookCli.EntryForRun(Workspace.FromEnvironment(create: true), CheckName(parse.GetValue(entry), "--entry"), parse.GetValue(noEntry), parse.GetValue(why)),
                Cwd = Directory.GetCurrentDirectory(),
                EstS = parse.GetValue(est) is { } e ? QueueShared.ParseDuration(e, "--est").TotalSeconds : null,
                TimeoutS = parse.GetValue(timeout) is { } t ? QueueShared.ParseDuration(t, "--timeout").TotalSeconds : null,
                Retries = parse.GetValue(retries) is var r and >= 0 ? r : throw new UsageException("--retries must be 0 or more"),
                Gpus = parse.GetValue(gpus) is var g and >= 0 ? g : throw new UsageException("--gpus must be 0 or more"),
                Priority = parse.GetValue(priority),
                Tags = [.. (parse.GetValue(tag) ?? []).Select(x => CheckName(x, "--tag")!)],
                Sbatch = parse.GetValue(sbatch) is { Length: > 0 } sb ? [.. sb.Select(SlurmShared.SbatchOption)] : null,
            };
            var request = new AddRequest
            {
                Argv = parse.GetValue(command) ?? [],
                Params = ParamParsing.Parse(parse.GetValue(param)),
                Grid = [.. (parse.GetValue(grid) ?? []).Select(ParseGrid)],
                Ablate = [.. ParamParsing.Parse(parse.GetValue(ablate), "--ablate")],
                Template = template,
            };
            return Add(request, parse.GetValue(force));
        });
        return cmd;
    }

    private static string? CheckName(string? value, string option) =>
        value is not null && Names.Validate(value, option[2..]) is { } problem ? throw new UsageException($"{option}: {problem}") : value;

    private static KeyValuePair<string, List<JsonNode?>> ParseGrid(string text)
    {
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0 || eq == text.Length - 1)
        {
            throw new UsageException($"--grid {Names.Printable(text)}: expected key=a,b,c");
        }
        var key = text[..eq];
        if (Names.Validate(key, "parameter name") is { } problem)
        {
            throw new UsageException("--grid: " + problem);
        }
        return KeyValuePair.Create(key, text[(eq + 1)..].Split(',').Select(ParamParsing.Typed).ToList());
    }

    internal static int Add(AddRequest request, bool force)
    {
        List<QueueItem> items;
        try
        {
            items = ItemFactory.Expand(request, "g" + DateTime.UtcNow.ToString("yyMMddHHmmssfff", CultureInfo.InvariantCulture));
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        var workspace = Workspace.FromEnvironment(create: true);
        var commit = GitProbe.ReadHead(request.Template.Cwd ?? Directory.GetCurrentDirectory())?.Commit;
        var duplicates = new Duplicates(new RunStore(workspace).LoadAll(withSummary: false));
        var kept = new List<QueueItem>();
        foreach (var item in items)
        {
            if (duplicates.Find(item, commit) is { } dup && !force)
            {
                var when = dup.Ended is { } ended ? " at " + Terminal.When(ended, DateTime.Now) : "";
                Terminal.Warn($"not queued: {QueueShared.Command(item)} already done as run {dup.Run}{when} on the same code (--force to queue anyway)");
                continue;
            }
            kept.Add(item);
        }
        if (kept.Count == 0)
        {
            return 1;
        }
        using var journal = QueueShared.Open(workspace);
        using var slurm = QueueShared.PrepareReclaim(journal, workspace);
        var ids = journal.Write(w =>
        {
            QueueShared.Reclaim(w, slurm);
            var added = new List<string>();
            foreach (var item in kept)
            {
                item.Id = "q" + w.State.NextNumber.ToString(CultureInfo.InvariantCulture);
                w.Append(new QueueOp { Op = QueueOp.Add, Item = item });
                added.Add(item.Id);
            }
            return added;
        });
        if (kept.Count == 1)
        {
            Console.Out.WriteLine($"queued {ids[0]}: {Names.Escape(QueueShared.Command(kept[0]))}");
        }
        else
        {
            var kind = request.Ablate.Count > 0 ? $"a baseline and {kept.Count - 1} ablation(s)" : $"{kept.Count} items";
            Console.Out.WriteLine($"queued {kind}: {ids[0]}..{ids[^1]}");
            foreach (var (item, id) in kept.Zip(ids))
            {
                var p = string.Join(' ', item.Params.Select(kv => kv.Key + "=" + Placeholders.Text(kv.Value)));
                Console.Out.WriteLine($"  {id}  {Names.Escape(p)}{(item.Tags.Contains(ItemFactory.BaselineTag) ? "  (baseline)" : "")}");
            }
        }
        if (request.Template.Entry is { } listedIn)
        {
            NotebookCli.ListInEntry(workspace, listedIn, [.. ids.Select(id => new Notebook.Attachment(Notebook.AttachmentKind.Queue, id))]);
        }
        return 0;
    }

    private static Command BuildList()
    {
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table." };
        var cmd = new Command("ls", "List queue items with their state: pending, running (run id and slot), done, failed, interrupted.") { json };
        cmd.SetAction(parse => List(parse.GetValue(json)));
        return cmd;
    }

    private static int List(bool json)
    {
        var workspace = Workspace.FromEnvironment(create: false);
        using var journal = QueueShared.Open(workspace);
        var state = journal.State;
        var now = DateTime.UtcNow;
        var slurm = SlurmShared.Live(workspace, state);
        if (json)
        {
            Console.Out.WriteLine(QueueShared.Json(new JsonArray([.. state.Ordered.Select(v => (JsonNode?)QueueShared.ItemJson(state, v, now, slurm))])));
            return 0;
        }
        var items = state.Ordered.ToList();
        if (items.Count == 0)
        {
            Terminal.Note("the queue is empty (lab queue add -- CMD ...)");
            return 0;
        }
        var table = new Table().Border(TableBorder.Simple);
        foreach (var c in new[] { "#", "id", "state", "run", "slot", "name", "pri", "try", "command" })
        {
            table.AddColumn(c);
        }
        foreach (var v in items)
        {
            var stateText = QueueShared.StateText(state, v, now, slurm);
            var color = stateText switch { "done" => "green", "failed" or "interrupted" => "red", "running" => "blue", "skipped" => "yellow", _ => "default" };
            var detail = stateText == "skipped" ? $" [grey]({Terminal.Safe(v.Skipped)}; still queued)[/]"
                : stateText == "pending" && v.Attempts > 0 && v.LastReason is { } lr ? $" [grey](retry: {Terminal.Safe(lr)})[/]" : "";
            var tags = v.Item.Tags.Contains(ItemFactory.BaselineTag) ? " [grey](baseline)[/]" : v.Item.Ablate is { } ab ? $" [grey](ablate {Terminal.Safe(string.Join(' ', ab.Select(kv => kv.Key + "=" + Placeholders.Text(kv.Value))))})[/]" : "";
            table.AddRow(
                state.PositionOf(v.Id).ToString(CultureInfo.InvariantCulture),
                v.Id,
                $"[{color}]{stateText}[/]{detail}",
                v.Lease?.Run ?? v.Runs.LastOrDefault() ?? "",
                SlurmShared.Slot(slurm, v) ?? v.Lease?.Slot ?? "",
                Terminal.Safe(v.Item.Name ?? "") + tags,
                v.Item.Priority == 0 ? "" : v.Item.Priority.ToString(CultureInfo.InvariantCulture),
                v.Attempts == 0 ? "" : $"{v.Attempts}/{v.Item.Retries + 1}",
                Terminal.Safe(QueueShared.Command(v.Item)));
        }
        Terminal.Out.Write(table);
        var counts = items.GroupBy(v => QueueShared.StateText(state, v, now, slurm)).Select(g => $"{g.Count()} {g.Key}");
        Console.Out.WriteLine(string.Join(", ", counts) + (state.Paused ? " (queue paused: lab queue resume)" : ""));
        return 0;
    }

    private static Command BuildRemove()
    {
        var items = new Argument<string[]>("items") { Description = "Item ids (q3) or numbers (3).", Arity = ArgumentArity.OneOrMore };
        var cmd = new Command("rm", "Remove items from the queue (a running item must be stopped first).") { items };
        cmd.SetAction(parse =>
        {
            var workspace = Workspace.FromEnvironment(create: false);
            using var journal = QueueShared.Open(workspace);
            using var slurm = QueueShared.PrepareReclaim(journal, workspace);
            var removed = journal.Write(w =>
            {
                QueueShared.Reclaim(w, slurm);
                var ids = new List<string>();
                foreach (var reference in parse.GetValue(items) ?? [])
                {
                    var v = QueueShared.Find(w.State, reference);
                    if (v.State == ItemState.Running)
                    {
                        throw new UsageException($"{v.Id} is running (run {v.Lease?.Run ?? "starting"}): stop its runner with lab queue stop --now, or wait");
                    }
                    ids.Add(v.Id);
                }
                w.Append(new QueueOp { Op = QueueOp.Remove, Ids = ids });
                return ids;
            });
            Console.Out.WriteLine("removed " + string.Join(", ", removed));
            return 0;
        });
        return cmd;
    }

    private static Command BuildMove()
    {
        var item = new Argument<string>("item") { Description = "The item id (q3) or number." };
        var to = new Option<int>("--to") { Description = "The new position (1 = first), as lab queue numbers items.", Required = true };
        var cmd = new Command("move", "Move an item to another position in the queue (priority still comes first).") { item, to };
        cmd.SetAction(parse =>
        {
            var position = parse.GetValue(to);
            if (position < 1)
            {
                throw new UsageException("--to must be 1 or more");
            }
            var workspace = Workspace.FromEnvironment(create: false);
            using var journal = QueueShared.Open(workspace);
            var id = journal.Write(w =>
            {
                var v = QueueShared.Find(w.State, parse.GetValue(item)!);
                var others = w.State.Ordered.Where(o => o.Id != v.Id).ToList();
                var before = position - 1 < others.Count ? others[position - 1].Id : null;
                w.Append(new QueueOp { Op = QueueOp.Move, Id = v.Id, Before = before });
                return v.Id;
            });
            Console.Out.WriteLine($"moved {id} to position {Math.Min(position, journal.State.Ordered.Count())}");
            return 0;
        });
        return cmd;
    }

    private static Command BuildClear()
    {
        var done = new Option<bool>("--done") { Description = "Only items that ended (done, failed, interrupted)." };
        var cmd = new Command("clear", "Remove every item that is not running (or, with --done, only those that ended). Their runs stay.") { done };
        cmd.SetAction(parse =>
        {
            var onlyDone = parse.GetValue(done);
            var workspace = Workspace.FromEnvironment(create: false);
            using var journal = QueueShared.Open(workspace);
            using var slurm = QueueShared.PrepareReclaim(journal, workspace);
            var n = journal.Write(w =>
            {
                QueueShared.Reclaim(w, slurm);
                var ids = w.State.Ordered.Where(v => onlyDone ? v.State.IsFinal() : v.State != ItemState.Running).Select(v => v.Id).ToList();
                if (ids.Count > 0)
                {
                    w.Append(new QueueOp { Op = QueueOp.Remove, Ids = ids });
                }
                return ids.Count;
            });
            Console.Out.WriteLine($"removed {n} item(s)");
            return 0;
        });
        return cmd;
    }

    private static Command BuildPause(bool pause)
    {
        var cmd = new Command(pause ? "pause" : "resume", pause ? "Start nothing new (running items go on) until lab queue resume." : "Let runners start items again.");
        cmd.SetAction(_ =>
        {
            var workspace = Workspace.FromEnvironment(create: true);
            using var journal = QueueShared.Open(workspace);
            journal.Append(new QueueOp { Op = pause ? QueueOp.Pause : QueueOp.Resume });
            Console.Out.WriteLine(pause ? "queue paused (running items go on)" : "queue resumed");
            return 0;
        });
        return cmd;
    }

    private static Command BuildStatus()
    {
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var cmd = new Command("status", "Show the live runners, what they run, and the queue's counts.") { json };
        cmd.SetAction(parse =>
        {
            var workspace = Workspace.FromEnvironment(create: false);
            using var journal = QueueShared.Open(workspace);
            var state = journal.State;
            var now = DateTime.UtcNow;
            var runners = state.LiveRunners(now);
            var slurm = SlurmShared.Live(workspace, state);
            var counts = state.Ordered.GroupBy(v => QueueShared.StateText(state, v, now, slurm)).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            if (parse.GetValue(json))
            {
                var o = new JsonObject
                {
                    ["paused"] = state.Paused,
                    ["runners"] = new JsonArray([.. runners.Select(r => (JsonNode?)new JsonObject
                    {
                        ["id"] = r.Id, ["host"] = r.Host, ["pid"] = r.Pid, ["slots"] = new JsonArray([.. r.Slots.Select(s => (JsonNode?)JsonValue.Create(s))]),
                        ["started"] = r.Started.ToString("O", CultureInfo.InvariantCulture), ["log"] = r.Log,
                        ["stopping"] = state.StopRequests.ContainsKey(r.Id),
                    })]),
                    ["counts"] = new JsonObject(counts.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value)))),
                    ["slurm"] = new JsonArray([.. Labbook.Executors.Slurm.SlurmExecutor.RunningHere(state).Select(v => (JsonNode?)new JsonObject
                    {
                        ["id"] = v.Id, ["job"] = v.Lease!.External, ["state"] = slurm.TryGetValue(v.Id, out var js) ? js.State : null, ["run"] = v.Lease.Run,
                    })]),
                };
                Console.Out.WriteLine(QueueShared.Json(o));
                return 0;
            }
            var inSlurm = Labbook.Executors.Slurm.SlurmExecutor.RunningHere(state).ToList();
            if (runners.Count == 0 && inSlurm.Count == 0)
            {
                Console.Out.WriteLine("no runner is running (lab queue start)");
            }
            if (inSlurm.Count > 0)
            {
                Console.Out.WriteLine($"{inSlurm.Count} item(s) submitted to Slurm (no runner needed):");
                foreach (var v in inSlurm)
                {
                    Console.Out.WriteLine($"  {v.Id} {SlurmShared.Slot(slurm, v)}: run {v.Lease!.Run ?? "(not started)"}, {Names.Escape(QueueShared.Command(v.Item))}");
                }
            }
            foreach (var r in runners)
            {
                var running = state.Ordered.Where(v => v.State == ItemState.Running && v.Lease?.Runner == r.Id).ToList();
                Console.Out.WriteLine($"runner pid {r.Pid} on {r.Host}, since {QueueShared.Local(r.Started)}, slots {string.Join(',', r.Slots)}{(state.StopRequests.ContainsKey(r.Id) ? " (stopping)" : "")}{(r.Log is { } log ? ", log " + log : "")}");
                foreach (var v in running)
                {
                    Console.Out.WriteLine($"  {v.Id} on slot {v.Lease!.Slot}: run {v.Lease.Run ?? "(starting)"}, {Names.Escape(QueueShared.Command(v.Item))}");
                }
            }
            Console.Out.WriteLine((counts.Count == 0 ? "the queue is empty" : string.Join(", ", counts.Select(kv => $"{kv.Value} {kv.Key}"))) + (state.Paused ? " (paused)" : ""));
            return 0;
        });
        return cmd;
    }

    private static Command BuildStop()
    {
        var now = new Option<bool>("--now") { Description = "Also stop running items (SIGTERM, then SIGKILL; on Slurm, scancel of running jobs too); they stay queued as interrupted attempts." };
        var cmd = new Command("stop", "Ask the live runners to stop: they start nothing new and end when their running items end. Jobs submitted to Slurm that have not started are cancelled (scancel).") { now };
        cmd.SetAction(parse =>
        {
            var workspace = Workspace.FromEnvironment(create: false);
            var (cancelled, error) = SlurmShared.Stop(workspace, parse.GetValue(now));
            if (error is not null)
            {
                Terminal.Warn(error);
            }
            if (cancelled > 0)
            {
                Console.Out.WriteLine($"cancelled {cancelled} Slurm job(s) (scancel); their items stay queued");
            }
            using var journal = QueueShared.Open(workspace);
            var ids = journal.Write(w =>
            {
                var live = w.State.LiveRunners(w.UtcNow).Select(r => r.Id).ToList();
                if (live.Count > 0)
                {
                    w.Append(new QueueOp { Op = QueueOp.Stop, Ids = live, Now = parse.GetValue(now) ? true : null });
                }
                return live;
            });
            Console.Out.WriteLine(ids.Count == 0 ? cancelled > 0 ? "no runner is running (Slurm needs none)" : "no runner is running" : $"asked {ids.Count} runner(s) to stop{(parse.GetValue(now) ? " now" : "; running items finish first")}");
            return 0;
        });
        return cmd;
    }
}
