using System.Text.Json;

namespace Labbook.EndToEnd.Tests;

public class SweepTests
{
    private const string Curve = """
        import sys, time
        x = float(sys.argv[1])
        for step in range(6):
            time.sleep(0.12)
            print(f"@lab loss={x * x + 1.0 / (step + 1)} step={step}", flush=True)
        """;

    private static List<Dictionary<string, string>> Trials(TempWorkspace ws, string study)
    {
        var r = ws.Lab("study", "export", study);
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        // Fields used by these tests hold no commas except fail_reason, which is last.
        return [.. lines.Skip(1).Select(l => l.Split(',', header.Length)).Select(cells => header.Zip(cells).ToDictionary(p => p.First, p => p.Second))];
    }

    [Fact]
    public void A_python_sweep_with_the_median_pruner_prunes_trials_and_marks_their_runs()
    {
        using var ws = new TempWorkspace();
        ws.WriteFile("curve.py", Curve);
        var r = ws.Lab(["sweep", "--study", "pr", "-s", "x=-1..1", "--objective", "loss", "--direction", "minimize", "--trials", "12",
            "--sampler", "random", "--seed", "3", "--pruner", "median", "--why", "does pruning work?", "--", "python3", "curve.py", "{x}"], timeout: TimeSpan.FromSeconds(120));
        Assert.True(r.ExitCode == 0, r.ToString());
        var trials = Trials(ws, "pr");
        Assert.Equal(12, trials.Count);
        var pruned = trials.Where(t => t["state"] == "PRUNED").ToList();
        Assert.NotEmpty(pruned);
        Assert.Contains(trials, t => t["state"] == "COMPLETE");
        foreach (var t in pruned)
        {
            var run = ws.RunJson(t["run_id"]);
            Assert.Equal("pruned", run.GetProperty("status").GetString());
            Assert.Equal("pr", run.GetProperty("study").GetString());
            Assert.Equal(int.Parse(t["number"], System.Globalization.CultureInfo.InvariantCulture), run.GetProperty("trial").GetInt32());
        }
        Assert.Equal(12, ws.RunIds().Count);
        var show = ws.Lab("study", "show", "pr", "--html", "plots.html", "--plots", "img");
        Assert.True(show.ExitCode == 0, show.ToString());
        var html = File.ReadAllText(Path.Combine(ws.Root, "plots.html"));
        foreach (var section in new[] { "Optimization history", "Slices", "Parallel coordinates", "Intermediate values", "Parameter importance (PED-ANOVA)" })
        {
            Assert.Contains($"<h2>{section}</h2>", html, StringComparison.Ordinal);
        }
        foreach (var canvas in new[] { "history", "slice0", "parallel", "intermediate" })
        {
            Assert.Contains($"<canvas id=\"{canvas}\">", html, StringComparison.Ordinal);
        }
        // Chart.js is inlined (offline), and the pruned trials' curves are in the data.
        Assert.Contains("Chart.js v4", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script src", html, StringComparison.Ordinal);
        Assert.Contains("\"state\":\"pruned\"", html, StringComparison.Ordinal);
        foreach (var image in new[] { "history", "slices", "parallel", "intermediate" })
        {
            var bytes = File.ReadAllBytes(Path.Combine(ws.Root, "img", image + ".png"));
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        }
        var svg = ws.Lab("study", "show", "pr", "--plots", "svg", "--format", "svg");
        Assert.True(svg.ExitCode == 0, svg.ToString());
        Assert.StartsWith("<?xml", File.ReadAllText(Path.Combine(ws.Root, "svg", "parallel.svg")), StringComparison.Ordinal);
        Assert.Contains("<svg", File.ReadAllText(Path.Combine(ws.Root, "svg", "slices.svg")), StringComparison.Ordinal);
        Assert.Contains("why: does pruning work?", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("parameter importance", show.Stdout, StringComparison.Ordinal);
        var ls = ws.Lab("ls", "--study", "pr");
        Assert.Contains("pruned", ls.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sweep_killed_with_kill_9_continues_to_exactly_its_total_when_run_again()
    {
        using var ws = new TempWorkspace();
        ws.WriteFile("curve.py", Curve);
        string[] args = ["sweep", "--study", "crash", "-s", "x=-1..1", "--objective", "loss", "--direction", "minimize", "--trials", "5",
            "--retry-failed", "1", "--", "python3", "curve.py", "{x}"];
        using (var first = ws.Start(args))
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            // Kill while the second trial is running.
            while (ws.RunIds().Count < 2 && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
            Thread.Sleep(200);
            first.Kill();
            first.WaitForExit();
        }
        var second = ws.Lab(args, timeout: TimeSpan.FromSeconds(120));
        Assert.True(second.ExitCode == 0, second.ToString());
        var trials = Trials(ws, "crash");
        Assert.Equal(trials.Count, trials.Select(t => t["number"]).Distinct().Count());
        var failed = Assert.Single(trials, t => t["state"] == "FAIL");
        Assert.Contains("stale", failed["fail_reason"], StringComparison.Ordinal);
        // The failed trial was retried with the same parameters; the retry does not count towards the total.
        Assert.Equal(2, trials.Count(t => t["params_x"] == failed["params_x"]));
        Assert.Equal(6, trials.Count);
        Assert.All(trials.Where(t => t != failed), t => Assert.Equal("COMPLETE", t["state"]));
    }

    [Fact]
    public void After_kill_9_the_next_sweep_stops_the_dead_trials_child_and_grandchild_before_retrying_it()
    {
        using var ws = new TempWorkspace();
        // The first trial sleeps (with a grandchild in its own session) until the sweep is resumed.
        ws.WriteFile("sleepy.py", """
            import os, subprocess, sys, time
            x = float(sys.argv[1])
            if not os.path.exists("resumed"):
                g = subprocess.Popen(["sleep", "600"], start_new_session=True)
                open("pids.txt", "w").write(f"{os.getpid()} {g.pid}")
                time.sleep(600)
            print(f"@lab loss={x * x}", flush=True)
            """);
        string[] args = ["sweep", "--study", "orphan", "-s", "x=-1..1", "--objective", "loss", "--direction", "minimize", "--trials", "3",
            "--retry-failed", "1", "--", "python3", "sleepy.py", "{x}"];
        var pidsFile = Path.Combine(ws.Root, "pids.txt");
        int[] pids;
        using (var first = ws.Start(args))
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!File.Exists(pidsFile) && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
            Thread.Sleep(300);
            first.Kill();
            first.WaitForExit();
        }
        pids = [.. File.ReadAllText(pidsFile).Split(' ').Select(p => int.Parse(p, System.Globalization.CultureInfo.InvariantCulture))];
        Thread.Sleep(300);
        Assert.All(pids, pid => Assert.True(IsRunning(pid), $"process {pid} should outlive the killed sweep"));
        ws.WriteFile("resumed", "");
        var second = ws.Lab(args, timeout: TimeSpan.FromSeconds(120));
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("trial 0: its sweep died; stopped", second.Stderr, StringComparison.Ordinal);
        Assert.All(pids, pid => Assert.False(IsRunning(pid), $"process {pid} left by the killed sweep still runs"));
        var trials = Trials(ws, "orphan");
        Assert.Equal(trials.Count, trials.Select(t => t["number"]).Distinct().Count());
        var failed = Assert.Single(trials, t => t["state"] == "FAIL");
        Assert.Equal("0", failed["number"]);
        Assert.Equal(3, trials.Count(t => t["state"] == "COMPLETE"));
        Assert.Equal(2, trials.Count(t => t["params_x"] == failed["params_x"]));
    }

    [Fact]
    public void A_trials_child_never_runs_before_the_journal_names_the_sweep_running_it()
    {
        // Issue 12: the worker (the sweep's process) was recorded after the child started, so a kill -9 in between
        // left a child that the next sweep could not tell was orphaned: it stayed running, its trial RUNNING. Here the
        // test holds the journal's lock from the moment the trial exists, so the sweep cannot record anything more:
        // a child that starts meanwhile was started unnamed.
        using var ws = new TempWorkspace();
        ws.WriteFile("child.sh", "if [ -e resumed ]; then echo \"@lab loss=$1\"; exit 0; fi\necho $$ > started\nexec sleep 600\n");
        string[] args = ["sweep", "--study", "window", "-s", "x=0..1", "--objective", "loss", "--direction", "minimize", "--trials", "1", "--", "sh", "child.sh", "{x}"];
        var journal = Path.Combine(ws.Root, "studies", "window.jsonl");
        var started = Path.Combine(ws.Root, "started");
        bool named;
        using (var first = ws.Start(args))
        {
            var fd = -1;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (fd < 0 && clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                if (File.Exists(journal) && File.ReadAllText(journal).Contains("\"op_code\": 4", StringComparison.Ordinal))
                {
                    fd = Labbook.Native.Libc.Open(journal + ".flock", Labbook.Native.Libc.O_RDWR | Labbook.Native.Libc.O_CREAT, 0b110_100_100);
                    Assert.True(fd >= 0);
                    Assert.Equal(0, Labbook.Native.Libc.Flock(fd, Labbook.Native.Libc.LOCK_EX));
                }
                else
                {
                    Thread.Sleep(1);
                }
            }
            Assert.True(fd >= 0, "the sweep never created its trial");
            try
            {
                // Stable while the lock is held: whether the sweep recorded its worker before the test took the lock.
                named = File.ReadAllText(journal).Contains("labbook:worker", StringComparison.Ordinal);
                var waited = System.Diagnostics.Stopwatch.StartNew();
                while (!File.Exists(started) && waited.Elapsed < TimeSpan.FromSeconds(5))
                {
                    Thread.Sleep(20);
                }
                first.Kill();
                first.WaitForExit();
            }
            finally
            {
                _ = Labbook.Native.Libc.Close(fd);
            }
        }
        var orphan = File.Exists(started) ? int.Parse(File.ReadAllText(started).Trim(), System.Globalization.CultureInfo.InvariantCulture) : (int?)null;
        try
        {
            Assert.False(orphan is not null && !named, "the trial's child started before the journal named the sweep running it");
            // The next sweep stops whatever the killed one left running.
            ws.WriteFile("resumed", "");
            // (Its exit code is not the point: a trial left running without a child may keep it from completing one.)
            ws.Lab(args, timeout: TimeSpan.FromSeconds(120));
            Assert.False(orphan is { } pid && IsRunning(pid), $"process {orphan} left by the killed sweep still runs");
        }
        finally
        {
            if (orphan is { } pid && IsRunning(pid))
            {
                System.Diagnostics.Process.GetProcessById(pid).Kill();
            }
        }
    }

    [Fact]
    public void Study_ls_with_a_corrupt_journal_names_it_once_and_does_not_say_there_are_no_studies()
    {
        using var ws = new TempWorkspace();
        ws.WriteFile("studies/s.jsonl", "{\"op_code\": 0, \"worker_id\": \"w\", \"study_name\": \"s\", \"directions\": [1]}\nnot json at all\n{\"op_code\": 0}\n");
        var r = ws.Lab("study", "ls");
        var path = Path.Combine(ws.Root, "studies", "s.jsonl");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains(path + ": line 2", r.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, r.Stderr.Split(path).Length - 1);
        Assert.DoesNotContain("no studies yet", r.Stderr + r.Stdout, StringComparison.Ordinal);
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z') is false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    [Fact]
    public void Two_slots_run_two_trials_at_once()
    {
        using var ws = new TempWorkspace();
        ws.WriteFile("curve.py", Curve);
        var r = ws.Lab(["sweep", "--study", "par", "-s", "x=-1..1", "--objective", "loss", "--direction", "minimize", "--trials", "4", "-j", "2",
            "--", "python3", "curve.py", "{x}"], timeout: TimeSpan.FromSeconds(120));
        Assert.True(r.ExitCode == 0, r.ToString());
        var runs = ws.RunIds().Select(ws.RunJson).ToList();
        Assert.Equal(4, runs.Count);
        Assert.Equal(["1", "2"], runs.Select(x => x.GetProperty("slot").GetString()).Distinct().Order(StringComparer.Ordinal));
        var spans = runs.Select(x => (Start: x.GetProperty("started").GetDateTime(), End: x.GetProperty("ended").GetDateTime())).OrderBy(s => s.Start).ToList();
        Assert.True(spans[1].Start < spans[0].End, "the second trial should start before the first ends");
        Assert.Equal(4, Trials(ws, "par").Count(t => t["state"] == "COMPLETE"));
    }

    [Fact]
    public void A_bad_space_file_is_refused_with_file_and_line_before_anything_runs()
    {
        using var ws = new TempWorkspace();
        ws.WriteFile("space.yaml", "params:\n  lr: {type: float, low: 0.1, high: 0.01, log: true}\n  act: [relu, tanh]\n");
        var r = ws.Lab("sweep", "--study", "bad", "--space", "space.yaml", "--objective", "loss", "--direction", "minimize", "--", "true", "{lr}");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("lab: space.yaml line 2: lr: low (0.1) must not be greater than high (0.01)", r.Stderr.Trim());
        Assert.Empty(ws.RunIds());
        Assert.False(Directory.Exists(Path.Combine(ws.Root, "studies")));
    }

    [Fact]
    public void A_placeholder_naming_no_parameter_is_an_error_before_launch()
    {
        using var ws = new TempWorkspace();
        var r = ws.Lab("sweep", "--study", "ph", "-s", "lr=log:1e-5..1e-1", "--objective", "loss", "--direction", "minimize", "--", "echo", "--layers", "{layers}");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("placeholder {layers} in argument 3", r.Stderr, StringComparison.Ordinal);
        Assert.Empty(ws.RunIds());
    }

    [Fact]
    public void A_child_that_exits_non_zero_fails_its_trial_with_the_reason_and_the_sweep_goes_on()
    {
        using var ws = new TempWorkspace();
        var r = ws.Lab("sweep", "--study", "nz", "-s", "x=0..1", "--objective", "loss", "--direction", "minimize", "--trials", "2", "--",
            "python3", "-c", "import sys; print('@lab loss=1'); sys.exit(3)");
        // Both trials run (two failures are too few to give up early), and a sweep that completed nothing exits 1.
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("trial 1 failed: run", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("no trial of this sweep completed (2 failed)", r.Stderr, StringComparison.Ordinal);
        var trials = Trials(ws, "nz");
        Assert.Equal(2, trials.Count);
        Assert.All(trials, t =>
        {
            Assert.Equal("FAIL", t["state"]);
            Assert.Contains("exit code 3", t["fail_reason"], StringComparison.Ordinal);
        });
        var missing = ws.Lab("sweep", "--study", "nm", "-s", "x=0..1", "--objective", "loss", "--direction", "minimize", "--trials", "1", "--", "true");
        Assert.Contains("never logged 'loss'", missing.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_categorical_value_full_of_shell_characters_arrives_as_one_argument()
    {
        using var ws = new TempWorkspace();
        const string nasty = "a; rm -rf ~ $(touch pwned) `touch pwned2` 'q\" * | > out";
        ws.WriteFile("space.json", JsonSerializer.Serialize(new { @params = new { v = new { type = "categorical", choices = new[] { nasty } } } }));
        ws.WriteFile("args.py", """
            import json, os, sys
            open("args.json", "w").write(json.dumps({"argv": sys.argv[1:], "env": os.environ["LAB_PARAM_V"], "params": json.loads(os.environ["LAB_PARAMS"])}))
            print("@lab loss=1")
            """);
        var r = ws.Lab("sweep", "--study", "sh", "--space", "space.json", "--objective", "loss", "--direction", "minimize", "--trials", "1", "--", "python3", "args.py", "{v}", "--v={v}");
        Assert.True(r.ExitCode == 0, r.ToString());
        var seen = JsonDocument.Parse(File.ReadAllText(Path.Combine(ws.Root, "args.json"))).RootElement;
        Assert.Equal([nasty, "--v=" + nasty], seen.GetProperty("argv").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(nasty, seen.GetProperty("env").GetString());
        Assert.Equal(nasty, seen.GetProperty("params").GetProperty("v").GetString());
        Assert.False(File.Exists(Path.Combine(ws.Root, "pwned")));
        Assert.False(File.Exists(Path.Combine(ws.Root, "pwned2")));
    }

    [Fact]
    public void A_study_created_by_optuna_is_listed_and_extended_by_lab_sweep()
    {
        using var ws = new TempWorkspace();
        var make = ws.WriteFile("make.py", """
            import optuna, sys
            optuna.logging.set_verbosity(optuna.logging.WARNING)
            storage = optuna.storages.JournalStorage(optuna.storages.JournalFileStorage(sys.argv[1]))
            study = optuna.create_study(study_name="x", storage=storage, direction="minimize")
            study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=3)
            """);
        Directory.CreateDirectory(Path.Combine(ws.Root, "studies"));
        using (var py = System.Diagnostics.Process.Start("/usr/bin/python3", [make, Path.Combine(ws.Root, "studies", "x.jsonl")]))
        {
            py.WaitForExit();
            Assert.Equal(0, py.ExitCode);
        }
        var ls = ws.Lab("study", "ls");
        Assert.Contains("x ", ls.Stdout, StringComparison.Ordinal);
        ws.WriteFile("sq.py", "import sys\nprint(f'@lab y={float(sys.argv[1]) ** 2}')\n");
        var r = ws.Lab("sweep", "--study", "x", "-s", "x=-1..1", "--objective", "y", "--direction", "minimize", "--trials", "5", "--", "python3", "sq.py", "{x}");
        Assert.True(r.ExitCode == 0, r.ToString());
        var trials = Trials(ws, "x");
        Assert.Equal(5, trials.Count);
        Assert.All(trials, t => Assert.Equal("COMPLETE", t["state"]));
        Assert.Equal(2, trials.Count(t => t["run_id"].Length > 0));
        // Optuna reads the extended journal back.
        var check = ws.WriteFile("check.py", """
            import optuna, sys
            storage = optuna.storages.JournalStorage(optuna.storages.JournalFileStorage(sys.argv[1]))
            print(len(optuna.load_study(study_name="x", storage=storage).trials))
            """);
        var psi = new System.Diagnostics.ProcessStartInfo("/usr/bin/python3", [check, Path.Combine(ws.Root, "studies", "x.jsonl")]) { RedirectStandardOutput = true };
        using var p2 = System.Diagnostics.Process.Start(psi)!;
        var output = p2.StandardOutput.ReadToEnd();
        p2.WaitForExit();
        Assert.Equal("5", output.Trim());
    }
    [Fact]
    public void Gpus_give_each_slot_its_device_an_enqueued_baseline_runs_first_and_study_retry_and_rm_work()
    {
        using var ws = new TempWorkspace();
        ws.WriteFile("gpu.py", """
            import os, sys
            x = float(sys.argv[1])
            print(f"@lab gpu={os.environ['CUDA_VISIBLE_DEVICES']} y={x}")
            sys.exit(1 if abs(x - 0.95) < 1e-12 else 0)  # only the enqueued baseline fails
            """);
        var r = ws.Lab(["sweep", "--study", "g", "-s", "x=0..1", "--objective", "y", "--direction", "minimize", "--trials", "4", "--gpus", "3,5",
            "--enqueue", "x=0.95", "--", "python3", "gpu.py", "{x}"], timeout: TimeSpan.FromSeconds(120));
        Assert.True(r.ExitCode == 0, r.ToString());
        var runs = ws.RunIds().Select(ws.RunJson).ToList();
        Assert.Equal(["3", "5"], runs.Select(x => x.GetProperty("gpus").GetString()).Distinct().Order(StringComparer.Ordinal));
        // The queue's slot names, so that one idle-compute line reads the same for sweeps and the queue.
        Assert.Equal(["gpu3", "gpu5"], runs.Select(x => x.GetProperty("slot").GetString()).Distinct().Order(StringComparer.Ordinal));
        var trials = Trials(ws, "g");
        Assert.Equal("0.95", trials[0]["params_x"]);
        Assert.Equal("FAIL", trials[0]["state"]);

        var retry = ws.Lab("study", "retry", "g");
        Assert.True(retry.ExitCode == 0, retry.ToString());
        Assert.Contains("re-enqueued 1 failed trial", retry.Stderr, StringComparison.Ordinal);
        var again = Trials(ws, "g");
        Assert.Equal(5, again.Count);
        Assert.Equal("WAITING", again[4]["state"]);

        var rm = ws.Lab("study", "rm", "g");
        Assert.True(rm.ExitCode == 0, rm.ToString());
        Assert.False(File.Exists(Path.Combine(ws.Root, "studies", "g.jsonl")));
        Assert.Equal(4, ws.RunIds().Count);
        Assert.Equal(2, ws.Lab("study", "show", "g").ExitCode);
    }

    [Fact]
    public void Several_objectives_and_unsafe_study_names_are_refused()
    {
        using var ws = new TempWorkspace();
        var multi = ws.Lab("sweep", "--study", "m", "-s", "x=0..1", "--objective", "a", "--objective", "b", "--direction", "minimize", "--", "true");
        Assert.Equal(2, multi.ExitCode);
        Assert.Contains("not supported yet", multi.Stderr, StringComparison.Ordinal);
        var bad = ws.Lab("sweep", "--study", "../x", "-s", "x=0..1", "--objective", "a", "--direction", "minimize", "--", "true");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("study name", bad.Stderr, StringComparison.Ordinal);
        Assert.Empty(ws.RunIds());
    }
}
