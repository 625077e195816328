using System.Text.Json.Nodes;
using Labbook.Metrics;
using Labbook.Notebook;
using Labbook.Runs;
using Labbook.Sweeps;
using Labbook.Testing;
using Labbook.Tuning;

namespace Labbook.Tests.Notebook;

public class MorningReportTests
{
    private static readonly DateTime Evening = new(2026, 11, 27, 19, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Now = new(2026, 11, 28, 7, 30, 0, DateTimeKind.Utc);

    private static RunInfo Run(string id, RunStatus status, double startH, double? endH, Dictionary<string, double>? metrics = null, string? name = null, string? slot = null, int? exit = null, int? signal = null, params string[] tags)
    {
        var summary = new RunSummary();
        foreach (var (k, v) in metrics ?? [])
        {
            var s = new MetricStats();
            s.Add(1, v);
            summary.Metrics[k] = s;
        }
        return new RunInfo
        {
            Directory = Path.Combine(Path.GetTempPath(), "labbook-no-such-run", id),
            Record = new RunRecord
            {
                Id = id,
                Name = name,
                Status = status,
                Tags = [.. tags],
                Entry = "E1",
                Slot = slot,
                Started = Evening.AddHours(startH),
                Ended = endH is { } e ? Evening.AddHours(e) : null,
                ExitCode = exit,
                Signal = signal,
            },
            Status = status,
            Summary = summary,
        };
    }

    private static NotebookDocument Notebook()
    {
        var doc = NotebookDocument.Parse("");
        var (t1, _) = doc.WithNewEntry(new NewEntry
        {
            Title = "Does warmup fix the divergence?",
            Date = new DateOnly(2026, 11, 27),
            Why = "the loss spikes at step 2k",
            Predictions = ["val_loss < baseline - 0.02", "all: val_loss < 0.6", "mean: acc >= 0.9"],
        });
        var (t2, _) = NotebookDocument.Parse(t1).WithNewEntry(new NewEntry { Title = "An old question", Date = new DateOnly(2026, 11, 20) });
        return NotebookDocument.Parse(t2);
    }

    private static List<RunInfo> Night() =>
    [
        Run("6aaa00001", RunStatus.Completed, 0.5, 2.5, new() { ["val_loss"] = 0.47, ["acc"] = 0.88 }, name: "base", slot: "0", tags: "baseline"),
        Run("6aaa00002", RunStatus.Completed, 2.5, 5, new() { ["val_loss"] = 0.43, ["acc"] = 0.91 }, name: "warm500", slot: "0"),
        Run("6aaa00003", RunStatus.Failed, 0.5, 0.6, new() { ["val_loss"] = 0.9 }, name: "warm1000", slot: "1", exit: 3),
        Run("6aaa00004", RunStatus.Killed, 0.6, 4, new() { ["val_loss"] = 0.5 }, name: "warm2000", slot: "1", signal: 9),
        Run("6aaa00005", RunStatus.Running, 5, null, new() { ["val_loss"] = 0.6 }, name: "warm100", slot: "0"),
    ];

    private static IReadOnlyList<string> Tail(RunInfo run) =>
        run.Status == RunStatus.Failed ? ["epoch 1", "RuntimeError: CUDA out of memory"] : ["step 400"];

    [Fact]
    public void Night_with_every_case_matches_the_snapshot()
    {
        var report = MorningReport.Build(Notebook(), Night(), Evening, Now, Tail);
        Snapshot.Match(MorningText.Render(report, TimeZoneInfo.Utc), "morning-night");
        Snapshot.Match(MorningText.ResultsBlock(report.Entries[0], Now, TimeZoneInfo.Utc), "morning-results-block");
        Snapshot.Match(MorningText.RenderMarkdown(report, TimeZoneInfo.Utc, (r, m) => r.Id == "6aaa00002" ? "▇▅▂▁" : null), "morning-markdown");
    }

    [Fact]
    public void Verdicts_and_counts_are_right()
    {
        var report = MorningReport.Build(Notebook(), Night(), Evening, Now, Tail);
        var e = Assert.Single(report.Entries);
        Assert.Equal("2 completed, 1 failed, 1 killed, 1 running", e.Counts);
        Assert.Equal("6aaa00002", e.Best!.Id);
        Assert.Equal(PredictionOutcome.Met, e.Predictions[0].Outcome);
        Assert.Equal(PredictionOutcome.Undecidable, e.Predictions[1].Outcome);
        Assert.Equal(PredictionOutcome.Undecidable, e.Predictions[2].Outcome);
        Assert.Equal(["6aaa00003", "6aaa00004"], e.Failures.Select(f => f.Run.Id));
        Assert.Equal("exit 3", e.Failures[0].How);
        Assert.Equal("signal 9 (SIGKILL)", e.Failures[1].How);
        Assert.Empty(report.NeedConclusion);
    }

    [Fact]
    public void Idle_slot_hours_count_gaps_from_the_first_start_to_now()
    {
        var report = MorningReport.Build(Notebook(), Night(), Evening, Now, Tail);
        // Window 19:30 to 07:30 = 12 h per slot. Slot 0 busy 19:30-00:00 and 00:00-now: idle 0.
        // Slot 1 busy 19:30-23:00: idle 8.5 h.
        Assert.Equal(Evening.AddHours(0.5), report.IdleWindowStart);
        Assert.Equal(["slot 0", "slot 1"], report.Idle.Select(s => s.Slot));
        Assert.Equal(0, report.Idle[0].IdleHours, 6);
        Assert.Equal(8.5, report.Idle[1].IdleHours, 6);
        Assert.Equal(Evening.AddHours(4), report.Idle[1].IdleSince);
        Assert.Equal(24, report.WindowSlotHours, 6);
    }

    [Fact]
    public void Finished_entries_without_a_conclusion_are_listed()
    {
        var runs = Night().Where(r => r.Status != RunStatus.Running).ToList();
        var report = MorningReport.Build(Notebook(), runs, Evening, Now, Tail);
        Assert.Equal(["E1"], report.NeedConclusion.Select(e => e.Id));
        var concluded = NotebookDocument.Parse(Notebook().WithBlock("E1", ManagedBlockKind.Conclusion, "yes\n"));
        Assert.Empty(MorningReport.Build(concluded, runs, Evening, Now, Tail).NeedConclusion);
    }

    [Fact]
    public void Quiet_entries_are_left_out()
    {
        var report = MorningReport.Build(Notebook(), Night(), Now.AddHours(-1), Now, Tail);
        var e = Assert.Single(report.Entries);
        Assert.Equal(["6aaa00005"], e.Active.Select(r => r.Id));
    }

    [Fact]
    public void Queue_items_not_started_count_for_their_entry_and_hold_back_the_conclusion()
    {
        var runs = Night().Where(r => r.Status != RunStatus.Running).ToList();
        QueuedWork[] queue =
        [
            new("q1", "E1", "warm4000", "pending", null),
            new("q2", "e2", "old check", "pending", null),
            new("q3", "E1", "warm500", "done", "6aaa00002"),
            new("q4", null, "loose", "pending", null),
        ];
        var report = MorningReport.Build(Notebook(), runs, Evening, Now, Tail, queue);
        Assert.Equal(["E1", "E2"], report.Entries.Select(e => e.Entry.Id));
        Assert.Equal("2 completed, 1 failed, 1 killed, 1 not started", report.Entries[0].Counts);
        Assert.Equal(["q1", "q3"], report.Entries[0].Queued.Select(q => q.Id));
        Assert.Equal("1 not started", report.Entries[1].Counts);
        Assert.Empty(report.NeedConclusion);
        Assert.Contains("  not started: q1 (warm4000)\n", MorningText.Render(report, TimeZoneInfo.Utc), StringComparison.Ordinal);
        Assert.Contains("- **Runs:** 2 completed, 1 failed, 1 killed, 1 not started\n- **Not started:** `q1` (warm4000)\n", MorningText.ResultsBlock(report.Entries[0], Now, TimeZoneInfo.Utc), StringComparison.Ordinal);
    }

    [Fact]
    public void The_plot_shows_the_best_run_and_the_baseline_before_the_latest_others()
    {
        var runs = Enumerable.Range(0, 12).Select(i => Run($"6ccc{i:00000}", RunStatus.Completed, i * 0.5, (i * 0.5) + 0.4, new() { ["val_loss"] = 1.0 - (i == 3 ? 0.9 : i * 0.01) },
            name: $"r{i}", tags: i == 0 ? ["baseline"] : [])).ToList();
        var entry = new EntryMorning { Entry = Notebook().Find("E1")!, Runs = runs, Active = runs, Best = runs[3] };
        var plotted = MorningReport.Plotted(entry);
        Assert.Equal(8, plotted.Count);
        Assert.Equal(["6ccc00003", "6ccc00000", "6ccc00006", "6ccc00007", "6ccc00008", "6ccc00009", "6ccc00010", "6ccc00011"], plotted.Select(r => r.Id));
    }

    [Fact]
    public void A_study_stands_for_its_trials_and_reports_its_best()
    {
        var doc = NotebookDocument.Parse(Notebook().WithBlock("E2", ManagedBlockKind.Attached, "- study `lr`\n"));
        RunInfo Trial(string id, int number, double loss)
        {
            var r = Run(id, RunStatus.Completed, 1 + number, 1.5 + number, new() { ["loss"] = loss }, name: $"lr-{number}");
            r.Record.Entry = null;
            r.Record.Study = "lr";
            r.Record.Trial = number;
            return r;
        }
        List<RunInfo> runs = [Trial("6bbb00000", 0, 0.5), Trial("6bbb00001", 1, 0.2), Trial("6bbb00002", 2, double.NaN)];
        FrozenTrial Frozen(int number, TrialState state, double? value) => new()
        {
            Number = number,
            TrialId = number,
            State = state,
            Value = value,
            SystemAttrs = new Dictionary<string, JsonNode?> { [SweepRunner.WorkerAttr] = new JsonObject { ["run"] = runs[number].Id } },
        };
        var study = new StudyWork("lr", StudyDirection.Minimize, [Frozen(0, TrialState.Complete, 0.5), Frozen(1, TrialState.Complete, 0.2), Frozen(2, TrialState.Fail, null)]);
        var report = MorningReport.Build(doc, runs, Evening, Now, Tail, study: name => name == "lr" ? study : null);

        var e = Assert.Single(report.Entries);
        Assert.Equal("E2", e.Entry.Id);
        Assert.Equal(3, e.Runs.Count);
        Assert.Equal("3 trials: 2 complete, 1 failed", Assert.Single(e.Studies).CountText());
        // No prediction ranks the runs: the study's best trial is the entry's best run, and it is plotted.
        Assert.Equal("6bbb00001", e.Best!.Id);
        Assert.Contains(e.Best, MorningReport.Plotted(e, count: 1));
        // The plot leads with the best run and leaves out the trial the study counted as failed (its run completed),
        // and a trial's state is the study's verdict.
        Assert.Equal(["6bbb00001", "6bbb00000"], MorningReport.Plotted(e).Select(r => r.Id));
        Assert.Equal("complete trial", MorningReport.PlotState(e, runs[0]));
        Assert.Equal("failed trial", MorningReport.PlotState(e, runs[2]));
        Assert.Equal("best trial 1: 0.2 (run 6bbb00001)", study.BestText());
        Assert.Contains("  study:    lr: 3 trials: 2 complete, 1 failed; best trial 1: 0.2 (run 6bbb00001)\n", MorningText.Render(report, TimeZoneInfo.Utc), StringComparison.Ordinal);
        // The attached block lists the study once, not each trial.
        Assert.Equal("- study `lr` · 3 trials: 2 complete, 1 failed · best trial 1: 0.2 (run 6bbb00001)\n", NotebookDocument.AttachedContent(MorningReport.AttachedItems(e)));
    }

    [Fact]
    public void Many_failures_are_counted_not_all_shown()
    {
        var runs = Enumerable.Range(0, 12).Select(i => Run($"6ccc{i:00000}", RunStatus.Failed, 1, 1.1, exit: 1)).ToList();
        var tails = 0;
        var report = MorningReport.Build(Notebook(), runs, Evening, Now, r =>
        {
            tails++;
            return ["boom"];
        });
        Assert.Equal(MorningText.MaxFailuresShown, tails);
        var text = MorningText.Render(report, TimeZoneInfo.Utc);
        Assert.Equal(MorningText.MaxFailuresShown, text.Split('\n').Count(l => l.StartsWith("  failed    6ccc", StringComparison.Ordinal)));
        Assert.Contains("  ... and 4 more failed, killed or crashed (lab note show E1)\n", text, StringComparison.Ordinal);
        Assert.EndsWith("- ... and 4 more failed, killed or crashed\n", MorningText.ResultsBlock(report.Entries[0], Now, TimeZoneInfo.Utc), StringComparison.Ordinal);
    }
}
