using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Labbook.IO;
using Labbook.Queue;

namespace Labbook.EndToEnd.Tests;

/// <summary>
/// Crash points (docs/decisions/0027-crash-points.md): for every point of <see cref="CrashPoints.All"/>, every
/// writer that reaches it is run with <c>LAB_CRASH_AT=point:n</c>, so that it SIGKILLs itself the n-th time it gets
/// there (n = 1, 2, 3, 4, 6, 9, ... until the writer no longer gets that far), and then the recovery invariants are
/// checked: what was acknowledged before is intact, every file still reads, nothing ends twice, the next writer
/// finishes (never hangs), repairs what the crash left and continues.
/// </summary>
public sealed class CrashPointTests
{
    private const int Killed = 128 + 9;
    private static readonly TimeSpan WriterTimeout = TimeSpan.FromSeconds(180);

    public static TheoryData<string> Points => new(CrashPoints.All);

    [Fact]
    public void Every_crash_point_has_a_scenario_and_every_scenario_names_a_point()
    {
        var untested = CrashPoints.All.Where(p => !Scenarios.Any(s => s.Points.Contains(p))).ToList();
        Assert.True(untested.Count == 0, "crash points without a scenario: " + string.Join(", ", untested));
        var unknown = Scenarios.SelectMany(s => s.Points).Where(p => !CrashPoints.All.Contains(p)).ToList();
        Assert.True(unknown.Count == 0, "scenarios name unregistered crash points: " + string.Join(", ", unknown));
    }

    [Theory]
    [MemberData(nameof(Points))]
    public void Killing_the_writer_at_a_crash_point_keeps_the_recovery_invariants(string point)
    {
        var scenarios = Scenarios.Where(s => s.Points.Contains(point)).ToList();
        Assert.True(scenarios.Count > 0, $"no crash scenario reaches {point}: add one to CrashPointTests.Scenarios");
        foreach (var scenario in scenarios)
        {
            var crashes = 0;
            foreach (var nth in Occurrences())
            {
                using var ws = new TempWorkspace();
                var context = $"{scenario.Name}, {CrashPoints.Variable}={point}:{nth}";
                scenario.Acknowledge(ws);
                if (point.EndsWith("." + CrashPoints.TailCut, StringComparison.Ordinal))
                {
                    // A tail to cut: the same writer killed half-way through its first append.
                    var site = point[..^(CrashPoints.TailCut.Length + 1)];
                    var torn = scenario.Write(ws, $"{site}.{CrashPoints.Torn}:1");
                    Assert.True(torn.ExitCode == Killed, $"{context}: preparing a torn tail: {torn}");
                }
                var crashed = scenario.Write(ws, $"{point}:{nth}");
                if (crashed.ExitCode != Killed)
                {
                    Assert.True(crashes > 0, $"{context}: the writer never reached the point: {crashed}");
                    Assert.True(crashed.ExitCode == 0, $"{context}: past the last occurrence the writer should succeed: {crashed}");
                    break;
                }
                crashes++;
                scenario.Check(ws, context + ", after the crash", recovered: false);
                var next = scenario.Write(ws, null);
                Assert.True(next.ExitCode == 0, $"{context}: the next writer failed: {next}");
                scenario.Check(ws, context + ", after the next writer", recovered: true);
            }
        }
    }

    /// <summary>
    /// Which occurrences of a point to crash at: all of the first four, then every 1.5 times further (LAB_CRASH_EXHAUSTIVE=1:
    /// all); LAB_CRASH_OCCURRENCES=N tries only the first N of those (the load pass in CI, to stay within its time).
    /// </summary>
    private static IEnumerable<int> Occurrences()
    {
        var exhaustive = Environment.GetEnvironmentVariable("LAB_CRASH_EXHAUSTIVE") == "1";
        var cap = int.TryParse(Environment.GetEnvironmentVariable("LAB_CRASH_OCCURRENCES"), NumberStyles.None, CultureInfo.InvariantCulture, out var c) && c > 0 ? c : int.MaxValue;
        var tried = 0;
        for (var n = 1; n <= 200 && tried < cap; n = exhaustive || n < 4 ? n + 1 : (n * 3 / 2) + 1)
        {
            tried++;
            yield return n;
        }
    }

