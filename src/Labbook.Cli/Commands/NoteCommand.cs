using System.CommandLine;
using System.Text;
using Labbook.Notebook;
using Labbook.Runs;
using Labbook.Workspaces;
using Spectre.Console;

namespace Labbook.Cli.Commands;

/// <summary><c>lab note</c>: open, list, show, select and attach to notebook entries.</summary>
internal static class NoteCommand
{
    private const string Template =
        """
        # A new notebook entry. Fill in the fields after the colons and save; an empty title cancels.
        # Lines starting with # are ignored. Expect and Predict may be repeated.
        # Predict takes a checkable prediction: val_loss < 0.45, all: acc >= 0.9, val_loss < baseline - 0.02
        Title: {0}
        Testing:
        Why:
        Expect:
        Predict:

        """;

    public static Command Build()
    {
        var title = new Argument<string?>("title") { Description = "The question or change this entry is about.", Arity = ArgumentArity.ZeroOrOne };
        var testing = new Option<string?>("--testing") { Description = "What is tested." };
        var why = new Option<string?>("--why", "-w") { Description = "Why it is worth testing." };
        var expect = new Option<string[]>("--expect", "-e") { Description = "What you expect (repeatable); a checkable prediction such as 'val_loss < 0.45' is recorded as one." };
        var predict = new Option<string[]>("--predict") { Description = "A checkable prediction (repeatable), e.g. 'val_loss < baseline - 0.02'; refused when it does not parse." };
        var cmd = new Command("note", "Open a notebook entry (made current: later runs attach to it); with no flags on a terminal, opens $EDITOR.")
        {
            title, testing, why, expect, predict,
            BuildList(), BuildShow(), BuildUse(), BuildAttach(),
        };
        cmd.SetAction(parse =>
        {
            var workspace = Workspace.FromEnvironment(create: true);
            var t = NotebookCli.CheckText(parse.GetValue(title), "title");
            var fields = (Testing: NotebookCli.CheckText(parse.GetValue(testing), "--testing"), Why: NotebookCli.CheckText(parse.GetValue(why), "--why"));
            var expects = (parse.GetValue(expect) ?? []).Select(e => NotebookCli.CheckText(e, "--expect")!).ToList();
            var predicts = (parse.GetValue(predict) ?? []).Select(e => NotebookCli.CheckText(e, "--predict")!).ToList();
            var noFlags = fields.Testing is null && fields.Why is null && expects.Count == 0 && predicts.Count == 0;
            NewEntry entry;
            if (noFlags && Terminal.StdinIsTerminal && Terminal.StdoutIsTerminal)
            {
                entry = FromEditor(workspace, t) ?? throw new UsageException("no title: nothing was added to the notebook");
            }
            else
            {
                if (string.IsNullOrWhiteSpace(t))
                {
                    throw new UsageException("lab note needs a title: lab note \"does warmup fix the divergence?\" --why ... --expect ...");
                }
                entry = Compose(t, fields.Testing, fields.Why, expects, predicts);
            }
            var store = new NotebookStore(workspace);
            var id = store.AddEntry(entry);
            Terminal.Out.MarkupLine($"[bold]{id}[/] · {Terminal.Safe(entry.Title)} [grey](current entry: runs launched now attach to it)[/]");
            return 0;
        });
        return cmd;
    }

