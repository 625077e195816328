using System.Text.Json;
using System.Text.RegularExpressions;

namespace Labbook.EndToEnd.Tests;

/// <summary>Queue items and sweeps in the notebook: they attach to the current entry, and the morning reports them.</summary>
public sealed class NotebookWorkTests : IDisposable
{
    private const string Nudge = "lab: tip: no --why and no notebook entry;";

    private readonly NotebookWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    private static readonly string[] Sweep =
    [
        "sweep", "--study", "lr", "-s", "x=0..1", "--objective", "loss", "--direction", "minimize", "--trials", "3",
        "--sampler", "random", "--seed", "1", "--", "sh", "-c", "echo \"@lab loss=$1\"", "sh", "{x}",
    ];

    [Fact]
    public void Queue_items_and_sweeps_attach_to_the_current_entry_and_the_morning_reports_them()
    {
        Assert.Equal(0, _ws.Lab("note", "Which learning rate?", "--why", "the default is a guess").ExitCode);
        Assert.Equal(0, _ws.Lab("note", "Another question").ExitCode);
        Assert.Equal(0, _ws.Lab("note", "use", "E1").ExitCode);

        var queued = _ws.Lab("queue", "add", "--name", "base", "--tag", "baseline", "--", "sh", "-c", "echo '@lab loss=0.9'");
        Assert.True(queued.ExitCode == 0, queued.ToString());
        Assert.DoesNotContain(Nudge, queued.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, _ws.Lab("queue", "add", "--name", "other", "--entry", "e2", "--why", "elsewhere", "--", "true").ExitCode);
        Assert.Equal(0, _ws.Lab("queue", "add", "--name", "loose", "--no-entry", "--why", "unfiled", "--", "true").ExitCode);
        var both = _ws.Lab("queue", "add", "--entry", "E1", "--no-entry", "--", "true");
        Assert.Equal(2, both.ExitCode);
        Assert.Equal("lab: give --entry or --no-entry, not both\n", both.Stderr);
        var missing = _ws.Lab("queue", "add", "--entry", "E7", "--", "true");
        Assert.Equal(2, missing.ExitCode);
        Assert.StartsWith("lab: no notebook entry 'E7'", missing.Stderr, StringComparison.Ordinal);

        var items = JsonDocument.Parse(_ws.Lab("queue", "ls", "--json").Stdout).RootElement.EnumerateArray()
            .Select(i => (Name: i.GetProperty("name").GetString(), Entry: i.TryGetProperty("entry", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null))
            .ToList();
        Assert.Equal([("base", "E1"), ("other", "E2"), ("loose", null)], items);

        var sweep = _ws.Lab(Sweep, TimeSpan.FromSeconds(120));
        Assert.True(sweep.ExitCode == 0, sweep.ToString());
        var trials = _ws.Runs();
        Assert.Equal(3, trials.Count);
        Assert.All(trials, t => Assert.Equal("E1", t.GetProperty("entry").GetString()));
        Assert.All(trials, t => Assert.Equal("lr", t.GetProperty("study").GetString()));

        var notebook = File.ReadAllText(_ws.NotebookPath);
        Assert.Contains("<!-- lab:attached E1 -->\n- queue `q1`\n- study `lr`\n<!-- /lab:attached E1 -->", notebook, StringComparison.Ordinal);
        Assert.Contains("<!-- lab:attached E2 -->\n- queue `q2`\n<!-- /lab:attached E2 -->", notebook, StringComparison.Ordinal);

        var show = _ws.Lab("note", "show", "E1");
        Assert.Contains("queued:   1 not started of 1", show.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"q1\s+not started\s+base", show.Stdout);
        Assert.Matches(@"study:    lr: 3 trials: 3 complete; best trial \d: 0\.\d+ \(run \w+\) x=0\.\d+", show.Stdout);

        var morning = _ws.Lab("morning", "--since", "1h");
        Assert.True(morning.ExitCode == 0, morning.ToString());
        Assert.Equal("", morning.Stderr);
        Assert.Contains("E1 · Which learning rate?\n  why:      the default is a guess\n  runs:     3 completed, 1 not started\n  not started: q1 (base)\n", morning.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"  study:    lr: 3 trials: 3 complete; best trial \d: 0\.\d+ \(run \w+\) x=0\.\d+\n", morning.Stdout);
        Assert.Contains("E2 · Another question\n  runs:     1 not started\n  not started: q2 (other)\n", morning.Stdout, StringComparison.Ordinal);
        // Work still waits: E1 does not yet need a conclusion.
        Assert.DoesNotContain("Waiting for a conclusion", morning.Stdout, StringComparison.Ordinal);

        // The attached block lists the study once, not each of its trials; the results say what did not start.
        var after = File.ReadAllText(_ws.NotebookPath);
        Assert.Matches(new Regex(@"<!-- lab:attached E1 -->\n- queue `q1` · not started · base\n- study `lr` · 3 trials: 3 complete · best trial \d: 0\.\d+ \(run \w+\) x=0\.\d+\n<!-- /lab:attached E1 -->"), after);
        Assert.Contains("- **Runs:** 3 completed, 1 not started\n- **Not started:** `q1` (base)\n- **Study** `lr`: 3 trials: 3 complete; best trial ", after, StringComparison.Ordinal);
    }

    [Fact]
    public void The_nudge_is_the_same_line_for_runs_queue_items_and_sweeps_and_the_setting_silences_all()
    {
        var run = _ws.Lab("run", "--", "true");
        var queue = _ws.Lab("queue", "add", "--", "echo", "one");
        var sweep = _ws.Lab(Sweep, TimeSpan.FromSeconds(120));
        Assert.True(sweep.ExitCode == 0, sweep.ToString());
        var lines = new[] { run, queue, sweep }.Select(r => Assert.Single(r.Stderr.Split('\n'), l => l.StartsWith(Nudge, StringComparison.Ordinal))).ToList();
        Assert.Single(lines.Distinct());

        // A why, or a current entry, silences it; so does the workspace setting.
        Assert.DoesNotContain(Nudge, _ws.Lab("queue", "add", "--why", "a reason", "--", "echo", "two").Stderr, StringComparison.Ordinal);
        Assert.Equal(0, _ws.Lab("note", "a question").ExitCode);
        Assert.DoesNotContain(Nudge, _ws.Lab("queue", "add", "--", "echo", "three").Stderr, StringComparison.Ordinal);
        Assert.Equal(0, _ws.Lab("note", "use", "none").ExitCode);
        File.WriteAllText(Path.Combine(_ws.Root, ".labbook", "settings.json"), "{ \"nudge\": false }\n");
        Assert.DoesNotContain(Nudge, _ws.Lab("run", "--", "true").Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(Nudge, _ws.Lab("queue", "add", "--", "echo", "four").Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(Nudge, _ws.Lab(Sweep, TimeSpan.FromSeconds(120)).Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_queued_items_run_names_the_entry_it_was_queued_under_even_after_the_current_entry_changes()
    {
        Assert.Equal(0, _ws.Lab("note", "Does the baseline still hold?").ExitCode);
        Assert.Equal(0, _ws.Lab("queue", "add", "--name", "base", "--why", "re-check", "--", "sh", "-c", "echo '@lab loss=0.5'").ExitCode);
        Assert.Equal(0, _ws.Lab("note", "A later question").ExitCode);

        var start = _ws.Lab(["queue", "start"], TimeSpan.FromSeconds(120));
        Assert.True(start.ExitCode == 0, start.ToString());

        var run = Assert.Single(_ws.Runs());
        Assert.Equal("E1", run.GetProperty("entry").GetString());
        Assert.Equal("re-check", run.GetProperty("why").GetString());
        var morning = _ws.Lab("morning", "--since", "1h");
        Assert.Contains("E1 · Does the baseline still hold?\n", morning.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"E1 · Does the baseline still hold\?\n(  .*\n)*  runs:     1 completed\n", morning.Stdout);
    }
}