    private abstract class Scenario
    {
        public abstract string Name { get; }

        public abstract IReadOnlyList<string> Points { get; }

        /// <summary>Work that completed and was reported to the user before the crash: it must survive.</summary>
        public abstract void Acknowledge(TempWorkspace ws);

        /// <summary>The writer under test, with <c>LAB_CRASH_AT</c> set to <paramref name="crashAt"/> (null: not armed).</summary>
        public abstract LabResult Write(TempWorkspace ws, string? crashAt);

        /// <summary>The invariants, after the crash and after the next writer.</summary>
        public abstract void Check(TempWorkspace ws, string context, bool recovered);

        public override string ToString() => Name;
    }

    private static readonly Scenario[] Scenarios =
    [
        new LabRunScenario(),
        new RunApiScenario(),
        new QueueAddScenario(),
        new QueueStartScenario(),
        new SweepScenario(),
        new StudyApiScenario(),
        new NoteScenario(),
    ];

    private static readonly string[] RunFilePoints =
    [
        CrashPoints.RunFolderCreated,
        "run.json." + CrashPoints.TempWritten,
        "run.json." + CrashPoints.Renamed,
        "metrics.csv." + CrashPoints.Torn,
        "metrics.csv." + CrashPoints.Appended,
        "summary.json." + CrashPoints.TempWritten,
        "summary.json." + CrashPoints.Renamed,
        CrashPoints.HeartbeatBeaten,
    ];

    private static readonly string[] QueuePoints = ["queue.jsonl.torn", "queue.jsonl.appended", "queue.jsonl.synced", "queue.jsonl.tail-cut"];

    private static readonly string[] StudyPoints = [CrashPoints.StudyTorn, CrashPoints.StudyAppended, CrashPoints.StudySynced, CrashPoints.StudyTailCut];

    private static Dictionary<string, string?> Env(string? crashAt) => new() { [CrashPoints.Variable] = crashAt };

    private static LabResult Lab(TempWorkspace ws, string? crashAt, params string[] args) =>
        ws.Lab(args, Env(crashAt), WriterTimeout);

    /// <summary>A reader must succeed and print no .NET exception or stack trace.</summary>
    private static LabResult Read(TempWorkspace ws, string context, params string[] args)
    {
        var r = ws.Lab(args, Env(null), TimeSpan.FromSeconds(60));
        Assert.True(r.ExitCode == 0, $"{context}: lab {string.Join(' ', args)}: {r}");
        Assert.DoesNotContain("Exception", r.Stdout + r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Stdout + r.Stderr, StringComparison.Ordinal);
        return r;
    }