    /// <summary>Splits expectations into free text and predictions; refuses a --predict that does not parse.</summary>
    private static NewEntry Compose(string title, string? testing, string? why, List<string> expects, List<string> predicts)
    {
        var texts = new List<string>();
        var predictions = new List<string>();
        foreach (var e in expects.Where(e => e.Length > 0))
        {
            if (Prediction.TryParse(e, out _, out var error))
            {
                predictions.Add(e);
            }
            else
            {
                texts.Add(e);
                if (e.IndexOfAny(['<', '>']) >= 0)
                {
                    Terminal.Note($"--expect '{e}' is kept as free text, not a prediction ({error!.Message})");
                }
            }
        }
        foreach (var p in predicts.Where(p => p.Length > 0))
        {
            if (!Prediction.TryParse(p, out _, out var error))
            {
                throw new UsageException($"--predict '{p}': {error!.Message}");
            }
            predictions.Add(p);
        }
        WarnUnknownMetrics(predictions);
        return new NewEntry
        {
            Title = title,
            Date = DateOnly.FromDateTime(NotebookCli.UtcNow().ToLocalTime()),
            Testing = string.IsNullOrWhiteSpace(testing) ? null : testing,
            Why = string.IsNullOrWhiteSpace(why) ? null : why,
            Expect = texts,
            Predictions = predictions,
        };
    }

