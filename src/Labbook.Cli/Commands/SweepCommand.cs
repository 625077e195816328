using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Labbook.Metrics;
using Labbook.Sweeps;
using Labbook.Tuning;
using Labbook.Workspaces;
using Spectre.Console;

namespace Labbook.Cli.Commands;

/// <summary><c>lab sweep</c>: hyperparameter search over any command, each trial a recorded run.</summary>
internal static class SweepCommand
{
    public static Command Build()
    {
        var study = new Option<string>("--study") { Description = "The study name (letters, digits, - _ .); its journal is studies/NAME.jsonl. Run the same command again to continue it.", Required = true };
        var space = new Option<string?>("--space") { Description = "Search-space file, YAML or JSON (see docs/sweep.md)." };
        var inline = new Option<string[]>("--set", "-s") { Description = "Inline parameter (repeatable): lr=log:1e-5..1e-1, layers=int:1..8, act=relu,tanh, epochs=20." };
        var objective = new Option<string[]>("--objective") { Description = "The metric to optimize, as the trial logs it.", Required = true };
        var reduce = new Option<string>("--reduce") { Description = "How the metric's series becomes the objective: last, min or max.", DefaultValueFactory = _ => "last" };
        var direction = new Option<string>("--direction") { Description = "minimize or maximize.", Required = true };
        var trials = new Option<int?>("--trials", "-n") { Description = "The study's total number of trials (trials already in the study count)." };
        var jobs = new Option<int?>("--jobs", "-j") { Description = "Trials run at once on local slots (default 1); with --executor slurm, the number of workers (array tasks)." };
        var gpus = new Option<string?>("--gpus") { Description = "One trial per GPU, e.g. 0,1: each slot gets CUDA_VISIBLE_DEVICES." };
        var pruner = new Option<string>("--pruner") { Description = "Stop unpromising trials early: median, sha, hyperband or none.", DefaultValueFactory = _ => "none" };
        var sampler = new Option<string>("--sampler") { Description = "tpe, random, grid, qmc, cmaes or auto.", DefaultValueFactory = _ => "tpe" };
        var seed = new Option<int?>("--seed") { Description = "Seed of the sampler." };
        var timeout = new Option<string?>("--timeout") { Description = "Start no trial after this long (e.g. 8h)." };
        var enqueue = new Option<string[]>("--enqueue") { Description = "A trial to run first, k=v,k=v (repeatable), e.g. a baseline." };
        var retry = new Option<int>("--retry-failed") { Description = "Re-run a trial whose sweep died up to N times with the same parameters.", DefaultValueFactory = _ => 0 };
        var why = new Option<string?>("--why", "-w") { Description = "The question this sweep answers; kept with the study." };
        var entry = new Option<string?>("--entry") { Description = "The notebook entry the sweep and its trials belong to (default: the current entry)." };
        var noEntry = new Option<bool>("--no-entry") { Description = "Attach the sweep to no notebook entry." };
        var command = new Argument<string[]>("command") { Description = "The command, after --, with {name} placeholders.", Arity = ArgumentArity.OneOrMore };
        var cmd = new Command("sweep", "Search hyperparameters: each trial runs the command as a recorded run; the objective is one of its metrics.")
        {
            study, space, inline, objective, reduce, direction, trials, jobs, gpus, pruner, sampler, seed, timeout, enqueue, retry, why, entry, noEntry, command,
        };
        var slurm = new SlurmStartOptions();
        slurm.AddTo(cmd);
        cmd.SetAction(parse =>
        {
            var objectives = parse.GetValue(objective) ?? [];
            if (objectives.Length != 1)
            {
                throw new UsageException("--objective: several objectives (multi-objective search) are not supported yet; give one");
            }
            var spaceFile = parse.GetValue(space);
            var inlineSpecs = parse.GetValue(inline) ?? [];
            if (spaceFile is null == (inlineSpecs.Length == 0))
            {
                throw new UsageException(spaceFile is null ? "give the search space with --space FILE or -s NAME=SPEC" : "give the search space with --space or with -s, not both");
            }
            var searchSpace = spaceFile is not null ? SpaceParser.ParseFile(spaceFile) : InlineSpace.Parse(inlineSpecs);
            var reduction = parse.GetValue(reduce) switch
            {
                "last" => MetricReduction.Last,
                "min" => MetricReduction.Min,
                "max" => MetricReduction.Max,
                var r => throw new UsageException($"--reduce: '{r}' is not last, min or max"),
            };
            var dir = parse.GetValue(direction) switch
            {
                "minimize" or "min" => StudyDirection.Minimize,
                "maximize" or "max" => StudyDirection.Maximize,
                var d => throw new UsageException($"--direction: '{d}' is not minimize or maximize"),
            };
            var gpuList = parse.GetValue(gpus);
            var j = parse.GetValue(jobs);
            if (gpuList is not null && j is not null)
            {
                throw new UsageException("give -j or --gpus, not both (--gpus runs one trial per GPU)");
            }
            if (j is < 1)
            {
                throw new UsageException("-j must be at least 1");
            }
            IReadOnlyList<string?> slots = gpuList is not null
                ? [.. Labbook.Executors.GpuIds.Parse(gpuList).Select(g => (string?)g)]
                : [.. Enumerable.Repeat((string?)null, j ?? 1)];
            if (slots.Count == 0)
            {
                throw new UsageException("--gpus: no GPU given (e.g. --gpus 0,1)");
            }
            if (parse.GetValue(trials) is < 1)
            {
                throw new UsageException("--trials must be at least 1");
            }
            TimeSpan? limit = null;
            if (parse.GetValue(timeout) is { } t)
            {
                limit = Durations.Parse(t, "--timeout");
            }
            if (parse.GetValue(retry) < 0)
            {
                throw new UsageException("--retry-failed must not be negative");
            }
            var baselines = new List<IReadOnlyDictionary<string, object?>>();
            foreach (var e in parse.GetValue(enqueue) ?? [])
            {
                var values = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var pair in e.Split(','))
                {
                    var eq = pair.IndexOf('=', StringComparison.Ordinal);
                    if (eq <= 0)
                    {
                        throw new UsageException($"--enqueue: '{Names.Escape(pair)}' is not key=value");
                    }
                    values[pair[..eq]] = InlineSpace.TypedValue(pair[(eq + 1)..]);
                }
                baselines.Add(values);
            }
            var whyText = parse.GetValue(why);
            if (whyText is not null && Names.Validate(whyText, "--why") is { } badWhy)
            {
                throw new UsageException(badWhy);
            }
            var workspace = Workspace.FromEnvironment(create: true);
            var entryId = NotebookCli.EntryForRun(workspace, parse.GetValue(entry), parse.GetValue(noEntry), whyText);
            var studyName = parse.GetValue(study)!;
            var options = new SweepOptions
            {
                Workspace = workspace,
                StudyName = studyName,
                Space = searchSpace,
                Command = parse.GetValue(command) ?? [],
                Objective = objectives[0],
                Reduce = reduction,
                Direction = dir,
                TotalTrials = parse.GetValue(trials),
                Slots = slots,
                Sampler = parse.GetValue(sampler)!,
                Pruner = parse.GetValue(pruner)!,
                Seed = parse.GetValue(seed),
                Timeout = limit,
                Enqueue = baselines,
                RetryFailed = parse.GetValue(retry),
                Why = whyText,
                Entry = entryId,
                Warn = Terminal.Warn,
            };
            if (slurm.Chosen(parse) && gpuList is not null)
            {
                throw new UsageException("--gpus: with --executor slurm, ask for GPUs per worker with --job-gpus N");
            }
            // Checks placeholders, sampler, pruner and baselines: nothing is written before they pass.
            var runner = new SweepRunner(options);
            if (SweepRunner.CheckObjective(workspace, studyName, options.Objective) is { } unknownObjective)
            {
                throw new UsageException(unknownObjective);
            }
            if (entryId is not null)
            {
                NotebookCli.ListInEntry(workspace, entryId, [new Notebook.Attachment(Notebook.AttachmentKind.Study, studyName)]);
            }
            if (slurm.Chosen(parse))
            {
                // The workers start later, on a node: they get the entry resolved now, not whatever is current then.
                return SlurmShared.SubmitSweep(parse, slurm, studyName, parse.GetValue(trials), j ?? 1, entryId);
            }
            return Execute(runner, options);
        });
        return cmd;
    }

    private static int Execute(SweepRunner runner, SweepOptions options)
    {
        using var cts = new CancellationTokenSource();
        var signals = new List<PosixSignalRegistration>();
        foreach (var s in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP })
        {
            signals.Add(PosixSignalRegistration.Create(s, c =>
            {
                c.Cancel = true;
                cts.Cancel();
            }));
        }
        var view = new SweepView(options);
        runner.TrialStarted += view.Started;
        runner.TrialFinished += view.Finished;
        try
        {
            Study? study = null;
            var work = Task.Run(() => study = runner.Run(cts.Token));
            view.Show(work);
            work.GetAwaiter().GetResult();
            view.Summary(study!);
            if (cts.IsCancellationRequested)
            {
                return 130;
            }
            if (runner.StorageFailure is { } full)
            {
                Terminal.Error($"sweep stopped: {full} (free some space, then run the same lab sweep again to continue the study)");
                return 1;
            }
            if (runner.StoppedEarly is { } why)
            {
                Terminal.Error(why);
                return 1;
            }
            if (runner.FinishedHere > 0 && runner.SucceededHere == 0)
            {
                Terminal.Error($"no trial of this sweep completed ({runner.FinishedHere} failed); see lab study show {options.StudyName}");
                return 1;
            }
            return 0;
        }
        catch (DuplicateStudyException e)
        {
            throw new UsageException(e.Message);
        }
        finally
        {
            foreach (var s in signals)
            {
                s.Dispose();
            }
        }
    }

    /// <summary>The live view: a table on a terminal, one line per event otherwise.</summary>
    private sealed class SweepView(SweepOptions options)
    {
        private readonly Lock _gate = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly Dictionary<int, SweepTrialStarted> _running = [];
        private readonly bool _live = Terminal.StdoutIsTerminal;
        private int _done;
        private int _pruned;
        private int _failed;
        private double _busySeconds;
        private int _finishedHere;
        private FrozenTrial? _best;

        public void Started(SweepTrialStarted e)
        {
            lock (_gate)
            {
                _running[e.Number] = e;
            }
            if (!_live)
            {
                Console.Out.WriteLine(Names.Escape($"trial {e.Number} started: run {e.RunId} {FormatParams(e.Params)}"));
            }
        }

        public void Finished(SweepTrialFinished e)
        {
            var t = e.Trial;
            lock (_gate)
            {
                _running.Remove(t.Number);
                _finishedHere++;
                if (t.DatetimeStart is { } s && t.DatetimeComplete is { } c)
                {
                    _busySeconds += (c - s).TotalSeconds;
                }
                switch (t.State)
                {
                    case TrialState.Complete:
                        _done++;
                        if (t.Value is { } v && (_best?.Value is not { } b || (options.Direction == StudyDirection.Minimize ? v < b : v > b)))
                        {
                            _best = t;
                        }
                        break;
                    case TrialState.Pruned:
                        _pruned++;
                        break;
                    default:
                        _failed++;
                        break;
                }
            }
            if (!_live)
            {
                var what = t.State switch
                {
                    TrialState.Complete => $"complete {options.Objective}={Terminal.Number(t.Value)}",
                    TrialState.Pruned => $"pruned{(e.Reason is { } r ? " (" + r + ")" : "")}",
                    _ => $"failed{(e.Reason is { } r2 ? ": " + r2 : "")}",
                };
                Console.Out.WriteLine(Names.Escape($"trial {t.Number} {what}"));
            }
        }

        public void Show(Task work)
        {
            if (!_live)
            {
                return;
            }
            Terminal.Out.Live(Render()).AutoClear(false).Start(ctx =>
            {
                while (!work.Wait(250))
                {
                    ctx.UpdateTarget(Render());
                }
                ctx.UpdateTarget(Render());
            });
        }

        public void Summary(Study study)
        {
            var trials = study.Trials;
            var complete = trials.Where(t => t.State == TrialState.Complete && t.Value is not null).ToList();
            var line = $"study {study.Name}: {trials.Count(t => t.State == TrialState.Complete)} complete, {trials.Count(t => t.State == TrialState.Pruned)} pruned, {trials.Count(t => t.State == TrialState.Fail)} failed";
            if (complete.Count > 0)
            {
                var best = study.BestTrial;
                line += $"; best trial {best.Number}: {options.Objective}={Terminal.Number(best.Value)} {FormatParams(best.Params)}";
            }
            Console.Out.WriteLine(Names.Escape(line));
        }

        private Rows Render()
        {
            lock (_gate)
            {
                var elapsed = _clock.Elapsed;
                var header = $"[bold]{Terminal.Safe(options.StudyName)}[/]  done [green]{_done}[/]  running [blue]{_running.Count}[/]  pruned [grey]{_pruned}[/]  failed [red]{_failed}[/]  elapsed {Durations.Format(TimeSpan.FromSeconds(Math.Round(elapsed.TotalSeconds)))}";
                if (options.TotalTrials is { } total && _finishedHere > 0)
                {
                    var perTrial = _busySeconds / _finishedHere;
                    var left = Math.Max(0, total - _done - _pruned - _failed - _running.Count);
                    var remaining = TimeSpan.FromSeconds(Math.Round(perTrial * (left + (_running.Count / 2.0)) / options.Slots.Count));
                    header += $"  remaining ~{Durations.Format(remaining)} (this session's trials)";
                }
                var table = new Table().Border(TableBorder.Simple);
                table.AddColumn("trial");
                table.AddColumn("state");
                table.AddColumn(Terminal.Safe(options.Objective));
                table.AddColumn("params");
                if (_best is { } best)
                {
                    table.AddRow($"{best.Number}", "[green]best[/]", Terminal.Number(best.Value), Terminal.Safe(FormatParams(best.Params)));
                }
                foreach (var r in _running.Values.OrderBy(r => r.Number))
                {
                    table.AddRow($"{r.Number}", "[blue]running[/]", "", Terminal.Safe(FormatParams(r.Params)));
                }
                return new Rows(new Markup(header), table);
            }
        }
    }

    /// <summary>Parameters as <c>k=v k=v</c>.</summary>
    public static string FormatParams(IReadOnlyDictionary<string, object?> values) =>
        string.Join(' ', values.Select(p => $"{p.Key}={(p.Value is double d ? Terminal.Number(d) : CommandTemplate.Text(p.Value))}"));
}
