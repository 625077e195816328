using System.Diagnostics;
using System.Globalization;
using Labbook.Tuning;
using Labbook.Tuning.Storages.Journal;

namespace Labbook.Tests.Tuning;

/// <summary>Real processes killed with SIGKILL at random moments while they write one journal.</summary>
public sealed class CrashTests : IDisposable
{
    private static readonly TimeSpan OpenTimeout = TimeSpan.FromSeconds(10);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "labbook-crash-" + Guid.NewGuid().ToString("N"));

    public CrashTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Processes.Live StartWorker(string journal, string study, int total, int maxSleepMs, int seed, int heartbeatMs = 10_000, int graceMs = 60_000, int retry = 0, int syncDelayMs = 20) =>
        new("dotnet", [Processes.WorkerDll, journal, study, I(total), I(maxSleepMs), I(seed), I(heartbeatMs), I(graceMs), I(retry), I(syncDelayMs)]);

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static Dictionary<int, string> Done(IEnumerable<string> lines) =>
        lines.Where(l => l.StartsWith("done ", StringComparison.Ordinal))
            .Select(l => l.Split(' '))
            .ToDictionary(p => int.Parse(p[1], CultureInfo.InvariantCulture), p => p[2]);

    /// <summary>Opens the journal in a fresh storage, failing (not hanging) when that takes too long.</summary>
    private static IReadOnlyList<FrozenTrial> ReadWithTimeout(string journal)
    {
        var read = Task.Run(() =>
        {
            using var storage = new JournalFileStorage(journal);
            return storage.GetAllTrials(storage.FindStudy("crash")!.Value);
        });
        Assert.True(read.Wait(OpenTimeout), "opening the journal hung");
        return read.Result;
    }

    [Fact]
    public void Kill_9_at_random_moments_loses_no_finished_trial_and_never_blocks_the_next_writer()
    {
        var journal = Path.Combine(_dir, "crash.jsonl");
        using (var setup = new JournalFileStorage(journal))
        {
            Study.Create("crash", storage: setup);
        }
        var random = new Random(12345);
        var acknowledged = new Dictionary<int, string>();
        var clock = Stopwatch.StartNew();
        var kills = 0;
        var torn = 0;
        // About 20 s of kills; a loaded machine starts processes slowly, so allow more time for a minimum of kills.
        while ((clock.Elapsed < TimeSpan.FromSeconds(20) || kills < 8) && clock.Elapsed < TimeSpan.FromSeconds(45))
        {
            using (var worker = StartWorker(journal, "crash", 1_000_000, 15, kills, heartbeatMs: 200, graceMs: 1000))
            {
                if (kills % 4 != 3)
                {
                    // Most kills land while trials run; every fourth lands anywhere from process start (opening, creating).
                    var started = Stopwatch.StartNew();
                    while (!worker.Lines.Contains("started") && started.Elapsed < TimeSpan.FromSeconds(30))
                    {
                        Thread.Sleep(5);
                    }
                }
                Thread.Sleep(random.Next(50, 600));
                worker.KillHard();
                foreach (var (number, state) in Done(worker.Lines))
                {
                    acknowledged[number] = state;
                }
            }
            kills++;
            if (kills % 4 == 0)
            {
                // A power loss mid-append: half a line with no newline at the end of the file.
                File.AppendAllText(journal, "{\"op_code\": 6, \"worker_id\": \"lost\", \"trial_id\": 1, \"sta");
                torn++;
            }
            var trials = ReadWithTimeout(journal);
            Assert.Equal(Enumerable.Range(0, trials.Count), trials.Select(t => t.Number));
            foreach (var (number, state) in acknowledged)
            {
                Assert.True(number < trials.Count, $"acknowledged trial {number} is missing after kill {kills}");
                Assert.Equal(state, trials[number].State.ToString());
            }
        }
        Assert.True(kills >= 8, $"only {kills} kills in the time budget");
        Assert.True(acknowledged.Count > 0, "no worker finished a trial before being killed");

        // Every killed worker's running trial is stale after the grace period; the next worker reclaims them all.
        Thread.Sleep(1200);
        var before = ReadWithTimeout(journal);
        var budget = Study.CountTowardsBudget(before) + 3;
        using (var last = StartWorker(journal, "crash", budget, 0, 999, heartbeatMs: 200, graceMs: 1000))
        {
            Assert.True(last.WaitForExit(TimeSpan.FromSeconds(30)), "the last worker hung");
            Assert.True(last.ExitCode == 0, last.Stderr);
        }
        var after = ReadWithTimeout(journal);
        Assert.DoesNotContain(after, t => t.State == TrialState.Running);
        Assert.All(before.Where(t => t.State == TrialState.Running), t =>
        {
            Assert.Equal(TrialState.Fail, after[t.Number].State);
            Assert.StartsWith("stale", (string?)after[t.Number].SystemAttrs[Study.FailReasonAttr], StringComparison.Ordinal);
        });
        foreach (var line in File.ReadAllLines(journal))
        {
            Assert.NotNull(PythonJson.Parse(line));
        }
        Assert.True(torn > 0);
    }

    [Fact]
    public void Group_commit_a_kill_9_before_any_fsync_loses_no_acknowledged_trial()
    {
        // A sync delay of an hour: the killed worker never fsynced its trials; they live only in the kernel's page
        // cache, which a kill -9 of the writer does not touch (only a power loss or kernel crash would).
        var journal = Path.Combine(_dir, "group.jsonl");
        using (var setup = new JournalFileStorage(journal))
        {
            Study.Create("crash", storage: setup);
        }
        Dictionary<int, string> acknowledged;
        using (var worker = StartWorker(journal, "crash", 1_000_000, 2, 7, syncDelayMs: 3_600_000))
        {
            var clock = Stopwatch.StartNew();
            while (Done(worker.Lines).Count < 20 && clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                Thread.Sleep(5);
            }
            worker.KillHard();
            acknowledged = Done(worker.Lines);
        }
        Assert.True(acknowledged.Count >= 20, $"the worker finished only {acknowledged.Count} trials");
        var trials = ReadWithTimeout(journal);
        foreach (var (number, state) in acknowledged)
        {
            Assert.True(number < trials.Count, $"acknowledged trial {number} is missing");
            Assert.Equal(state, trials[number].State.ToString());
        }
    }

    [Fact]
    public void Several_processes_optimize_one_study_without_lost_or_duplicate_trials()
    {
        var journal = Path.Combine(_dir, "parallel.jsonl");
        using (var setup = new JournalFileStorage(journal))
        {
            Study.Create("crash", storage: setup);
        }
        var workers = Enumerable.Range(0, 3).Select(i => StartWorker(journal, "crash", 60, 5, i)).ToArray();
        try
        {
            foreach (var w in workers)
            {
                Assert.True(w.WaitForExit(TimeSpan.FromSeconds(60)), "a worker hung");
                Assert.True(w.ExitCode == 0, w.Stderr);
            }
            var trials = ReadWithTimeout(journal);
            Assert.Equal(60, trials.Count);
            Assert.All(trials, t => Assert.Equal(TrialState.Complete, t.State));
            var reported = workers.SelectMany(w => Done(w.Lines).Keys).ToArray();
            Assert.Equal(60, reported.Length);
            Assert.Equal(Enumerable.Range(0, 60), reported.Order());
        }
        finally
        {
            foreach (var w in workers)
            {
                w.Dispose();
            }
        }
    }
}