    /// <summary>Warns about metrics the predictions read that no run of the workspace has logged (when any run has logged some).</summary>
    private static void WarnUnknownMetrics(List<string> predictions)
    {
        if (predictions.Count == 0)
        {
            return;
        }
        var workspace = Workspace.FromEnvironment(create: false);
        if (!workspace.Exists)
        {
            return;
        }
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var run in new RunStore(workspace).LoadAll(issues: null, withSummary: true))
        {
            if (run.Summary is { } summary)
            {
                known.UnionWith(summary.Metrics.Keys);
                known.UnionWith(summary.Values.Keys);
            }
        }
        // With no metric logged anywhere yet, every name would be "unknown": nothing to compare with.
        if (known.Count == 0)
        {
            return;
        }
        foreach (var text in predictions)
        {
            foreach (var warning in Prediction.Parse(text).UnknownMetricWarnings(known))
            {
                Terminal.Warn(warning);
            }
        }
    }

    /// <summary>
    /// Opens $EDITOR on the template (or on the draft a refused edit left). An edit that cannot be
    /// used (a prediction that does not parse, a control character) is kept as the draft, so the
    /// next <c>lab note</c> reopens it: typed text is never lost.
    /// </summary>
    private static NewEntry? FromEditor(Workspace workspace, string? title)
    {
        var draft = Path.Combine(workspace.StateDirectory, "note-draft.txt");
        var initial = File.Exists(draft) && title is null ? File.ReadAllText(draft) : Template.Replace("{0}", title ?? "", StringComparison.Ordinal);
        var text = NotebookCli.Edit(workspace, initial, ".txt");
        try
        {
            var entry = ParseEdited(text);
            File.Delete(draft);
            return entry;
        }
        catch (UsageException e)
        {
            Labbook.IO.AtomicFile.WriteText(draft, text);
            throw new UsageException($"{e.Message}; your text is kept in {draft}: `lab note` opens it again");
        }
    }

    private static NewEntry? ParseEdited(string text)
    {
        string? t = null, testing = null, why = null;
        var expects = new List<string>();
        var predicts = new List<string>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.TrimStart().StartsWith('#'))
            {
                continue;
            }
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }
            var value = line[(colon + 1)..].Trim();
            switch (line[..colon].Trim().ToLowerInvariant())
            {
                case "title": t = value; break;
                case "testing": testing = value; break;
                case "why": why = value; break;
                case "expect": expects.Add(value); break;
                case "predict": predicts.Add(value); break;
            }
        }
        return string.IsNullOrWhiteSpace(t) ? null : Compose(NotebookCli.CheckText(t, "Title")!, NotebookCli.CheckText(testing, "Testing"), NotebookCli.CheckText(why, "Why"), expects, predicts);
    }

    private static Command BuildList()
    {
        var cmd = new Command("ls", "List the notebook's entries: id, date, title, runs, whether concluded; * marks the current one.");
        cmd.SetAction(_ =>
        {
            var workspace = Workspace.FromEnvironment(create: false);
            var store = new NotebookStore(workspace);
            var doc = store.Read();
            if (doc.Entries.Count == 0)
            {
                Terminal.Note($"no entries in {store.Path} yet (lab note \"title\" opens one)");
                return 0;
            }
            var runs = new RunStore(workspace).LoadAll(Terminal.Warn, withSummary: false);
            var byId = NotebookCli.ById(runs);
            var current = store.Current();
            var table = new Table().Border(TableBorder.Simple);
            table.AddColumn("");
            table.AddColumn("id");
            table.AddColumn("date");
            table.AddColumn("title");
            table.AddColumn(new TableColumn("runs").RightAligned());
            table.AddColumn("state");
            var queue = NotebookCli.QueueWork(workspace, DateTime.UtcNow);
            foreach (var e in doc.Entries)
            {
                var entryRuns = MorningReport.EntryRuns(e, runs, byId);
                var state = e.IsConcluded ? "concluded"
                    : entryRuns.Any(r => !r.Status.IsFinal()) ? "running"
                    : MorningReport.EntryQueue(e, queue).Any(q => q.IsPending) ? "queued"
                    : entryRuns.Any(r => r.Status == RunStatus.Completed) ? "[yellow]needs a conclusion[/]"
                    : "open";
                table.AddRow(e.Id == current ? "*" : "", e.Id, Terminal.Safe(e.Date), Terminal.Safe(e.Title), entryRuns.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), state);
            }
            Terminal.Out.Write(table);
            return 0;
        });
        return cmd;
    }

    private static Command BuildShow()
    {
        var id = new Argument<string?>("entry") { Description = "The entry (E12); the current one when omitted.", Arity = ArgumentArity.ZeroOrOne };
        var cmd = new Command("show", "Show an entry: its fields, its runs with their status now, and each prediction judged now.") { id };
        cmd.SetAction(parse =>
        {
            var workspace = Workspace.FromEnvironment(create: false);
            var store = new NotebookStore(workspace);
            var doc = store.Read();
            var which = parse.GetValue(id) ?? store.Current() ?? throw new UsageException("no current entry: name one (lab note show E12)");
            var e = NotebookCli.RequireEntry(doc, which);
            var runs = new RunStore(workspace).LoadAll(Terminal.Warn);
            var entryRuns = MorningReport.EntryRuns(e, runs, NotebookCli.ById(runs));
            var sb = new StringBuilder();
            sb.Append(e.Id).Append(" · ").Append(Names.Escape(e.Title)).Append(e.Id == store.Current() ? "  (current)" : "").Append('\n');
            void Field(string name, string? value)
            {
                if (!string.IsNullOrWhiteSpace(value))
                {
                    sb.Append("  ").Append((name + ":").PadRight(10)).Append(Names.Escape(value)).Append('\n');
                }
            }
            Field("date", e.Date);
            Field("testing", e.Testing);
            Field("why", e.Why);
            foreach (var x in e.Expect)
            {
                Field("expect", x);
            }
            sb.Append("  runs:     ").Append(MorningReport.CountText(entryRuns)).Append('\n');
            foreach (var r in entryRuns)
            {
                sb.Append("    ").Append(r.Id).Append("  ").Append(r.Status.ToText().PadRight(10)).Append(Names.Escape(r.Record.Name ?? ""))
                    .Append(r.Record.Tags.Count > 0 ? " [" + Names.Escape(string.Join(",", r.Record.Tags)) + "]" : "").Append('\n');
            }
            // Runs the entry lists that were removed (lab rm) stay listed, marked, so the entry reads as it happened.
            var keeper = new RunHousekeeping(new RunStore(workspace));
            foreach (var removed in e.RunIds.Where(id => entryRuns.All(r => r.Id != id) && keeper.IsRemoved(id)).Distinct(StringComparer.Ordinal))
            {
                sb.Append("    ").Append(removed).Append("  ").Append("removed".PadRight(10)).Append("(lab rm --restore ").Append(removed).Append(")\n");
            }
            var queued = MorningReport.EntryQueue(e, NotebookCli.QueueWork(workspace, DateTime.UtcNow));
            if (queued.Count > 0)
            {
                sb.Append("  queued:   ").Append(queued.Count(q => q.IsPending)).Append(" not started of ").Append(queued.Count).Append('\n');
                foreach (var q in queued)
                {
                    sb.Append("    ").Append(q.Id.PadRight(10)).Append((q.IsPending ? "not started" : q.State).PadRight(12)).Append(Names.Escape(q.Label))
                        .Append(q.Run is { } run ? "  (run " + run + ")" : "").Append('\n');
                }
            }
            var readStudy = NotebookCli.StudyReader(workspace);
            foreach (var name in MorningReport.EntryStudies(e, entryRuns))
            {
                sb.Append("  study:    ").Append(Names.Escape(name));
                if (readStudy(name) is { } st)
                {
                    sb.Append(": ").Append(st.CountText()).Append(st.BestText() is { } best ? "; " + Names.Escape(best) : "");
                }
                sb.Append('\n');
            }
            var find = NotebookCli.Finder(runs);
            foreach (var p in e.Predictions)
            {
                var verdict = Prediction.TryParse(p, out var parsed, out var error)
                    ? parsed!.Evaluate(entryRuns, find)
                    : new PredictionResult(p, PredictionOutcome.Undecidable, "cannot read: " + error!.Message, null);
                sb.Append("  predict:  ").Append(Names.Escape(p)).Append(" → ").Append(verdict.OutcomeText).Append(": ").Append(Names.Escape(verdict.Detail)).Append('\n');
            }
            sb.Append("  conclusion: ").Append(e.IsConcluded ? Names.Escape(e.Conclusion!.Trim()).Replace("\\n", "\n              ", StringComparison.Ordinal) : "(none yet: lab conclude " + e.Id + " \"...\")").Append('\n');
            Console.Out.Write(sb.ToString());
            return 0;
        });
        return cmd;
    }

    private static Command BuildUse()
    {
        var id = new Argument<string>("entry") { Description = "The entry to make current (E12), or 'none' to clear." };
        var cmd = new Command("use", "Make an entry current: runs launched afterwards attach to it.") { id };
        cmd.SetAction(parse =>
        {
            var workspace = Workspace.FromEnvironment(create: true);
            var store = new NotebookStore(workspace);
            var which = parse.GetValue(id)!;
            if (string.Equals(which, "none", StringComparison.OrdinalIgnoreCase))
            {
                store.SetCurrent(null);
                Terminal.Note("no current entry: runs attach to none unless given --entry");
                return 0;
            }
            var e = NotebookCli.RequireEntry(store.Read(), which);
            store.SetCurrent(e.Id);
            Terminal.Out.MarkupLine($"[bold]{e.Id}[/] · {Terminal.Safe(e.Title)} [grey](current)[/]");
            return 0;
        });
        return cmd;
    }

    private static Command BuildAttach()
    {
        var id = new Argument<string>("entry") { Description = "The entry (E12)." };
        var runsArg = new Argument<string[]>("runs") { Description = "Runs by id, id prefix or name.", Arity = ArgumentArity.OneOrMore };
        var cmd = new Command("attach", "Attach existing runs to an entry (they count for its results and predictions).") { id, runsArg };
        cmd.SetAction(parse =>
        {
            var workspace = Workspace.FromEnvironment(create: false);
            var store = new NotebookStore(workspace);
            var e = NotebookCli.RequireEntry(store.Read(), parse.GetValue(id)!);
            var runStore = new RunStore(workspace);
            var ids = (parse.GetValue(runsArg) ?? []).Select(runStore.Resolve).Distinct(StringComparer.Ordinal).ToList();
            store.Attach(e.Id, ids.Select(r => new Attachment(AttachmentKind.Run, r)));
            Terminal.Note($"attached {ids.Count} run{(ids.Count == 1 ? "" : "s")} to {e.Id}");
            return 0;
        });
        return cmd;
    }
}