    /// <summary>Runs a program (not lab) with the workspace's environment, for the library's own writers.</summary>
    private static LabResult Program(TempWorkspace ws, string? crashAt, string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = ws.Root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["LAB_WORKSPACE"] = ws.Root;
        psi.Environment["HOME"] = ws.Root;
        psi.Environment.Remove("LAB_RUN_DIR");
        psi.Environment.Remove(CrashPoints.Variable);
        if (crashAt is not null)
        {
            psi.Environment[CrashPoints.Variable] = crashAt;
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(WriterTimeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not end within {WriterTimeout.TotalSeconds} s (a writer hung)");
        }
        p.WaitForExit();
        return new LabResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Every run folder's run.json reads, its status is final or crashed (its owner is dead), and a completed run has its summary.</summary>
    private static List<JsonElement> CheckRuns(TempWorkspace ws, string context)
    {
        var listed = JsonDocument.Parse(Read(ws, context, "ls", "--json").Stdout).RootElement.EnumerateArray().ToList();
        foreach (var run in listed)
        {
            var id = run.GetProperty("id").GetString()!;
            var status = run.GetProperty("status").GetString();
            Assert.True(status is "completed" or "crashed" or "failed", $"{context}: run {id} is {status} although no writer is alive");
            if (status == "completed")
            {
                Assert.True(File.Exists(Path.Combine(ws.RunsDirectory, id, "summary.json")), $"{context}: completed run {id} has no summary.json");
            }
            else
            {
                // The crashed run is the one whose files the kill interrupted.
                Read(ws, context, "show", id);
            }
        }
        Read(ws, context, "export");
        return listed;
    }

    private static JsonElement RunNamed(List<JsonElement> runs, string name, string context) =>
        runs.SingleOrDefault(r => r.TryGetProperty("name", out var n) && n.GetString() == name) is { ValueKind: JsonValueKind.Object } run
            ? run
            : throw new Xunit.Sdk.XunitException($"{context}: the acknowledged run '{name}' is missing");

    private static double LastValue(JsonElement run, string metric) =>
        run.GetProperty("summary").GetProperty("metrics").GetProperty(metric).GetProperty("last").GetDouble();

    /// <summary>`lab run`: run folder, run.json, metrics.csv, summary.json and heartbeat.</summary>
    private sealed class LabRunScenario : Scenario
    {
        public override string Name => "lab run";

        public override IReadOnlyList<string> Points => RunFilePoints;

        public override void Acknowledge(TempWorkspace ws)
        {
            var r = Lab(ws, null, "run", "--name", "base", "--", "sh", "-c", "echo '@lab loss=1 step=0'; echo '@lab loss=0.5 step=1'");
            Assert.True(r.ExitCode == 0, r.ToString());
        }

        public override LabResult Write(TempWorkspace ws, string? crashAt) =>
            Lab(ws, crashAt, "run", "--name", crashAt is null ? "after" : "victim", "--", "sh", "-c", "echo '@lab loss=0.9 step=0'; echo '@lab loss=0.4 step=1'");

        public override void Check(TempWorkspace ws, string context, bool recovered)
        {
            var runs = CheckRuns(ws, context);
            var base_ = RunNamed(runs, "base", context);
            Assert.Equal("completed", base_.GetProperty("status").GetString());
            Assert.Equal(0.5, LastValue(base_, "loss"));
            if (recovered)
            {
                var after = RunNamed(runs, "after", context);
                Assert.Equal("completed", after.GetProperty("status").GetString());
                Assert.Equal(0.4, LastValue(after, "loss"));
            }
        }
    }

    /// <summary>The C# Run API outside lab (examples/LoggingExample owns its run): the same files, written by the library.</summary>
    private sealed class RunApiScenario : Scenario
    {
        private static readonly string Dll = TempWorkspace.BuiltFile(Path.Combine("examples", "LoggingExample"), "LoggingExample.dll");

        public override string Name => "Run API";

        public override IReadOnlyList<string> Points => RunFilePoints;

        public override void Acknowledge(TempWorkspace ws)
        {
            var r = Program(ws, null, "dotnet", Dll, "5");
            Assert.True(r.ExitCode == 0, r.ToString());
        }

        public override LabResult Write(TempWorkspace ws, string? crashAt) => Program(ws, crashAt, "dotnet", Dll, "5");

        public override void Check(TempWorkspace ws, string context, bool recovered)
        {
            var runs = CheckRuns(ws, context);
            var completed = runs.Where(r => r.GetProperty("status").GetString() == "completed").ToList();
            Assert.True(completed.Count >= (recovered ? 2 : 1), $"{context}: {completed.Count} completed runs");
            foreach (var run in completed)
            {
                Assert.Equal(5, run.GetProperty("summary").GetProperty("metrics").GetProperty("loss").GetProperty("count").GetInt32());
            }
        }
    }

    private static QueueState QueueState(TempWorkspace ws, string context)
    {
        using var journal = new QueueJournal(Path.Combine(ws.Root, "queue.jsonl"), Path.Combine(ws.Root, ".labbook", "queue.lock"));
        Assert.True(journal.Issues.Count == 0, $"{context}: {string.Join("; ", journal.Issues)}");
        return journal.State;
    }

    /// <summary>`lab queue add`: the queue journal's appends and its torn-tail repair.</summary>
    private sealed class QueueAddScenario : Scenario
    {
        public override string Name => "lab queue add";

        public override IReadOnlyList<string> Points => QueuePoints;

        public override void Acknowledge(TempWorkspace ws)
        {
            var r = Lab(ws, null, "queue", "add", "--name", "first", "--", "echo", "one");
            Assert.True(r.ExitCode == 0, r.ToString());
        }

        public override LabResult Write(TempWorkspace ws, string? crashAt) =>
            Lab(ws, crashAt, "queue", "add", "--name", crashAt is null ? "after" : "victim", "--", "echo", "two");

        public override void Check(TempWorkspace ws, string context, bool recovered)
        {
            Read(ws, context, "queue");
            var items = QueueState(ws, context).Items.Values.ToList();
            Assert.Single(items, i => i.Item.Name == "first" && i.Item.Argv.SequenceEqual(["echo", "one"]));
            Assert.True(items.Count(i => i.Item.Name == "victim") <= 1, $"{context}: the crashed add appears twice");
            Assert.All(items.Where(i => i.Item.Name == "victim"), i => Assert.Equal(["echo", "two"], i.Item.Argv));
            Assert.Equal(items.Count, items.Select(i => i.Id).Distinct().Count());
            if (recovered)
            {
                Assert.Single(items, i => i.Item.Name == "after");
            }
        }
    }

    /// <summary>`lab queue start`: leases, starts and ends in the queue journal, with the runs they make.</summary>
    private sealed class QueueStartScenario : Scenario
    {
        public override string Name => "lab queue start";

        public override IReadOnlyList<string> Points => QueuePoints;

        public override void Acknowledge(TempWorkspace ws)
        {
            foreach (var (name, loss) in new[] { ("a", "1"), ("b", "2") })
            {
                var r = Lab(ws, null, "queue", "add", "--name", name, "--", "sh", "-c", $"echo '@lab loss={loss}'");
                Assert.True(r.ExitCode == 0, r.ToString());
            }
        }

        private readonly Dictionary<string, List<string>> _reportedDone = [];

        public override LabResult Write(TempWorkspace ws, string? crashAt)
        {
            var r = Lab(ws, crashAt, "queue", "start", "-j", "1");
            // "18:04:05 q1 done run ..." on the terminal tells the user the item is done: that is acknowledged.
            _reportedDone[ws.Root] = [.. r.Stderr.Split('\n').Select(l => l.Trim().Split(' ')).Where(w => w is [_, _, "done", ..]).Select(w => w[1])];
            return r;
        }

        public override void Check(TempWorkspace ws, string context, bool recovered)
        {
            Read(ws, context, "queue");
            var state = QueueState(ws, context);
            foreach (var id in _reportedDone[ws.Root])
            {
                Assert.True(state.Items.TryGetValue(id, out var item) && item.State == ItemState.Done, $"{context}: {id} was reported done but is {(state.Items.TryGetValue(id, out var i) ? i.State : "missing")}");
            }
            foreach (var name in new[] { "a", "b" })
            {
                var item = Assert.Single(state.Items.Values, i => i.Item.Name == name);
                if (recovered)
                {
                    Assert.True(item.State == ItemState.Done, $"{context}: item {name} is {item.State} after the next runner");
                }
            }
            // Nothing ends twice: one end per lease, and no item's command completes in two runs.
            var ends = File.ReadLines(Path.Combine(ws.Root, "queue.jsonl"))
                .Where(l => l.EndsWith('}'))
                .Select(l => JsonDocument.Parse(l).RootElement)
                .Where(op => op.GetProperty("op").GetString() == "end")
                .GroupBy(op => op.GetProperty("lease").GetString())
                .Where(g => g.Count() > 1)
                .Select(g => g.Key);
            Assert.True(!ends.Any(), $"{context}: leases ended twice: {string.Join(", ", ends)}");
            var runs = CheckRuns(ws, context);
            var twice = runs.Where(r => r.GetProperty("status").GetString() == "completed" && r.TryGetProperty("queue_item", out _))
                .GroupBy(r => r.GetProperty("queue_item").GetString())
                .Where(g => g.Count() > 1)
                .Select(g => g.Key)
                .ToList();
            Assert.True(twice.Count == 0, $"{context}: queue items that ran to completion twice: {string.Join(", ", twice)}");
        }
    }

    private static readonly string[] SweepArgs =
        ["sweep", "--study", "s", "-s", "x=0..1", "--objective", "loss", "--direction", "minimize", "--seed", "7", "--", "sh", "-c", "echo \"@lab loss=$1\"", "sh", "{x}"];

    /// <summary>Trials of a study by number, from `lab study export` (which also proves the journal reads).</summary>
    private static Dictionary<int, (string State, string Value)> ExportedTrials(TempWorkspace ws, string study, string context)
    {
        var csv = Read(ws, context, "study", "export", study).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = csv[0].Split(',');
        int Col(string name) => Array.IndexOf(header, name);
        return csv.Skip(1).Select(l => l.Split(',')).ToDictionary(
            f => int.Parse(f[Col("number")], CultureInfo.InvariantCulture),
            f => (f[Col("state")], f[Col("value")]));
    }

    /// <summary>Nothing ends twice in a study journal: at most one final state (complete, pruned, fail) per trial.</summary>
    private static void CheckTrialsEndOnce(string journal, string context)
    {
        var finals = File.ReadLines(journal)
            .Where(l => l.EndsWith('}'))
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(op => op.GetProperty("op_code").GetInt32() == 6 && op.GetProperty("state").GetInt32() is 1 or 2 or 4)
            .GroupBy(op => op.GetProperty("trial_id").GetInt32())
            .Where(g => g.Count() > 1)
            .Select(g => g.Key)
            .ToList();
        Assert.True(finals.Count == 0, $"{context}: trials that ended twice: {string.Join(", ", finals)}");
    }

    /// <summary>`lab sweep`: the study journal (studies/NAME.jsonl) and each trial's run.</summary>
    private sealed class SweepScenario : Scenario
    {
        private readonly Dictionary<string, Dictionary<int, (string, string)>> _acknowledged = [];

        public override string Name => "lab sweep";

        public override IReadOnlyList<string> Points => StudyPoints;

        public override void Acknowledge(TempWorkspace ws)
        {
            var r = Lab(ws, null, [.. SweepArgs.Take(11), "--trials", "2", .. SweepArgs.Skip(11)]);
            Assert.True(r.ExitCode == 0, r.ToString());
            _acknowledged[ws.Root] = ExportedTrials(ws, "s", "acknowledged")!;
        }

        public override LabResult Write(TempWorkspace ws, string? crashAt) => Lab(ws, crashAt, [.. SweepArgs.Take(11), "--trials", "4", .. SweepArgs.Skip(11)]);

        public override void Check(TempWorkspace ws, string context, bool recovered)
        {
            var trials = ExportedTrials(ws, "s", context);
            foreach (var (number, (state, value)) in _acknowledged[ws.Root])
            {
                Assert.True(trials.TryGetValue(number, out var now) && now == (state, value), $"{context}: acknowledged trial {number} ({state} {value}) became {now}");
            }
            CheckTrialsEndOnce(Path.Combine(ws.Root, "studies", "s.jsonl"), context);
            CheckRuns(ws, context);
            if (recovered)
            {
                Assert.True(trials.Values.Count(t => t.State == "COMPLETE") >= 3, $"{context}: the next sweep did not continue");
                Assert.DoesNotContain(trials.Values, t => t.State == "RUNNING");
            }
        }
    }

    /// <summary>The C# Study API (tests/Labbook.Tuning.Worker) on a journal file in the workspace.</summary>
    private sealed class StudyApiScenario : Scenario
    {
        private static readonly string Dll = TempWorkspace.BuiltFile(Path.Combine("tests", "Labbook.Tuning.Worker"), "Labbook.Tuning.Worker.dll");
        private readonly Dictionary<string, HashSet<int>> _acknowledged = [];

        public override string Name => "Study API";

        public override IReadOnlyList<string> Points => StudyPoints;

        private static string Journal(TempWorkspace ws) => Path.Combine(ws.Root, "studies", "w.jsonl");

        // journal, study, trials, max sleep ms, seed, heartbeat ms, grace ms, retry failed (the killed trial is run again), sync delay ms
        private static LabResult Worker(TempWorkspace ws, string? crashAt, int trials) =>
            Program(ws, crashAt, "dotnet", Dll, Journal(ws), "w", trials.ToString(CultureInfo.InvariantCulture), "0", "3", "200", "1000", "1", "5");

        public override void Acknowledge(TempWorkspace ws)
        {
            Directory.CreateDirectory(Path.Combine(ws.Root, "studies"));
            var r = Worker(ws, null, 2);
            Assert.True(r.ExitCode == 0, r.ToString());
            _acknowledged[ws.Root] = [0, 1];
        }

        public override LabResult Write(TempWorkspace ws, string? crashAt)
        {
            var r = Worker(ws, crashAt, 5);
            // "done N COMPLETE" is printed after Tell returned: those trials are acknowledged.
            foreach (var line in r.Stdout.Split('\n'))
            {
                var parts = line.Split(' ');
                if (parts is ["done", var n, "Complete" or "COMPLETE"])
                {
                    _acknowledged[ws.Root].Add(int.Parse(n, CultureInfo.InvariantCulture));
                }
            }
            return r;
        }

        public override void Check(TempWorkspace ws, string context, bool recovered)
        {
            var trials = ExportedTrials(ws, "w", context);
            foreach (var number in _acknowledged[ws.Root])
            {
                Assert.True(trials.TryGetValue(number, out var t) && t.State == "COMPLETE", $"{context}: acknowledged trial {number} is {(trials.TryGetValue(number, out var u) ? u.State : "missing")}");
            }
            CheckTrialsEndOnce(Journal(ws), context);
            if (recovered)
            {
                Assert.DoesNotContain(trials.Values, t => t.State == "RUNNING");
                Assert.True(trials.Values.Count(t => t.State == "COMPLETE") >= 5, $"{context}: the next worker did not finish the study");
            }
        }
    }

    /// <summary>`lab note`: NOTEBOOK.md (read-modify-write, temp file and rename) and the current entry.</summary>
    private sealed class NoteScenario : Scenario
    {
        public override string Name => "lab note";

        public override IReadOnlyList<string> Points =>
            ["NOTEBOOK.md.temp-written", "NOTEBOOK.md.renamed", "current-entry.temp-written", "current-entry.renamed"];

        public override void Acknowledge(TempWorkspace ws)
        {
            var r = Lab(ws, null, "note", "first question", "--why", "acknowledged");
            Assert.True(r.ExitCode == 0, r.ToString());
        }

        public override LabResult Write(TempWorkspace ws, string? crashAt) =>
            Lab(ws, crashAt, "note", crashAt is null ? "third question" : "second question", "--why", "w");

        public override void Check(TempWorkspace ws, string context, bool recovered)
        {
            var list = Read(ws, context, "note", "ls").Stdout;
            var text = File.ReadAllText(Path.Combine(ws.Root, "NOTEBOOK.md"));
            Assert.Equal(1, Count(text, "first question"));
            Assert.True(Count(text, "second question") <= 1, $"{context}: the crashed entry appears twice");
            Assert.Contains("first question", list, StringComparison.Ordinal);
            if (recovered)
            {
                Assert.Equal(1, Count(text, "third question"));
                var ids = System.Text.RegularExpressions.Regex.Matches(text, @"^## (E\d+)", System.Text.RegularExpressions.RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
                Assert.Equal(ids.Count, ids.Distinct().Count());
                // The next writer removes what a writer killed between its write and its rename left behind.
                Assert.DoesNotContain(Directory.GetFiles(ws.Root), f => Path.GetFileName(f).StartsWith("NOTEBOOK.md.", StringComparison.Ordinal));
                Assert.DoesNotContain(Directory.GetFiles(Path.Combine(ws.Root, ".labbook")), f => Path.GetFileName(f).StartsWith("current-entry.", StringComparison.Ordinal));
                Read(ws, context, "note", "show", "E1");
            }
        }

        private static int Count(string text, string what) => (text.Length - text.Replace(what, "", StringComparison.Ordinal).Length) / what.Length;
    }
}
