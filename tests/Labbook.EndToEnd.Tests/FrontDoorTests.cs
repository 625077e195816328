namespace Labbook.EndToEnd.Tests;

/// <summary>
/// The CLI's front door: what lab does with a mistyped option, an unknown command, a value it cannot
/// use, and a sweep whose trials only fail. Each refusal is one line in our words, exit 2, and
/// leaves nothing recorded.
/// </summary>
public class FrontDoorTests
{
    private static readonly TimeSpan SweepTimeout = TimeSpan.FromSeconds(180);

    /// <summary>Every file of the workspace with its content, to show that a refused command changed nothing.</summary>
    private static Dictionary<string, string> Snapshot(TempWorkspace ws) =>
        Directory.EnumerateFiles(ws.Root, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains(Path.Combine(".labbook", ""), StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(ws.Root, f), File.ReadAllText);

    private static LabResult Must(TempWorkspace ws, params string[] args)
    {
        var r = ws.Lab(args);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r;
    }

    private static void AssertUsageError(LabResult r, params string[] expected)
    {
        Assert.True(r.ExitCode == 2, r.ToString());
        var line = r.Stderr.Trim();
        Assert.DoesNotContain('\n', line);
        foreach (var text in expected)
        {
            Assert.Contains(text, line, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("System.", line, StringComparison.Ordinal);
        Assert.DoesNotContain("''", line, StringComparison.Ordinal);
    }

    public static TheoryData<string[], string, string> MistypedOptions => new()
    {
        { ["run", "--tiemout", "3h", "--", "true"], "'--tiemout'", "'--timeout'" },
        { ["run", "--tiemout", "3h", "python3", "train.py"], "'--tiemout'", "'--timeout'" },
        { ["queue", "add", "--retires", "2", "--", "python3", "train.py"], "'--retires'", "'--retries'" },
        { ["queue", "add", "--retires=2", "python3", "train.py"], "'--retires'", "'--retries'" },
        { ["sweep", "--study", "t1", "-s", "x=0..1", "--objective", "l", "--direction", "minimize", "--trails", "5", "--", "echo", "{x}"], "'--trails'", "'--trials'" },
        { ["sweep", "--study", "t1", "-s", "x=0..1", "--objective", "l", "--direction", "minimize", "--trails", "5", "echo", "{x}"], "'--trails'", "'--trials'" },
    };

    [Theory]
    [MemberData(nameof(MistypedOptions))]
    public void A_mistyped_option_is_a_usage_error_and_nothing_is_recorded(string[] args, string option, string closest)
    {
        using var ws = new TempWorkspace();
        Must(ws, "note", "does warmup help?", "--why", "spikes");
        var before = Snapshot(ws);
        var r = ws.Lab(args);
        AssertUsageError(r, "unknown option " + option, $"(did you mean {closest}?)");
        Assert.Equal(before, Snapshot(ws));
        Assert.Empty(ws.RunIds());
        Assert.False(File.Exists(Path.Combine(ws.Root, "queue.jsonl")));
        Assert.False(Directory.Exists(Path.Combine(ws.Root, "studies")));
    }

    [Fact]
    public void A_command_that_starts_with_a_dash_still_runs_after_the_dashes()
    {
        using var ws = new TempWorkspace();
        var r = ws.Lab("run", "--no-entry", "--", "sh", "-c", "echo --tiemout");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("--tiemout", r.Stdout, StringComparison.Ordinal);
        var v = ws.Lab("run", "--no-entry", "--", "sh", "-c", "echo \"$1\"", "sh", "--verbose");
        Assert.True(v.ExitCode == 0, v.ToString());
        Assert.Contains("--verbose", v.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Lab_alone_and_lab_help_print_an_overview_and_an_unknown_command_names_the_closest()
    {
        using var ws = new TempWorkspace();
        foreach (var args in new[] { Array.Empty<string>(), ["help"] })
        {
            var r = ws.Lab(args);
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Contains("Commands:", r.Stdout, StringComparison.Ordinal);
            Assert.Contains("  sweep ", r.Stdout, StringComparison.Ordinal);
            Assert.Contains("Examples:", r.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("Required command", r.Stdout + r.Stderr, StringComparison.Ordinal);
        }
        AssertUsageError(ws.Lab("lss"), "'lss' is not a lab command", "(did you mean 'ls'?)");
        AssertUsageError(ws.Lab("foo"), "'foo' is not a lab command");
        var help = ws.Lab("help", "queue", "add");
        Assert.True(help.ExitCode == 0, help.ToString());
        Assert.Contains("lab queue add", help.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_reads_right_groups_the_slurm_options_and_shows_examples()
    {
        using var ws = new TempWorkspace();
        var noteLs = ws.Lab("note", "ls", "--help");
        Assert.True(noteLs.ExitCode == 0, noteLs.ToString());
        Assert.Contains("  lab note ls [options]", noteLs.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("<title>", noteLs.Stdout, StringComparison.Ordinal);
        Assert.Contains("Attach existing runs to an entry", ws.Lab("note", "--help").Stdout, StringComparison.Ordinal);
        foreach (var command in new[] { new[] { "queue", "start" }, ["sweep"] })
        {
            var text = ws.Lab([.. command, "--help"]).Stdout;
            var slurm = text.IndexOf("Slurm options (with --executor slurm):", StringComparison.Ordinal);
            Assert.True(slurm > 0, text);
            // Every Slurm option is under the heading, and only there.
            Assert.True(text.IndexOf("--partition", StringComparison.Ordinal) > slurm, text);
            Assert.True(text.IndexOf("--no-sacct", StringComparison.Ordinal) > slurm, text);
            Assert.True(text.IndexOf("  --executor <", StringComparison.Ordinal) > slurm, text);
            Assert.Contains("Examples:", text, StringComparison.Ordinal);
        }
        Assert.Contains("Examples:", ws.Lab("queue", "add", "--help").Stdout, StringComparison.Ordinal);
        Assert.Contains("lab run [options] -- <command>...", ws.Lab("run", "--help").Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_errors_are_in_our_words_without_dotnet_type_names()
    {
        using var ws = new TempWorkspace();
        Must(ws, "run", "--no-entry", "--", "true");
        AssertUsageError(ws.Lab("ls", "--limit", "abc"), "--limit: 'abc' is not a whole number");
        AssertUsageError(ws.Lab("ls", "--limit", "99999999999"), "--limit: '99999999999' is too large");
        AssertUsageError(ws.Lab("ls", "--limit"), "--limit needs a value");
        AssertUsageError(ws.Lab("sweep", "-s", "x=0..1", "--objective", "l", "--direction", "min", "--", "echo"), "--study is required");
        AssertUsageError(ws.Lab("show"), "missing RUN");
        AssertUsageError(ws.Lab("run", "--timeout", "99999999999h", "--", "true"), "--timeout: '99999999999h' is too long");
        AssertUsageError(ws.Lab("run", "--timeout", "0", "--", "true"), "--timeout: '0' is zero");
        var since = ws.Lab("ls", "--since", "99999999d");
        Assert.True(since.ExitCode == 0, since.ToString());
        Assert.Single(ws.RunIds());
    }

    [Fact]
    public void A_broken_file_is_named_in_words_not_resource_keys()
    {
        using var ws = new TempWorkspace();
        Must(ws, "run", "--no-entry", "--", "true");
        var id = ws.RunIds().Single();
        File.WriteAllText(Path.Combine(ws.RunsDirectory, id, "run.json"), "{\"id\": ");
        var r = ws.Lab("show", id);
        Assert.NotEqual(0, r.ExitCode);
        Assert.DoesNotContain("ExpectedJsonTokens", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("_", r.Stderr.Replace(ws.Root, "", StringComparison.Ordinal).Replace(id, "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("run.json", r.Stderr, StringComparison.Ordinal);
    }

    public static TheoryData<string[], string> SilentlyAccepted => new()
    {
        { ["sweep", "--study", "s", "-s", "lr=", "--objective", "l", "--direction", "min", "--", "echo", "{lr}"], "no value after 'lr='" },
        { ["sweep", "--study", "s", "-s", "lr=Log:1e-5..1e-1", "--objective", "l", "--direction", "min", "--", "echo", "{lr}"], "unknown kind 'Log' (did you mean 'log'?)" },
        { ["sweep", "--study", "s", "-s", "lr=log:1e-5...1e-1", "--objective", "l", "--direction", "min", "--", "echo", "{lr}"], "exactly two dots" },
        { ["sweep", "--study", "s", "-s", "x=0..1", "--objective", "l", "--direction", "min", "--enqueue", "x=5", "--", "echo", "{x}"], "--enqueue: x=5 is outside the space's range 0..1" },
        { ["sweep", "--study", "s", "-s", "x=0..1", "--objective", "l", "--direction", "min", "--gpus", "a,b", "--", "echo", "{x}"], "--gpus: 'a' is not a GPU id" },
        { ["queue", "add", "--grid", "lr=1,,2", "--", "echo", "{lr}"], "--grid lr has an empty value" },
        { ["queue", "add", "-p", "lr=1", "-p", "lr=2", "--", "echo", "{lr}"], "-p lr: given twice" },
        { ["queue", "add", "--timeout", "0", "--", "echo"], "--timeout: '0' is zero" },
        { ["run", "-p", "lr=1", "-p", "lr=2", "--", "true"], "-p lr: given twice" },
        { ["queue", "start", "--gpus", "0,0,-1"], "--gpus: GPU 0 is listed twice" },
    };

    [Theory]
    [MemberData(nameof(SilentlyAccepted))]
    public void A_value_that_would_mean_something_else_is_refused(string[] args, string message)
    {
        using var ws = new TempWorkspace();
        var r = ws.Lab([.. args]);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(message, r.Stderr, StringComparison.Ordinal);
        Assert.Empty(ws.RunIds());
        Assert.False(File.Exists(Path.Combine(ws.Root, "queue.jsonl")));
        Assert.False(Directory.Exists(Path.Combine(ws.Root, "studies")));
    }

    [Fact]
    public void A_grid_value_with_a_semicolon_is_queued_with_a_warning()
    {
        using var ws = new TempWorkspace();
        var r = ws.Lab("queue", "add", "--no-entry", "--grid", "lr=0.1;0.3", "--", "echo", "{lr}");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("warning: --grid lr: the value '0.1;0.3' is one value; separate values with commas", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_refused_sweep_writes_nothing_into_the_notebook()
    {
        using var ws = new TempWorkspace();
        Must(ws, "note", "does depth help?", "--why", "curious");
        var before = Snapshot(ws);
        var r = ws.Lab("sweep", "--study", "s3", "-s", "x=0..1", "--objective", "l", "--direction", "min", "--", "echo", "{y}");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("{y}", r.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(ws));
    }

    [Fact]
    public void A_sweep_of_a_missing_script_stops_after_its_first_trials()
    {
        using var ws = new TempWorkspace();
        var r = ws.Lab(["sweep", "--study", "gone", "--no-entry", "-s", "x=0..1", "--objective", "loss", "--direction", "minimize", "--", "python3", "missing.py", "{x}"], timeout: SweepTimeout);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("sweep stopped: the first 3 trials all failed alike", r.Stderr, StringComparison.Ordinal);
        Assert.Equal(3, ws.RunIds().Count);
    }

    [Fact]
    public void A_sweep_whose_trials_never_log_the_objective_names_what_they_logged()
    {
        using var ws = new TempWorkspace();
        ws.WriteFile("t.py", "import sys\nprint(f'@lab loss={float(sys.argv[1])} acc=0.5', flush=True)\n");
        var r = ws.Lab(["sweep", "--study", "typo", "--no-entry", "-j", "2", "-s", "x=0..1", "--objective", "los", "--direction", "minimize", "--trials", "50", "--", "python3", "t.py", "{x}"], timeout: SweepTimeout);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("the first 4 trials all failed without logging the objective 'los': they logged acc, loss (did you mean 'loss'?)", r.Stderr, StringComparison.Ordinal);
        Assert.InRange(ws.RunIds().Count, 4, 5);
    }

    [Fact]
    public void A_sweep_whose_program_refuses_its_arguments_stops_early()
    {
        using var ws = new TempWorkspace();
        ws.WriteFile("t.py", "import argparse\np = argparse.ArgumentParser()\np.add_argument('--lr', type=float, required=True)\np.parse_args()\n");
        var r = ws.Lab(["sweep", "--study", "argp", "--no-entry", "-s", "x=0..1", "--objective", "loss", "--direction", "minimize", "--", "python3", "t.py", "--learning-rate", "{x}"], timeout: SweepTimeout);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("the first 3 trials all failed alike (failed: exit code 2)", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("see lab show ", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sweep_that_ends_with_no_complete_trial_exits_non_zero()
    {
        using var ws = new TempWorkspace();
        // Each trial fails differently, so the sweep does not stop early; it still must not report success.
        ws.WriteFile("t.py", "import sys\nsys.exit(1 + int(float(sys.argv[1]) * 100))\n");
        var r = ws.Lab(["sweep", "--study", "bad", "--no-entry", "-s", "x=0..1", "--sampler", "random", "--seed", "1", "--objective", "loss", "--direction", "minimize", "--trials", "2", "--", "python3", "t.py", "{x}"], timeout: SweepTimeout);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("no trial of this sweep completed", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_queue_with_a_failed_item_exits_non_zero()
    {
        using var ws = new TempWorkspace();
        Must(ws, "queue", "add", "--no-entry", "--", "false");
        var r = ws.Lab(["queue", "start"], timeout: TimeSpan.FromSeconds(120));
        Assert.True(r.ExitCode != 0, r.ToString());
    }

    [Fact]
    public void A_continued_sweep_with_an_objective_its_trials_never_logged_is_refused()
    {
        using var ws = new TempWorkspace();
        ws.WriteFile("t.py", "import sys\nprint(f'@lab loss={float(sys.argv[1])} acc=0.5', flush=True)\n");
        string[] sweep = ["sweep", "--study", "cont", "--no-entry", "-s", "x=0..1", "--direction", "minimize", "--", "python3", "t.py", "{x}"];
        var first = ws.Lab([.. sweep[..^4], "--objective", "loss", "--trials", "1", .. sweep[^4..]], timeout: SweepTimeout);
        Assert.True(first.ExitCode == 0, first.ToString());
        var before = Snapshot(ws);
        var r = ws.Lab([.. sweep[..^4], "--objective", "los", "--trials", "3", .. sweep[^4..]], timeout: SweepTimeout);
        AssertUsageError(r, "--objective: no trial of study 'cont' logged 'los' (did you mean 'loss'?); its trials logged acc, loss");
        Assert.Equal(before, Snapshot(ws));
    }

    [Fact]
    public void A_prediction_on_a_metric_no_run_logged_is_kept_with_a_warning()
    {
        using var ws = new TempWorkspace();
        Must(ws, "run", "--no-entry", "--", "sh", "-c", "echo '@lab val_loss=0.3'");
        var r = ws.Lab("note", "does warmup help?", "--expect", "val_los < 0.2", "--predict", "val_loss < baseline - 0.01");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("warning: 'val_los < 0.2': no run of this workspace has logged 'val_los' (did you mean 'val_loss'?)", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("'val_loss < baseline", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("val_los < 0.2", File.ReadAllText(Path.Combine(ws.Root, "NOTEBOOK.md")), StringComparison.Ordinal);
    }
}
